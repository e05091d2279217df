import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import {
  appendFileSync,
  closeSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  coloPrimaryArgs,
  coloSecondaryArgs,
  overlayCreateArgs,
  unixWiring,
  type ColoGuest,
  type ColoSecondaryFiles,
  type ColoSideFiles,
  type ColoWiring,
} from '../../provisioning/ft/colo-args';
import {
  countCheckpoints,
  failoverToPrimary,
  failoverToSecondary,
  startColo,
  type ColoStartReport,
} from '../../provisioning/ft/colo';
import { qmpProbe, watchHeartbeat } from '../../provisioning/ft/heartbeat';
import { QmpClient, qmpVersionString } from '../../provisioning/ft/qmp';
import { coloSupport, COLO_TCG_FIX_MARKER, type ColoVerdict } from '../../provisioning/ft/support';
import { REPO_ROOT, labUnsupportedReason } from '../helpers/lab';
import { buildFtGuest, ftGuestUnavailableReason, parseTicks, type FtGuest, type Tick } from './ft-guest';

/**
 * The `ft` level (QEMU COLO) proved where it can honestly run: two QEMU processes on
 * this host, TCG, a tiny guest (Debian's kernel + a busybox initramfs) whose init prints
 * an in-memory counter on its serial console. The primary and the secondary talk over
 * unix sockets in a temporary directory only (proxy, NBD, migration), as QEMU's own COLO
 * documentation runs both on one host.
 *
 * 1. Debian 12's QEMU 7.2.22: COLO starts, then within the first checkpoints one never
 *    ends: the guest stops counting, and either QMP stops answering (the migration thread
 *    waits for the lock it holds) or the VM stays stopped in the `colo` state with QMP
 *    answering. `coloSupport` refuses it under TCG; this test keeps showing why.
 * 2. The same QEMU 7.2.22 source built with test/lab/colo-qemu/colo-tcg-bql.patch by
 *    test/lab/colo-qemu/build.sh (`LOCKSTEP_COLO_QEMU` overrides its path): COLO runs, one
 *    side's QEMU is SIGKILLed (the primary, then in a second run the secondary), the
 *    heartbeat notices, the survivor fails over and the guest's counter goes on from where
 *    it was — same boot id, no restart. Skipped, with the reason, without that build.
 *
 * Measured numbers are printed (`[ft-colo] …`) and the logs kept in test-results/ft-colo/.
 */

const DEBIAN_QEMU = '/usr/bin/qemu-system-x86_64';
const FIXED_QEMU = process.env.LOCKSTEP_COLO_QEMU ?? '/var/cache/lockstep/colo-qemu/bin/qemu-system-x86_64';
const ARTIFACTS = join(REPO_ROOT, 'test-results', 'ft-colo');
const MEMORY_MIB = 128;
const DISK_BYTES = 16 * 1024 * 1024;
const CHECKPOINT_DELAY_MS = 2000;

const skipReason =
  labUnsupportedReason() ??
  (existsSync(DEBIAN_QEMU) ? undefined : 'qemu-system-x86 is not installed') ??
  ftGuestUnavailableReason();
const fixedSkipReason = existsSync(FIXED_QEMU)
  ? undefined
  : `no QEMU with the COLO checkpoint-lock fix at ${FIXED_QEMU} (build it with test/lab/colo-qemu/build.sh or set LOCKSTEP_COLO_QEMU)`;

const spawned = new Set<ChildProcess>();
const clients = new Set<QmpClient>();
let guest: FtGuest;
let root: string;

function report(line: string): void {
  console.log(`[ft-colo] ${line}`);
  mkdirSync(ARTIFACTS, { recursive: true });
  appendFileSync(join(ARTIFACTS, 'measurements.txt'), `${new Date().toISOString()} ${line}\n`);
}

