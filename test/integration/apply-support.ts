import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { expect } from 'vitest';
import type { ApplyEvent } from '../../provisioning/api/apply-events';
import { labExec } from '../../provisioning/lab';
import { REPO_ROOT, runLockstep, type LabInfo, type ProcessResult } from '../helpers/lab';

/**
 * Driving `lockstep apply` against the practice lab as a user would, for the apply-*
 * integration tests: a site file for the lab, the checks the container lab cannot
 * pass, a private state directory (journals), and a run that is killed or interrupted
 * when its NDJSON events say it reached a given point.
 */

/**
 * Checks the container lab fails by construction: its servers are systemd-nspawn
 * containers (no VT-x passthrough, no disks of their own, no DRBD module in the host
 * kernel). The VM lab (`npm run test:lab`) has none of these.
 */
export const LAB_ALLOWED_CHECKS = ['cpu.virt-missing', 'disk.none-available', 'kmod.drbd-unavailable'].join(
  ',',
);

export interface ApplyHarness {
  readonly site: string;
  readonly env: NodeJS.ProcessEnv;
  readonly stateDir: string;
  readonly args: (command: 'plan' | 'apply', ...extra: string[]) => string[];
}

/** The lab's site file, with fencing's risk acknowledged (the lab has no BMCs), and a private state dir. */
export function applyHarness(lab: LabInfo): ApplyHarness {
  const dir = mkdtempSync(join(tmpdir(), 'lockstep-apply-'));
  const site = join(dir, 'site.yaml');
  const document = parse(readFileSync(lab.siteFile, 'utf8')) as Record<string, unknown>;
  writeFileSync(site, stringify({ ...document, fencing: { acknowledgeNoFencing: true } }));
  const stateDir = join(dir, 'state');
  return {
    site,
    stateDir,
    env: { ...process.env, LOCKSTEP_STATE_DIR: stateDir },
    args: (command, ...extra) => [
      command,
      '-c',
      site,
      '--known-hosts',
      lab.knownHostsPath,
      '--allow-checks',
      LAB_ALLOWED_CHECKS,
      ...extra,
    ],
  };
}

/**
 * The harness with a variant of its site file (a witness, BMCs…): `edit` turns the
 * parsed document into the variant, written next to the original as `name`; `env`
 * adds what the variant needs (e.g. the BMC passwords it names).
 */
export function withSite(
  harness: ApplyHarness,
  name: string,
  edit: (document: Record<string, unknown>) => Record<string, unknown>,
  env: NodeJS.ProcessEnv = {},
): ApplyHarness {
  const site = join(harness.site, '..', name);
  writeFileSync(site, stringify(edit(parse(readFileSync(harness.site, 'utf8')) as Record<string, unknown>)));
  return {
    ...harness,
    site,
    env: { ...harness.env, ...env },
    args: (command, ...extra) =>
      harness.args(command, ...extra).map((word) => (word === harness.site ? site : word)),
  };
}

/** Reads until `done` holds or `timeoutMs` passes, every 2 s; returns the last value read (the lab's services take seconds to settle). */
export async function pollUntil<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 2000));
    value = await read();
  }
  return value;
}

export function parseEvents(stdout: string): ApplyEvent[] {
  return stdout
    .split('\n')
    .filter((line) => line.trim().startsWith('{'))
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as ApplyEvent];
      } catch {
        return [];
      }
    });
}

/** The steps a run changed, as `id on target: what was done`, for assertions that name them. */
export function changedSteps(stdout: string): string[] {
  return parseEvents(stdout).flatMap((event) =>
    event.type === 'step-finished' && event.outcome === 'changed'
      ? [`${event.step} on ${event.target}: ${(event.changes ?? []).join('; ')}`]
      : [],
  );
}

export function lastEvent(stdout: string): ApplyEvent | undefined {
  return parseEvents(stdout).at(-1);
}

/** `lockstep apply --yes --json` to the end. */
export function applyOnce(harness: ApplyHarness): Promise<ProcessResult> {
  return runLockstep(harness.args('apply', '--yes', '--json'), { env: harness.env });
}

/** Applies once more and asserts it succeeded with nothing to change (Molecule's idempotence rule); returns its events. */
export async function applyChangesNothing(harness: ApplyHarness): Promise<ApplyEvent[]> {
  const result = await applyOnce(harness);
  expect(result.code, result.stderr).toBe(0);
  expect(lastEvent(result.stdout)).toMatchObject({
    type: 'run-finished',
    ok: true,
    counts: { changed: 0, failed: 0 },
  });
  return parseEvents(result.stdout);
}

/** Steps that finished on every target they run on, in order. */
export function completedSteps(events: readonly ApplyEvent[]): string[] {
  const started = events.find((event) => event.type === 'run-started');
  if (!started || started.type !== 'run-started') return [];
  return started.steps
    .filter((step) => {
      const targets = step.scope === 'node' ? ['a', 'b'] : ['pair'];
      return targets.every((target) =>
        events.some(
          (event) => event.type === 'step-finished' && event.step === step.id && event.target === target,
        ),
      );
    })
    .map((step) => step.id);
}

/**
 * Runs apply and sends `signal` once `when(events)` holds; resolves when the process
 * exited. The events are those printed before the process ended.
 */
export function applyUntil(
  harness: ApplyHarness,
  when: (events: readonly ApplyEvent[]) => boolean,
  signal: NodeJS.Signals,
): Promise<ProcessResult & { readonly signalled: boolean; readonly exitSignal: NodeJS.Signals | null }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [join(REPO_ROOT, 'bin/lockstep.mjs'), ...harness.args('apply', '--yes', '--json')],
      {
        cwd: REPO_ROOT,
        env: harness.env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    let signalled = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), 600_000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (!signalled && when(parseEvents(stdout.slice(0, stdout.lastIndexOf('\n') + 1)))) {
        signalled = true;
        child.kill(signal);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, exitSignal) => {
      clearTimeout(timer);
      resolve({ code: code ?? 128, stdout, stderr, elapsedMs: Date.now() - started, signalled, exitSignal });
    });
  });
}

/**
 * Configuration Lockstep wrote on a lab server (files carrying its marker), with their
 * content. /var/lib/lockstep/network holds one apply and one rollback script per network
 * change, an audit trail that grows with every change by design: it is not configuration.
 */
export async function managedFiles(node: string): Promise<Map<string, string>> {
  const list = await labExec(
    node,
    [
      'sh',
      '-c',
      "grep -rlsI 'managed by Lockstep' /etc /var/lib/lockstep 2>/dev/null | grep -v '^/var/lib/lockstep/network/' | sort",
    ],
    {
      allowFailure: true,
    },
  );
  const files = new Map<string, string>();
  for (const path of list.stdout.split('\n').filter(Boolean)) {
    const content = await labExec(node, ['cat', '--', path], { allowFailure: true });
    files.set(path, content.stdout);
  }
  return files;
}

/**
 * Undoes part of an install so that apply has work again: removes the files Lockstep
 * wrote and stops the cluster services (packages stay: reinstalling is slow and proves
 * nothing new).
 */
export async function undoConfiguration(node: string): Promise<void> {
  await labExec(
    node,
    [
      'sh',
      '-c',
      "systemctl stop pacemaker corosync 2>/dev/null; grep -rlsI 'managed by Lockstep' /etc | xargs -r rm -f --",
    ],
    {
      allowFailure: true,
    },
  );
}
