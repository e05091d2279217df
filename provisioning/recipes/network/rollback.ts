import { randomBytes } from 'node:crypto';
import { LockstepError } from '../../api/errors';
import type { NodeStepContext } from '../../engine/types';
import type { Transport } from '../../ssh/types';
import { command, sh } from '../../util/shell';
import { withTimeout } from '../../util/timeout';
import type { RecipeOptions } from '../options';
import { IP_ADDR_COMMAND, parseIpAddr, parseIpRoutes, type IpRoute, type NetDevice } from '../parse/ip';
import { marker, readFile } from '../support/files';
import { read, run } from '../support/run';

/**
 * A network change that cannot cut the management connection (what `netplan try` does):
 * snapshot the interfaces it touches, schedule on the server a rollback that restores
 * the files and the runtime state after N seconds, apply, then open a NEW SSH connection
 * over the management address and only over it cancel the rollback. If no new connection
 * can be made, nothing is confirmed: the server puts itself back and the step fails.
 */

export const NETWORK_STATE_DIR = '/var/lib/lockstep/network';

export interface NetworkChange {
  /** Files to write (full content). */
  readonly files: readonly { readonly path: string; readonly content: string }[];
  /** Runtime commands, run in order by a transient unit on the server. */
  readonly commands: readonly string[];
  /** Interfaces the change touches (restored by the rollback), bridges included. */
  readonly devices: readonly string[];
}

/** What the rollback restores. */
export interface NetworkSnapshot {
  readonly devices: ReadonlyMap<string, NetDevice>;
  readonly routes: readonly IpRoute[];
  /** Previous content of each file (null: it did not exist). */
  readonly files: ReadonlyMap<string, string | null>;
}

/** Renders the rollback script (pure, for tests): every line is tried, none stops the rest. */
export function renderRollback(id: string, pairName: string, change: NetworkChange, snapshot: NetworkSnapshot, keep: readonly string[]): string {
  const lines = [
    '#!/bin/sh',
    marker(pairName),
    `# Rollback of network change ${id}: restores the files and interfaces as they were before it.`,
    `exec >${NETWORK_STATE_DIR}/${id}.log 2>&1`,
    'set -x',
  ];
  for (const [path, content] of snapshot.files) {
    lines.push(content === null ? sh`rm -f -- ${path}` : sh`cp -p -- ${`${NETWORK_STATE_DIR}/${id}/${backupName(path)}`} ${path}`);
  }
  const watched = [...new Set([...change.devices, ...keep])];
  for (const name of watched) {
    const before = snapshot.devices.get(name);
    if (!before) {
      lines.push(command('ip', 'link', 'del', 'dev', name));
      continue;
    }
    lines.push(before.master ? command('ip', 'link', 'set', 'dev', name, 'master', before.master) : command('ip', 'link', 'set', 'dev', name, 'nomaster'));
    lines.push(command('ip', 'link', 'set', 'dev', name, 'mtu', String(before.mtu)));
    lines.push(command('ip', 'addr', 'flush', 'dev', name, 'scope', 'global'));
    for (const address of before.addresses.filter((entry) => entry.scope === 'global')) {
      lines.push(command('ip', 'addr', 'add', `${address.local}/${address.prefixlen}`, 'dev', name));
    }
    lines.push(command('ip', 'link', 'set', 'dev', name, before.up ? 'up' : 'down'));
  }
  for (const route of snapshot.routes.filter((entry) => entry.dev !== undefined && watched.includes(entry.dev) && entry.protocol !== 'kernel')) {
    lines.push(
      command(
        'ip', 'route', 'replace', route.dst,
        ...(route.gateway ? ['via', route.gateway] : []),
        'dev', route.dev ?? '',
        ...(route.metric !== undefined ? ['metric', String(route.metric)] : []),
        ...(route.prefsrc ? ['src', route.prefsrc] : []),
      ),
    );
  }
  lines.push(`echo rolled-back > ${NETWORK_STATE_DIR}/${id}.rolled-back`, '');
  return lines.join('\n');
}