/** The building blocks a QEMU binary offers (objects, and block formats via qemu-img's list). */
function features(binary: string): string[] {
  const objects = execFileSync(binary, ['-object', 'help'], { encoding: 'utf8' });
  const formats = execFileSync('qemu-img', ['--help'], { encoding: 'utf8' });
  return [...new Set(`${objects} ${formats}`.split(/\s+/).filter(Boolean))];
}

function startQemu(binary: string, args: readonly string[], log: string): ChildProcess {
  const out = openSync(log, 'a');
  try {
    const child = spawn(binary, args, { stdio: ['ignore', out, out] });
    spawned.add(child);
    child.once('exit', () => spawned.delete(child));
    return child;
  } finally {
    closeSync(out);
  }
}

function ticks(file: string): Tick[] {
  return existsSync(file) ? parseTicks(readFileSync(file, 'utf8')) : [];
}

async function waitFor<T>(
  what: string,
  timeoutMs: number,
  probe: () => T | undefined | Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}

/** A primary and a secondary QEMU of one binary, wired by unix sockets in their own directory. */
interface Pair {
  readonly name: string;
  readonly dir: string;
  readonly spec: ColoGuest;
  readonly wiring: ColoWiring;
  readonly primaryFiles: ColoSideFiles;
  readonly secondaryFiles: ColoSecondaryFiles;
  readonly primary: ChildProcess;
  readonly pq: QmpClient;
  secondary?: ChildProcess;
  sq?: QmpClient;
}

/** Connects to a QEMU's QMP; fails at once, with QEMU's own output, if that QEMU exits first. */
async function qmp(child: ChildProcess, path: string, name: string, dir: string): Promise<QmpClient> {
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code, signal) => {
      const log = join(dir, `${name}-qemu.log`);
      reject(
        new Error(
          `${name} QEMU exited (${signal ?? code}): ${existsSync(log) ? readFileSync(log, 'utf8') : ''}`,
        ),
      );
    }),
  );
  exited.catch(() => undefined);
  const client = await Promise.race([
    QmpClient.connect(path, {
      name,
      connectTimeoutMs: 60_000,
      commandTimeoutMs: 120_000,
      onData: (chunk) => appendFileSync(join(dir, `qmp-${name}.raw`), chunk),
      onWire: (direction, line) =>
        appendFileSync(
          join(dir, `qmp-${name}.log`),
          `${Date.now()} ${direction === 'in' ? '<-' : '->'} ${line}\n`,
        ),
    }),
    exited,
  ]);
  clients.add(client);
  return client;
}

/** Starts the primary and waits until its guest counts. */
async function startPrimary(binary: string, name: string, dir: string): Promise<Pair> {
  mkdirSync(dir, { recursive: true });
  const wiring = unixWiring(dir);
  const spec: ColoGuest = {
    name: `lockstep-colo-${name}`,
    memoryMiB: MEMORY_MIB,
    cpus: 1,
    accel: 'tcg',
    kernel: { kernel: guest.kernel, initrd: guest.initrd, append: guest.append },
    mac: '52:54:00:c0:10:01',
    netdev: 'user',
    diskFormat: 'raw',
    // A build tree has no firmware of its own: Debian's (the same files its QEMU uses).
    ...(binary !== DEBIAN_QEMU && {
      firmwareDirs: ['/usr/share/qemu', '/usr/share/seabios', '/usr/lib/ipxe/qemu'],
    }),
  };
  const primaryFiles: ColoSideFiles = {
    disk: join(dir, 'primary.img'),
    serialLog: join(dir, 'primary-console.log'),
    qmp: join(dir, 'primary.qmp'),
  };
  const secondaryFiles: ColoSecondaryFiles = {
    disk: join(dir, 'secondary.img'),
    serialLog: join(dir, 'secondary-console.log'),
    qmp: join(dir, 'secondary.qmp'),
    active: join(dir, 'active.qcow2'),
    hidden: join(dir, 'hidden.qcow2'),
  };
  for (const disk of [primaryFiles.disk, secondaryFiles.disk])
    execFileSync('truncate', ['-s', String(DISK_BYTES), disk]);
  for (const overlay of [secondaryFiles.active, secondaryFiles.hidden])
    execFileSync('qemu-img', overlayCreateArgs(overlay, DISK_BYTES), { stdio: 'pipe' });

  const booted = Date.now();
  const primary = startQemu(
    binary,
    coloPrimaryArgs(spec, primaryFiles, wiring),
    join(dir, 'primary-qemu.log'),
  );
  const pq = await qmp(primary, primaryFiles.qmp, 'primary', dir);
  await waitFor('the primary guest to count to 10', 180_000, () =>
    (ticks(primaryFiles.serialLog).at(-1)?.n ?? 0) >= 10 ? true : undefined,
  );
  report(`${name}: primary guest counting ${((Date.now() - booted) / 1000).toFixed(1)} s after QEMU started`);
  return { name, dir, spec, wiring, primaryFiles, secondaryFiles, primary, pq };
}

