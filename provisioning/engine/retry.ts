import { LockstepError, type ErrorCode } from '../api/errors';

/**
 * Transient failures are retried; real ones are not. A dropped connection
 * (`ssh.disconnected`) or a failed reconnect (`ssh.unreachable`: the server did not
 * answer the handshake in time) is retried with backoff. Retrying is safe because the
 * unit retried is a whole step — inspect, apply, verify — and inspection re-reads the
 * server. A command that ran and failed, or timed out, is a real failure.
 */
export const TRANSIENT_CODES: readonly ErrorCode[] = ['ssh.disconnected', 'ssh.unreachable'];

export interface RetryPolicy {
  readonly retries: number;
  readonly minTimeoutMs: number;
  readonly maxTimeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 4, minTimeoutMs: 1000, maxTimeoutMs: 15_000 };

export function isTransient(error: unknown): boolean {
  return error instanceof LockstepError && TRANSIENT_CODES.includes(error.code);
}

/** What `onRetry` learns before the next attempt. */
export interface RetryNotice {
  readonly error: LockstepError;
  readonly attempt: number;
  readonly retriesLeft: number;
  readonly delayMs: number;
}

/**
 * Runs `attempt`, again after transient failures (exponential backoff), until it
 * succeeds, fails for real, or is cancelled. A written loop rather than p-retry: p-retry
 * throws away a successful result when the signal fired during the attempt, and a step
 * that finished must count as finished.
 */
export async function withRetry<T>(
  attempt: () => Promise<T>,
  options: { policy: RetryPolicy; signal: AbortSignal; onRetry?: (notice: RetryNotice) => void },
): Promise<T> {
  const { policy, signal } = options;
  for (let attemptNumber = 1; ; attemptNumber++) {
    try {
      return await attempt();
    } catch (error) {
      const retriesLeft = policy.retries - attemptNumber + 1;
      if (!isTransient(error) || retriesLeft <= 0 || signal.aborted) throw error;
      const delayMs = Math.min(policy.maxTimeoutMs, policy.minTimeoutMs * 2 ** (attemptNumber - 1));
      options.onRetry?.({ error: error as LockstepError, attempt: attemptNumber, retriesLeft, delayMs });
      await pause(delayMs, signal);
      if (signal.aborted) throw error;
    }
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
