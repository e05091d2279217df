import type { QmpClient } from './qmp';
import { withTimeout } from '../util/timeout';

/**
 * The heartbeat that decides a peer is gone (QEMU's COLO leaves it to the user: "you need
 * to trigger failover by using x-colo-lost-heartbeat"). A probe every `intervalMs`;
 * `misses` failed probes in a row mean the peer is lost. Pure state plus a small runner.
 */

/** How the heartbeat judges. */
export interface HeartbeatOptions {
  readonly intervalMs: number;
  /** Consecutive failed probes that mean the peer is lost. */
  readonly misses: number;
  /** A probe that does not answer within this counts as failed. */
  readonly probeTimeoutMs: number;
}

/** The heartbeat's state after each probe. */
export interface HeartbeatState {
  readonly consecutiveMisses: number;
  readonly lastOkAt: number | null;
  readonly lost: boolean;
  readonly lastError: string | null;
}

export const INITIAL_HEARTBEAT: HeartbeatState = {
  consecutiveMisses: 0,
  lastOkAt: null,
  lost: false,
  lastError: null,
};

/** The next state after a probe at `at` that succeeded (`error` null) or failed. */
export function nextHeartbeat(
  state: HeartbeatState,
  at: number,
  error: string | null,
  options: Pick<HeartbeatOptions, 'misses'>,
): HeartbeatState {
  if (state.lost) return state;
  if (error === null) return { consecutiveMisses: 0, lastOkAt: at, lost: false, lastError: null };
  const consecutiveMisses = state.consecutiveMisses + 1;
  return {
    consecutiveMisses,
    lastOkAt: state.lastOkAt,
    lost: consecutiveMisses >= options.misses,
    lastError: error,
  };
}

/** When and why the peer was declared lost. */
export interface HeartbeatLoss {
  readonly lostAt: number;
  readonly lastOkAt: number | null;
  readonly lastError: string;
  readonly probes: number;
}

/** A probe of a QEMU over QMP: `query-status` must answer in time. */
export function qmpProbe(qmp: QmpClient, timeoutMs: number): () => Promise<void> {
  return async () => {
    await qmp.execute('query-status', undefined, timeoutMs);
  };
}

/**
 * Probes until the peer is lost (resolves with the loss) or `signal` aborts (resolves
 * with null). Never throws: a failing probe is what it watches for.
 */
export async function watchHeartbeat(
  probe: () => Promise<void>,
  options: HeartbeatOptions,
  signal?: AbortSignal,
): Promise<HeartbeatLoss | null> {
  let state = INITIAL_HEARTBEAT;
  let probes = 0;
  while (!signal?.aborted) {
    const started = Date.now();
    let error: string | null = null;
    try {
      await withTimeout(probe(), options.probeTimeoutMs, `no answer within ${options.probeTimeoutMs} ms`);
    } catch (caught) {
      error = caught instanceof Error ? caught.message : String(caught);
    }
    probes += 1;
    state = nextHeartbeat(state, Date.now(), error, options);
    if (state.lost)
      return {
        lostAt: Date.now(),
        lastOkAt: state.lastOkAt,
        lastError: state.lastError ?? 'unknown',
        probes,
      };
    await pause(Math.max(0, options.intervalMs - (Date.now() - started)), signal);
  }
  return null;
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