async function startSecondary(pair: Pair, binary: string): Promise<void> {
  pair.secondary = startQemu(
    binary,
    coloSecondaryArgs(pair.spec, pair.secondaryFiles, pair.wiring),
    join(pair.dir, 'secondary-qemu.log'),
  );
  pair.sq = await qmp(pair.secondary, pair.secondaryFiles.qmp, 'secondary', pair.dir);
}

function verdictFor(binary: string, client: QmpClient): ColoVerdict {
  const { version } = client.greeting.QMP;
  return coloSupport({
    version: qmpVersionString(version),
    package: version.package,
    features: features(binary),
    accel: 'tcg',
  });
}

function keepArtifacts(dir: string, name: string): void {
  if (!existsSync(dir)) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  rmSync(join(ARTIFACTS, name), { recursive: true, force: true });
  cpSync(dir, join(ARTIFACTS, name), {
    recursive: true,
    filter: (source) => !/\.(img|qcow2|sock|qmp)$/.test(source),
  });
}

describe.skipIf(skipReason !== undefined)(
  'ft: QEMU COLO with a primary and a secondary QEMU on this host (TCG)',
  () => {
    beforeAll(() => {
      guest = buildFtGuest((line) => report(line));
      root = mkdtempSync(join(tmpdir(), 'lockstep-colo-'));
      rmSync(join(ARTIFACTS, 'measurements.txt'), { force: true });
    });

    afterAll(async () => {
      for (const client of clients) await client.close().catch(() => undefined);
      await Promise.all([...spawned].map((child) => kill(child)));
      const left = [...spawned].filter((child) => child.exitCode === null && child.signalCode === null);
      if (root) rmSync(root, { recursive: true, force: true });
      expect(left, 'QEMU processes left behind').toEqual([]);
    });

    it('refuses ft on Debian 12’s QEMU 7.2 under TCG: COLO starts, then a checkpoint of the primary never ends', async () => {
      const dir = join(root, 'debian-7.2');
      let pair: Pair | undefined;
      try {
        pair = await startPrimary(DEBIAN_QEMU, 'debian-7.2', dir);
        const verdict = verdictFor(DEBIAN_QEMU, pair.pq);
        report(
          `debian-7.2: QEMU ${qmpVersionString(pair.pq.greeting.QMP.version)} (${pair.pq.greeting.QMP.version.package}): ${verdict.status} — ${verdict.reason}`,
        );
        expect(verdict.status).toBe('refused');
        expect(verdict.reason).toContain('a checkpoint of the primary never ends');
        // Before COLO there is nothing to fail over: QEMU says so, and the client keeps its words.
        await expect(pair.pq.execute('x-colo-lost-heartbeat')).rejects.toThrow(
          /refused `x-colo-lost-heartbeat`: .+\[GenericError\]/,
        );

        await startSecondary(pair, DEBIAN_QEMU);
        const sq = pair.sq as QmpClient;
        const started = Date.now();
        let established: ColoStartReport | string;
        try {
          established = await startColo(pair.pq, sq, {
            wiring: pair.wiring,
            checkpointDelayMs: CHECKPOINT_DELAY_MS,
            timeoutMs: 60_000,
          });
        } catch (error) {
          // The hang can come before both sides have been seen in COLO mode.
          established = (error as Error).message;
        }
        report(
          `debian-7.2: startColo → ${typeof established === 'string' ? `error: ${established}` : JSON.stringify(established)}`,
        );

        // Watch the primary until COLO stalls: the guest stops counting while a checkpoint never
        // ends. Seen two ways, both from the unlocked run_on_cpu: the migration thread waits for
        // the lock it holds (QMP stops answering), or QMP answers and the VM stays stopped in
        // the `colo` state.
        const pq = pair.pq;
        const serial = pair.primaryFiles.serialLog;
        const progress: { at: number; n: number }[] = [];
        const stall = await waitFor('the primary’s COLO to stall', 180_000, async () => {
          const now = Date.now();
          progress.push({ at: now, n: ticks(serial).at(-1)?.n ?? 0 });
          const window = progress.filter((point) => point.at >= now - 15_000);
          const moved = (window.at(-1)?.n ?? 0) > (window[0]?.n ?? 0);
          if (moved || now - (progress[0]?.at ?? now) < 15_000) return undefined;
          const since = now - (window[0]?.at ?? now);
          try {
            const status = await pq.execute<{ status: string; running: boolean }>(
              'query-status',
              undefined,
              15_000,
            );
            return {
              kind: 'checkpoint never ends',
              detail: `query-status: ${JSON.stringify(status)}`,
              since,
              at: now,
            };
          } catch (error) {
            return {
              kind: 'big QEMU lock deadlock',
              detail: `QMP: ${(error as Error).message}`,
              since,
              at: now,
            };
          }
        });
        const stuckAt = ticks(serial).at(-1)?.n ?? 0;
        const checkpoints = Math.max(0, countCheckpoints(sq.events) - 1);
        const lastResume = [...pair.pq.events].reverse().find((event) => event.event === 'RESUME');
        const stalledAfterMs = lastResume
          ? lastResume.timestamp.seconds * 1000 + lastResume.timestamp.microseconds / 1000 - started
          : null;
        const stderr = readFileSync(join(pair.dir, 'primary-qemu.log'), 'utf8').trim();
        report(
          `debian-7.2: COLO stalled (${stall.kind}) after ${checkpoints} completed checkpoint(s)${stalledAfterMs === null ? '' : `, the VM last resumed ${(stalledAfterMs / 1000).toFixed(1)} s after migrate`}; guest counter stuck at ${stuckAt} for ${(stall.since / 1000).toFixed(0)} s; ${stall.detail}; primary stderr: ${stderr === '' ? '(empty)' : JSON.stringify(stderr.slice(-400))}`,
        );
        if (stall.kind === 'checkpoint never ends') expect(stall.detail).toContain('"running":false');
        expect(ticks(serial).at(-1)?.n ?? 0).toBe(stuckAt);
      } finally {
        keepArtifacts(dir, 'debian-7.2');
        if (pair) await kill(pair.primary);
        if (pair?.secondary) await kill(pair.secondary);
      }
    });

    it.skipIf(fixedSkipReason !== undefined)(
      'keeps the guest counting on the secondary after the primary’s QEMU is SIGKILLed (QEMU 7.2 + checkpoint-lock fix)',
      () => survivesKill('fixed-7.2-kill-primary', 'primary'),
    );

    it.skipIf(fixedSkipReason !== undefined)(
      'keeps the guest counting on the primary after the secondary’s QEMU is SIGKILLed (QEMU 7.2 + checkpoint-lock fix)',
      () => survivesKill('fixed-7.2-kill-secondary', 'secondary'),
    );
  },
);