function backupName(path: string): string {
  return path.replaceAll('/', '_');
}

/** The script that applies a change on the server, detached from the SSH session. */
export function renderApply(id: string, pairName: string, change: NetworkChange): string {
  return ['#!/bin/sh', marker(pairName), `# Network change ${id}.`, `exec >${NETWORK_STATE_DIR}/${id}.apply.log 2>&1`, 'set -ex', ...change.commands, `echo done > ${NETWORK_STATE_DIR}/${id}.applied`, ''].join('\n');
}

/** Reads what a rollback would restore. */
export async function takeSnapshot(context: NodeStepContext, change: NetworkChange): Promise<NetworkSnapshot> {
  const devices = parseIpAddr((await run(context, IP_ADDR_COMMAND, { quiet: true })).stdout);
  const routes = [
    ...parseIpRoutes((await run(context, 'ip -j -4 route show table main', { quiet: true })).stdout),
    ...parseIpRoutes((await run(context, 'ip -j -6 route show table main', { quiet: true })).stdout),
  ];
  const files = new Map<string, string | null>();
  for (const file of change.files) files.set(file.path, await readFile(context, file.path));
  return { devices, routes, files };
}

const CONFIRM_ATTEMPTS = 3;

/**
 * Applies `change` with an automatic rollback. Resolves once the change is confirmed
 * over a fresh connection; throws `command.failed` when it was not (and the server
 * has rolled back, or will when the window ends).
 */
export async function applyWithRollback(context: NodeStepContext, options: RecipeOptions, change: NetworkChange): Promise<void> {
  const seconds = options.rollbackSeconds ?? 90;
  const id = `${new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14)}-${randomBytes(3).toString('hex')}`;
  const management = context.pair.management[context.node].nic;
  // A pending rollback of a run that was killed: this connection works, so the state is safe; cancel it.
  await run(context, "systemctl stop 'lockstep-net-rollback-*.timer' 2>/dev/null; true", { quiet: true });
  const snapshot = await takeSnapshot(context, change);
  await run(context, sh`mkdir -p -m 0700 ${`${NETWORK_STATE_DIR}/${id}`}`, { quiet: true });
  for (const [path, content] of snapshot.files) {
    if (content !== null) await run(context, sh`cp -p -- ${path} ${`${NETWORK_STATE_DIR}/${id}/${backupName(path)}`}`, { quiet: true });
  }
  const rollbackPath = `${NETWORK_STATE_DIR}/${id}.rollback.sh`;
  const applyPath = `${NETWORK_STATE_DIR}/${id}.apply.sh`;
  await context.transport.upload(renderRollback(id, context.pair.pairName, change, snapshot, [management]), rollbackPath, { mode: 0o700, sudo: true });
  await context.transport.upload(renderApply(id, context.pair.pairName, change), applyPath, { mode: 0o700, sudo: true });
  context.log(`network change ${id}: rollback armed for ${seconds} s unless confirmed over a new connection`);
  await run(context, command('systemd-run', '--quiet', `--unit=lockstep-net-rollback-${id}`, `--on-active=${seconds}`, '--timer-property=AccuracySec=1s', '/bin/sh', rollbackPath));
  for (const file of change.files) {
    await context.transport.upload(file.content, file.path, { mode: 0o644, sudo: true });
  }
  // The runtime change runs as its own unit: if it cuts this session, it still finishes.
  await context.transport
    .exec(command('systemd-run', '--quiet', `--unit=lockstep-net-apply-${id}`, '/bin/sh', applyPath), { sudo: true, timeoutMs: 15_000 })
    .catch(() => undefined);
  const confirmed = await confirm(context, options, id, Math.max(5, seconds - 20));
  if (confirmed.ok) {
    context.log(`network change ${id}: confirmed over a new connection; rollback cancelled`);
    return;
  }
  throw new LockstepError({
    code: 'command.failed',
    host: context.label,
    message: `On ${context.label}: after the network change ${id} no new SSH connection to the management address could be made (${confirmed.reason}). It was not confirmed, so the server restores its previous network configuration ${seconds} s after the change.`,
    remedy: `Wait for the rollback, then check the interfaces the change touches (${change.devices.join(', ')}) and the private link settings; the log is ${NETWORK_STATE_DIR}/${id}.log on the server.`,
    details: { changeId: id, commands: change.commands },
  });
}

