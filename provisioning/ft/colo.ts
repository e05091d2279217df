import {
  COLO_IDS,
  legacySocketAddress,
  migrationUri,
  nbdUri,
  socketAddress,
  type ColoWiring,
} from './colo-args';
import type { QmpClient, QmpEvent } from './qmp';

/**
 * The COLO sequences over QMP (QEMU's docs/COLO-FT.txt): start (export the secondary's
 * disk, sync it from the running primary, add the replication child, migrate with
 * `x-colo`), watch (mode, checkpoints), and fail over on whichever side survives. Each
 * sequence is also a pure list of steps, so its exact commands are unit-tested.
 */

/** One QMP command of a sequence. */
export interface QmpStep {
  readonly command: string;
  readonly arguments?: Record<string, unknown>;
}

/** What `query-colo-status` answers. */
export interface ColoStatus {
  readonly mode: 'none' | 'primary' | 'secondary';
  readonly 'last-mode': 'none' | 'primary' | 'secondary';
  readonly reason: 'none' | 'request' | 'error' | 'processing';
}

/** Secondary, before the primary migrates: export its copy of the disk over NBD (writable). */
export function secondaryExportSteps(wiring: ColoWiring): QmpStep[] {
  return [
    { command: 'nbd-server-start', arguments: { addr: legacySocketAddress(wiring.nbd) } },
    { command: 'nbd-server-add', arguments: { device: COLO_IDS.secondaryParent, writable: true } },
  ];
}

/**
 * Primary: copy the whole disk into the secondary's export (the guest keeps running and
 * writing; the mirror follows until it is cancelled with the VM stopped).
 */
export function diskSyncStep(wiring: ColoWiring): QmpStep {
  return {
    command: 'drive-mirror',
    arguments: {
      device: COLO_IDS.disk,
      'job-id': COLO_IDS.resyncJob,
      target: nbdUri(wiring.nbd, COLO_IDS.secondaryParent),
      mode: 'existing',
      // The export shows the guest's disk whatever the image format: raw on the wire.
      format: 'raw',
      sync: 'full',
    },
  };
}

/** Primary: the replication child (an NBD client to the secondary) joins the disk's quorum. */
export function primaryReplicationSteps(wiring: ColoWiring): QmpStep[] {
  return [
    {
      command: 'blockdev-add',
      arguments: {
        driver: 'replication',
        'node-name': COLO_IDS.replication,
        mode: 'primary',
        file: { driver: 'nbd', server: socketAddress(wiring.nbd), export: COLO_IDS.secondaryParent },
      },
    },
    { command: 'x-blockdev-change', arguments: { parent: COLO_IDS.disk, node: COLO_IDS.replication } },
  ];
}

/** Primary: turn on COLO and send the VM; checkpoints follow every `checkpointDelayMs` at the latest. */
export function coloMigrateSteps(wiring: ColoWiring, checkpointDelayMs: number): QmpStep[] {
  return [
    {
      command: 'migrate-set-capabilities',
      arguments: {
        capabilities: [
          { capability: 'x-colo', state: true },
          { capability: 'events', state: true },
        ],
      },
    },
    { command: 'migrate-set-parameters', arguments: { 'x-checkpoint-delay': checkpointDelayMs } },
    { command: 'migrate', arguments: { uri: migrationUri(wiring.migration) } },
  ];
}

/**
 * Secondary, the primary being dead: stop serving the replication target, leave COLO
 * (the replication driver commits the active and hidden disks into the disk and the VM
 * runs on alone), then drop the proxy's now dead links so packets reach the netdev.
 */
export function secondaryFailoverSteps(): { before: QmpStep[]; after: QmpStep[] } {
  return {
    before: [{ command: 'nbd-server-stop' }, { command: 'x-colo-lost-heartbeat' }],
    after: [
      { command: 'object-del', arguments: { id: COLO_IDS.secondaryRedirectorOut } },
      { command: 'object-del', arguments: { id: COLO_IDS.secondaryRedirectorIn } },
      { command: 'chardev-remove', arguments: { id: COLO_IDS.secondaryCompare } },
      { command: 'chardev-remove', arguments: { id: COLO_IDS.secondaryMirror } },
    ],
  };
}