/**
 * COLO on the fixed QEMU, then `victim`'s QEMU is SIGKILLed: the survivor's heartbeat
 * (QMP to the victim) notices, the survivor fails over, and its guest goes on counting.
 */
async function survivesKill(name: string, victim: 'primary' | 'secondary'): Promise<void> {
  const dir = join(root, name);
  let pair: Pair | undefined;
  try {
    pair = await startPrimary(FIXED_QEMU, name, dir);
    const { sq, bootId } = await establish(pair);
    const survivorLog = victim === 'primary' ? pair.secondaryFiles.serialLog : pair.primaryFiles.serialLog;

    const controller = new AbortController();
    const heartbeat = watchHeartbeat(
      qmpProbe(victim === 'primary' ? pair.pq : sq, 1000),
      HEARTBEAT,
      controller.signal,
    );
    const lastBeforeKill = ticks(pair.primaryFiles.serialLog).at(-1) as Tick;
    const linesBeforeKill = ticks(survivorLog).length;
    const killedAt = Date.now();
    await kill((victim === 'primary' ? pair.primary : pair.secondary) as ChildProcess);
    const loss = await heartbeat;
    controller.abort();
    expect(loss).not.toBeNull();
    const detectedMs = (loss?.lostAt ?? Date.now()) - killedAt;
    const failover =
      victim === 'primary'
        ? await failoverToSecondary(sq, { timeoutMs: 60_000 })
        : await failoverToPrimary(pair.pq, { timeoutMs: 60_000 });
    const linesAtFailover = ticks(survivorLog).length;
    const survivor = victim === 'primary' ? 'secondary' : 'primary';
    report(
      `${name}: ${victim} SIGKILLed with the primary's counter at ${lastBeforeKill.n} (uptime ${lastBeforeKill.uptime} s); heartbeat declared it lost after ${detectedMs} ms (${loss?.lastError}); ${survivor} failover ${failover.failoverMs} ms; colo status ${JSON.stringify(failover.status)}; COLO_EXIT ${JSON.stringify(failover.exits.map((event) => event.data))}`,
    );
    expect(failover.status).toMatchObject({ mode: 'none', 'last-mode': survivor });

    // The survivor's guest goes on counting: same boot, counter past the last value seen.
    const since = await keepsCounting(name, survivorLog, lastBeforeKill, linesBeforeKill, linesAtFailover);
    expect(since.every((tick) => tick.boot === bootId)).toBe(true);
  } finally {
    keepArtifacts(dir, name);
    if (pair) await kill(pair.primary);
    if (pair?.secondary) await kill(pair.secondary);
  }
}