async function confirm(context: NodeStepContext, options: RecipeOptions, id: string, budgetSeconds: number): Promise<{ ok: true } | { ok: false; reason: string }> {
  const deadline = Date.now() + budgetSeconds * 1000;
  let reason = 'not tried';
  // Once the rollback timer is stopped, a later attempt (after a lost connection) must not
  // stop it again: systemd no longer knows the transient unit and would say so.
  let cancelled = false;
  for (let attempt = 1; attempt <= CONFIRM_ATTEMPTS && Date.now() < deadline; attempt += 1) {
    await sleep(2000 * attempt, context.signal);
    let fresh: Transport | undefined;
    try {
      const remaining = deadline - Date.now();
      const connecting = options.freshConnection(context.node, context.signal);
      connecting.catch(() => undefined);
      fresh = await withTimeout(connecting, Math.max(1000, remaining), 'connecting timed out').catch((error: unknown) => {
        // A connection that opens after the timeout is closed, never leaked.
        void connecting.then((late) => late.close()).catch(() => undefined);
        throw error;
      });
      const state = await fresh.exec(command('systemctl', 'show', '-p', 'ActiveState', '-p', 'Result', '--value', `lockstep-net-apply-${id}.service`), { sudo: true, timeoutMs: 10_000 });
      const applied = await fresh.exec(sh`cat ${`${NETWORK_STATE_DIR}/${id}.applied`}`, { sudo: true, timeoutMs: 10_000 });
      if (applied.code !== 0) {
        const log = await fresh.exec(sh`tail -n 20 ${`${NETWORK_STATE_DIR}/${id}.apply.log`}`, { sudo: true, timeoutMs: 10_000 });
        const running = state.stdout.includes('active') || state.stdout.includes('activating');
        if (running) {
          reason = 'the change is still being applied';
          continue;
        }
        // The apply script failed: roll back now rather than wait.
        await fresh.exec(command('systemctl', 'start', `lockstep-net-rollback-${id}.service`), { sudo: true, timeoutMs: 30_000 });
        await fresh.exec(command('systemctl', 'stop', `lockstep-net-rollback-${id}.timer`), { sudo: true, timeoutMs: 10_000 });
        throw new LockstepError({
          code: 'command.failed',
          host: context.label,
          message: `On ${context.label}: the network change ${id} failed and was rolled back:\n${log.stdout.trim()}`,
          remedy: 'Read the output above (an interface name or address may be wrong), fix it, then run apply again.',
        });
      }
      if (!cancelled) {
        const cancel = await fresh.exec(command('systemctl', 'stop', `lockstep-net-rollback-${id}.timer`), { sudo: true, timeoutMs: 10_000 });
        if (cancel.code !== 0) {
          reason = `could not cancel the rollback: ${cancel.stderr.trim()}`;
          continue;
        }
        cancelled = true;
      }
      const done = await fresh.exec(sh`test -e ${`${NETWORK_STATE_DIR}/${id}.rolled-back`}`, { sudo: true, timeoutMs: 10_000 });
      if (done.code === 0) return { ok: false, reason: 'the rollback already ran' };
      return { ok: true };
    } catch (error) {
      if (error instanceof LockstepError && error.message.includes(`network change ${id} failed`)) throw error;
      reason = error instanceof Error ? error.message : String(error);
    } finally {
      await fresh?.close().catch(() => undefined);
    }
  }
  return { ok: false, reason };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    }, { once: true });
  });
}


/** Reads the devices (for inspect/verify). */
export async function readDevices(context: NodeStepContext): Promise<Map<string, NetDevice>> {
  return parseIpAddr((await read(context, IP_ADDR_COMMAND)).stdout);
}
