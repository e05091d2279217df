import { setMaxListeners } from 'node:events';
import type { DiscoveryRow } from '../api/contract';
import { cancelled, probeSshPort, tcpConnectTime, type PortAnswer } from './host-key';
import type { ScanEndpoint, Unresolved } from './targets';
import { assertNever } from '../util/assert-never';

/**
 * One result of `discover` (the `--json` row, and what the UI streams): the contract
 * owns the shape, see `DiscoveryRowSchema` in provisioning/api/contract.ts.
 */
export type { DiscoveryRow };
/** How one address answered. */
export type DiscoveryState = DiscoveryRow['state'];

export interface ScanOptions {
  /** Connections in flight at once (default 256). */
  readonly concurrency?: number;
  /** TCP connect timeout per address (default 1.5 s): what bounds a scan of silent addresses. */
  readonly connectTimeoutMs?: number;
  /**
   * Stop waiting for silent addresses of a range sooner once the range has shown how
   * fast it answers (default true; see `adaptiveLimitMs`). Named hosts always get the
   * full `connectTimeoutMs`; a user who sets `--timeout` gets it for every address.
   */
  readonly adaptive?: boolean;
  /** Budget for identification and key exchange once connected (default 5 s). */
  readonly handshakeTimeoutMs?: number;
  readonly signal?: AbortSignal;
  /** Called once per row as soon as it is known, for streaming output. */
  readonly onRow?: (row: DiscoveryRow) => void;
}

export const DEFAULT_CONCURRENCY = 256;
export const DEFAULT_CONNECT_TIMEOUT_MS = 1500;
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 5000;
/** The shortest an adaptive scan waits for an address of a range. */
export const ADAPTIVE_FLOOR_MS = 500;
/** An adaptive scan waits this many times the slowest answer it has seen. */
export const ADAPTIVE_FACTOR = 10;

/**
 * How long to keep waiting for a silent address of a range, given the slowest answer
 * (SSH, refusal, anything) seen so far: on one network segment a host that is there
 * answers a TCP connect in about the same time as its neighbours, so silence much
 * longer than that means nobody is there. Nothing seen yet: the full timeout.
 */
export function adaptiveLimitMs(slowestAnswerMs: number | undefined, connectTimeoutMs: number): number {
  if (slowestAnswerMs === undefined) return connectTimeoutMs;
  return Math.min(connectTimeoutMs, Math.max(ADAPTIVE_FLOOR_MS, ADAPTIVE_FACTOR * slowestAnswerMs));
}

/**
 * Tries every endpoint with at most `concurrency` connections in flight: a TCP connect
 * with a short timeout, then, on open ports, the SSH key exchange up to the host key
 * (never authentication). Rows come back in the order of the endpoints; unresolved
 * names first. Rejects only with `cancelled`.
 */