const HEARTBEAT = { intervalMs: 250, misses: 3, probeTimeoutMs: 1000 } as const;

/** Starts the secondary and COLO on a counting primary, and lets a few checkpoints pass. */
async function establish(pair: Pair): Promise<{ sq: QmpClient; bootId: string }> {
  const verdict = verdictFor(FIXED_QEMU, pair.pq);
  report(
    `${pair.name}: QEMU ${qmpVersionString(pair.pq.greeting.QMP.version)} (${pair.pq.greeting.QMP.version.package}): ${verdict.status}`,
  );
  expect(pair.pq.greeting.QMP.version.package).toContain(COLO_TCG_FIX_MARKER);
  expect(verdict.status).toBe('proven');

  await startSecondary(pair, FIXED_QEMU);
  const sq = pair.sq as QmpClient;
  const bootId = ticks(pair.primaryFiles.serialLog).at(-1)?.boot ?? '';
  const established = await startColo(pair.pq, sq, {
    wiring: pair.wiring,
    checkpointDelayMs: CHECKPOINT_DELAY_MS,
    timeoutMs: 120_000,
  });
  const coloSince = sq.events.length;
  const primarySince = pair.pq.events.length;
  report(
    `${pair.name}: COLO established: disk sync ${established.diskSyncMs} ms, migrate → COLO on both sides ${established.migrateToColoMs} ms, VM paused for the cut-over ${established.pausedMs} ms`,
  );

  // Let COLO run: a checkpoint every 2 s at the latest, and one on every mismatched packet (the pings).
  const runStarted = Date.now();
  const counterAtStart = ticks(pair.primaryFiles.serialLog).at(-1)?.n ?? 0;
  await waitFor('8 checkpoints', 180_000, () =>
    countCheckpoints(sq.events, coloSince) >= 8 ? true : undefined,
  );
  const now = ticks(pair.primaryFiles.serialLog).at(-1);
  expect(now?.boot).toBe(bootId);
  expect(now?.n ?? 0).toBeGreaterThan(counterAtStart);
  const pauses = checkpointPauses(pair.pq.events.slice(primarySince));
  report(
    `${pair.name}: ${countCheckpoints(sq.events, coloSince)} checkpoints in ${((Date.now() - runStarted) / 1000).toFixed(1)} s while the counter went ${counterAtStart} → ${now?.n}; primary paused per checkpoint: median ${median(pauses)} ms, max ${Math.max(...pauses)} ms`,
  );
  return { sq, bootId };
}