/** Primary, the secondary being dead: drop the replication child and the proxy, then leave COLO. */
export function primaryFailoverSteps(): QmpStep[] {
  return [
    { command: 'x-blockdev-change', arguments: { parent: COLO_IDS.disk, child: 'children.1' } },
    { command: 'blockdev-del', arguments: { 'node-name': COLO_IDS.replication } },
    { command: 'object-del', arguments: { id: COLO_IDS.compare } },
    { command: 'object-del', arguments: { id: COLO_IDS.iothread } },
    { command: 'object-del', arguments: { id: COLO_IDS.filterMirror } },
    { command: 'object-del', arguments: { id: COLO_IDS.redirectorIn } },
    { command: 'object-del', arguments: { id: COLO_IDS.redirectorOut } },
    { command: 'x-colo-lost-heartbeat' },
  ];
}

/** Runs steps in order; the first refusal stops the sequence (QEMU's error text in the message). */
export async function runSteps(
  qmp: QmpClient,
  steps: readonly QmpStep[],
  log?: (line: string) => void,
): Promise<void> {
  for (const step of steps) {
    log?.(`${qmp.name}: ${step.command}`);
    await qmp.execute(step.command, step.arguments);
  }
}

/** Options of `startColo`. */
export interface ColoStartOptions {
  readonly wiring: ColoWiring;
  /** Longest time between two checkpoints (QEMU's default is 20 s). */
  readonly checkpointDelayMs: number;
  /** How long the disk sync and the first migration may take. */
  readonly timeoutMs?: number;
  readonly log?: (line: string) => void;
}

/** What starting COLO took. */
export interface ColoStartReport {
  /** drive-mirror start → ready (both disks equal, mirror following). */
  readonly diskSyncMs: number;
  /** `migrate` → both sides report COLO mode. */
  readonly migrateToColoMs: number;
  /** How long the primary's VM was paused for the cut-over (stop → running again in COLO). */
  readonly pausedMs: number;
}

/**
 * Starts COLO between a running primary and a secondary waiting with `-incoming`:
 * export, sync the disk, stop the VM, cancel the mirror (the disks are equal), add the
 * replication child, migrate with `x-colo`, and wait until both sides are in COLO mode.
 * The VM pauses for the cut-over only; COLO restarts it on both sides.
 */
export async function startColo(
  primary: QmpClient,
  secondary: QmpClient,
  options: ColoStartOptions,
): Promise<ColoStartReport> {
  const timeoutMs = options.timeoutMs ?? 300_000;
  const log = options.log;
  await runSteps(secondary, secondaryExportSteps(options.wiring), log);

  const since = primary.events.length;
  const syncStarted = Date.now();
  await runSteps(primary, [diskSyncStep(options.wiring)], log);
  await primary.waitForEvent('BLOCK_JOB_READY', {
    since,
    timeoutMs,
    match: (event) => event.data?.device === COLO_IDS.resyncJob,
  });
  const diskSyncMs = Date.now() - syncStarted;

  const paused = Date.now();
  await runSteps(primary, [{ command: 'stop' }], log);
  const cancelSince = primary.events.length;
  await runSteps(primary, [{ command: 'block-job-cancel', arguments: { device: COLO_IDS.resyncJob } }], log);
  // A ready mirror that is cancelled completes (the target is a consistent copy).
  await primary.waitForEvent('BLOCK_JOB_COMPLETED', {
    since: cancelSince,
    timeoutMs,
    match: (event) => event.data?.device === COLO_IDS.resyncJob,
  });
  await runSteps(primary, primaryReplicationSteps(options.wiring), log);

  const migrated = Date.now();
  await runSteps(primary, coloMigrateSteps(options.wiring, options.checkpointDelayMs), log);
  await waitForMode(primary, 'primary', timeoutMs);
  await waitForMode(secondary, 'secondary', timeoutMs);
  const migrateToColoMs = Date.now() - migrated;
  await waitForRunning(primary, timeoutMs);
  return { diskSyncMs, migrateToColoMs, pausedMs: Date.now() - paused };
}