export async function scan(
  endpoints: readonly ScanEndpoint[],
  unresolved: readonly Unresolved[],
  options: ScanOptions = {},
): Promise<DiscoveryRow[]> {
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? DEFAULT_CONCURRENCY));
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const handshakeTimeoutMs = options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;

  // One internal signal carries every probe's abort listener; the caller's signal gets one.
  const inner = new AbortController();
  setMaxListeners(concurrency * 2 + 16, inner.signal);
  const onOuterAbort = (): void => inner.abort(options.signal?.reason);
  if (options.signal?.aborted) throw cancelled();
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });

  // Adaptive waiting: pending connects of range addresses, given up by a ticker.
  let slowestAnswerMs: number | undefined;
  const pending = new Map<AbortController, number>();
  const ticker =
    options.adaptive === false
      ? undefined
      : setInterval(() => {
          const limit = adaptiveLimitMs(slowestAnswerMs, connectTimeoutMs);
          const now = performance.now();
          for (const [giveUp, started] of pending) if (now - started > limit) giveUp.abort();
        }, 50);
  ticker?.unref();

  const unresolvedRows = unresolved.map(unresolvedRow);
  for (const row of unresolvedRows) options.onRow?.(row);

  const rows: DiscoveryRow[] = new Array<DiscoveryRow>(endpoints.length);
  const queue = endpoints.entries();
  const worker = async (): Promise<void> => {
    for (let next = queue.next(); !next.done; next = queue.next()) {
      const [index, endpoint] = next.value;
      if (inner.signal.aborted) throw cancelled();
      const giveUp = ticker && !endpoint.single ? new AbortController() : undefined;
      if (giveUp) pending.set(giveUp, performance.now());
      const answer = await probeSshPort(endpoint, {
        connectTimeoutMs,
        timeoutMs: connectTimeoutMs + handshakeTimeoutMs,
        signal: inner.signal,
        ...(giveUp && { giveUpConnect: giveUp.signal }),
      }).finally(() => giveUp && pending.delete(giveUp));
      const answeredIn = answerTime(answer);
      if (answeredIn !== undefined && !endpoint.single)
        slowestAnswerMs = Math.max(slowestAnswerMs ?? 0, answeredIn);
      const row = toRow(endpoint, await withSecondRtt(endpoint, answer, connectTimeoutMs, inner.signal));
      rows[index] = row;
      options.onRow?.(row);
    }
  };
  // Workers start a few per event-loop turn: opening hundreds of sockets in one turn
  // would delay every connect callback, and the round-trip times with it.
  const starts = Array.from({ length: Math.min(concurrency, endpoints.length) }, async (_, index) => {
    for (let turn = 0; turn < Math.floor(index / WORKERS_PER_TURN); turn += 1) await nextTurn();
    return worker();
  });
  try {
    await Promise.all(starts);
  } catch (error) {
    inner.abort();
    throw error;
  } finally {
    clearInterval(ticker);
    options.signal?.removeEventListener('abort', onOuterAbort);
  }
  return [...unresolvedRows, ...rows];
}

/**
 * An SSH server's round-trip time is the faster of two connects: the first one of a
 * scan is slowed by the sockets opened around it, and is the only sample a silent port
 * gives; the second costs the server one more connection closed before its banner.
 */
async function withSecondRtt(
  endpoint: ScanEndpoint,
  answer: PortAnswer,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<PortAnswer> {
  if (answer.kind !== 'host-key') return answer;
  const second = await tcpConnectTime(endpoint, { timeoutMs, signal });
  if (second === undefined || second >= answer.info.rttMs) return answer;
  return { ...answer, info: { ...answer.info, rttMs: second } };
}

/** How long the address took to answer the TCP connect, when it answered at all. */
function answerTime(answer: PortAnswer): number | undefined {
  switch (answer.kind) {
    case 'host-key':
      return answer.info.rttMs;
    case 'open':
    case 'closed':
      return answer.rttMs;
    case 'no-answer':
      return undefined;
    default:
      return assertNever(answer);
  }
}

/** Turns one port's answer into a row. */
export function toRow(endpoint: ScanEndpoint, answer: PortAnswer): DiscoveryRow {
  const base = {
    target: endpoint.target,
    name: endpoint.name ?? null,
    address: endpoint.host,
    port: endpoint.port,
    fromRange: !endpoint.single,
  };
  switch (answer.kind) {
    case 'host-key':
      return {
        ...base,
        state: 'ssh',
        banner: answer.info.banner || null,
        keyType: answer.info.keyType,
        fingerprint: answer.info.fingerprint,
        rttMs: round(answer.info.rttMs),
        reason: null,
      };
    case 'open': {
      // An SSH identification line without a key (MaxStartups, a failed exchange) is still an SSH server.
      const isSsh = answer.banner.startsWith('SSH-');
      return {
        ...base,
        state: isSsh ? 'ssh' : 'open-not-ssh',
        banner: answer.banner || null,
        keyType: null,
        fingerprint: null,
        rttMs: round(answer.rttMs),
        reason: answer.reason,
      };
    }
    case 'closed':
    case 'no-answer':
      return {
        ...base,
        state: answer.kind,
        banner: null,
        keyType: null,
        fingerprint: null,
        rttMs: null,
        reason: answer.reason,
      };
    default:
      return assertNever(answer);
  }
}

function unresolvedRow(entry: Unresolved): DiscoveryRow {
  return {
    target: entry.target,
    name: entry.name,
    address: null,
    port: entry.port,
    state: 'unresolved',
    banner: null,
    keyType: null,
    fingerprint: null,
    rttMs: null,
    reason: entry.reason,
    fromRange: false,
  };
}

const WORKERS_PER_TURN = 8;

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