/**
 * The survivor's guest goes on: waits for 20 more ticks, then checks them against the last
 * tick seen before the kill. Returns the ticks since the kill.
 */
async function keepsCounting(
  name: string,
  log: string,
  lastBeforeKill: Tick,
  linesBeforeKill: number,
  linesAtFailover: number,
): Promise<Tick[]> {
  const target = lastBeforeKill.n + 20;
  await waitFor(`the survivor's guest to count past ${target}`, 180_000, () =>
    (ticks(log).at(-1)?.n ?? 0) >= target ? true : undefined,
  );
  const all = ticks(log);
  const sinceKill = all.slice(linesBeforeKill);
  const alone = all.slice(linesAtFailover);
  const first = sinceKill[0] as Tick;
  const firstAlone = alone[0] as Tick;
  report(
    `${name}: survivor since the kill: first counter ${first.n} (uptime ${first.uptime} s), first after the failover ${firstAlone.n} (uptime ${firstAlone.uptime} s), ${sinceKill.length} ticks up to ${sinceKill.at(-1)?.n}; disk read-backs ${sinceKill.every((tick) => tick.disk === tick.n - 1) ? 'all equal to the previous tick' : 'NOT all equal'}; pings after the failover: ${alone.filter((tick) => tick.net === 'ok').length} ok, ${alone.filter((tick) => tick.net === 'fail').length} failed`,
  );
  // No restart: a rebooted guest would count again from 1, with a new boot id and an uptime near 0.
  // The survivor ran in step with its peer, so it goes on from past the last value seen before the kill.
  expect(firstAlone.n).toBeGreaterThan(lastBeforeKill.n);
  expect(firstAlone.uptime).toBeGreaterThan(lastBeforeKill.uptime);
  // One counter, one step at a time, since the kill.
  sinceKill.slice(1).forEach((tick, index) => expect(tick.n).toBe((sinceKill[index] as Tick).n + 1));
  // The disk followed: what the guest reads back is what it wrote on the tick before.
  expect(sinceKill.every((tick) => tick.disk === tick.n - 1)).toBe(true);
  // The network goes on through the survivor's own netdev.
  expect(alone.some((tick) => tick.net === 'ok')).toBe(true);
  return sinceKill;
}

/** How long each checkpoint stopped the primary's VM (STOP → RESUME event timestamps). */
function checkpointPauses(
  events: readonly { event: string; timestamp: { seconds: number; microseconds: number } }[],
): number[] {
  const pauses: number[] = [];
  let stoppedAt: number | null = null;
  for (const event of events) {
    const at = event.timestamp.seconds * 1000 + event.timestamp.microseconds / 1000;
    if (event.event === 'STOP') stoppedAt = at;
    if (event.event === 'RESUME' && stoppedAt !== null) {
      pauses.push(Math.round(at - stoppedAt));
      stoppedAt = null;
    }
  }
  return pauses;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}