/** Polls `query-colo-status` until this side is in `mode`; fails fast if migration failed. */
export async function waitForMode(
  qmp: QmpClient,
  mode: ColoStatus['mode'],
  timeoutMs: number,
): Promise<ColoStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await qmp.execute<ColoStatus>('query-colo-status', undefined, Math.min(timeoutMs, 30_000));
    if (status.mode === mode) return status;
    if (mode !== 'none') {
      const migration = await qmp.execute<{ status?: string; 'error-desc'?: string }>('query-migrate');
      if (migration.status === 'failed' || migration.status === 'cancelled')
        throw new Error(
          `${qmp.name}: migration ${migration.status} before COLO started${migration['error-desc'] ? `: ${migration['error-desc']}` : ''}`,
        );
    }
    if (Date.now() > deadline)
      throw new Error(
        `${qmp.name}: not in COLO mode ${mode} after ${timeoutMs} ms (${JSON.stringify(status)})`,
      );
    await sleep(200);
  }
}

async function waitForRunning(qmp: QmpClient, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await qmp.execute<{ running: boolean; status: string }>('query-status');
    if (status.running) return;
    if (Date.now() > deadline)
      throw new Error(`${qmp.name}: VM not running after ${timeoutMs} ms (${status.status})`);
    await sleep(100);
  }
}

/** Checkpoints seen on a side since an event index: each one stops and resumes the VM. */
export function countCheckpoints(events: readonly QmpEvent[], since = 0): number {
  return events.slice(since).filter((event) => event.event === 'RESUME').length;
}

/** What a failover took. */
export interface FailoverReport {
  /** The first failover command → the side out of COLO and its VM running. */
  readonly failoverMs: number;
  /** `query-colo-status` afterwards (mode none, last-mode the side's former role). */
  readonly status: ColoStatus;
  /** `COLO_EXIT` events of the side (its reason says whether QEMU had already seen the peer die). */
  readonly exits: readonly QmpEvent[];
}

/**
 * Makes the secondary the only copy of the VM after the primary died: stop the NBD
 * server, `x-colo-lost-heartbeat`, wait until it left COLO with its VM running, then drop
 * the redirectors and their sockets. The VM was never stopped: it keeps its memory.
 */
export async function failoverToSecondary(
  secondary: QmpClient,
  options: { timeoutMs?: number; log?: (line: string) => void } = {},
): Promise<FailoverReport> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const started = Date.now();
  const steps = secondaryFailoverSteps();
  await runSteps(secondary, steps.before, options.log);
  const status = await waitForMode(secondary, 'none', timeoutMs);
  await waitForRunning(secondary, timeoutMs);
  const failoverMs = Date.now() - started;
  await runSteps(secondary, steps.after, options.log);
  return { failoverMs, status, exits: secondary.events.filter((event) => event.event === 'COLO_EXIT') };
}

/** Makes the primary run alone after the secondary died (the mirror image of `failoverToSecondary`). */
export async function failoverToPrimary(
  primary: QmpClient,
  options: { timeoutMs?: number; log?: (line: string) => void } = {},
): Promise<FailoverReport> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const started = Date.now();
  await runSteps(primary, primaryFailoverSteps(), options.log);
  const status = await waitForMode(primary, 'none', timeoutMs);
  await waitForRunning(primary, timeoutMs);
  return {
    failoverMs: Date.now() - started,
    status,
    exits: primary.events.filter((event) => event.event === 'COLO_EXIT'),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
