import type { DiscoveryRow, DiscoveryState } from './scan';

/**
 * The person-facing text of `discover`, kept pure so that it is tested without a
 * network: one line per row, streamed as rows arrive, and a closing summary.
 */

/** Which rows a person sees: SSH servers, and every host the arguments named one by one. */
export function isShown(row: DiscoveryRow, all: boolean): boolean {
  return all || row.state === 'ssh' || !row.fromRange;
}

const ENDPOINT_WIDTH = 22;
const TYPE_WIDTH = 19;
const FINGERPRINT_WIDTH = 50;
const RTT_WIDTH = 8;

/** The column titles printed above the first row. */
export function formatHeader(): string {
  return [
    'ADDRESS'.padEnd(ENDPOINT_WIDTH),
    'KEY TYPE'.padEnd(TYPE_WIDTH),
    'FINGERPRINT'.padEnd(FINGERPRINT_WIDTH),
    'RTT'.padStart(RTT_WIDTH),
    ' BANNER',
  ]
    .join(' ')
    .trimEnd();
}

/** `10.0.0.11:22`, `[2001:db8::5]:2222`, `db1 (10.0.0.11):22`, `nosuch.example:22`. */
export function formatEndpoint(row: Pick<DiscoveryRow, 'name' | 'address' | 'port'>): string {
  if (row.address === null) return `${row.name ?? '?'}:${row.port}`;
  const address = row.address.includes(':') ? `[${row.address}]` : row.address;
  return row.name ? `${row.name} (${address}):${row.port}` : `${address}:${row.port}`;
}

/** Milliseconds with the precision that matters: `0.42 ms`, `3.1 ms`, `120 ms`. */
export function formatRtt(ms: number | null): string {
  if (ms === null) return '';
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  return `${Math.round(ms)} ms`;
}

const STATE_TEXT: Record<Exclude<DiscoveryState, 'ssh'>, string> = {
  'open-not-ssh': 'open, not SSH',
  closed: 'closed',
  'no-answer': 'no answer',
  unresolved: 'does not resolve',
};

/** One result line. */
export function formatRow(row: DiscoveryRow): string {
  const endpoint = formatEndpoint(row).padEnd(ENDPOINT_WIDTH);
  if (row.state === 'ssh' && row.fingerprint) {
    return [
      endpoint,
      (row.keyType ?? '').padEnd(TYPE_WIDTH),
      row.fingerprint.padEnd(FINGERPRINT_WIDTH),
      formatRtt(row.rttMs).padStart(RTT_WIDTH),
      ` ${row.banner ?? ''}`,
    ]
      .join(' ')
      .trimEnd();
  }
  if (row.state === 'ssh') {
    // An SSH server that sent its banner but no key.
    return `${endpoint} SSH without a host key: ${row.reason ?? 'unknown reason'} (${row.banner ?? 'no banner'})`;
  }
  const state = STATE_TEXT[row.state];
  if (row.state === 'unresolved') return `${endpoint} ${state}${reasonSuffix(row.reason, state)}`;
  const detail = [
    row.reason && row.reason !== state ? row.reason : '',
    row.banner ? `says "${row.banner}"` : '',
  ]
    .filter(Boolean)
    .join('; ');
  const rtt = row.rttMs === null ? '' : ` in ${formatRtt(row.rttMs)}`;
  return `${endpoint} ${state}${rtt}${detail ? ` (${detail})` : ''}`;
}

function reasonSuffix(reason: string | null, state: string): string {
  if (!reason || reason === state) return '';
  return reason.startsWith(state) ? reason.slice(state.length) : ` (${reason})`;
}

/** What a scan found, for the summary line and `--json`. */
export interface ScanSummary {
  readonly scanned: number;
  readonly durationMs: number;
  readonly sshServers: number;
  readonly unresolved: number;
  /** Rows a person did not see (without `--all`). */
  readonly hidden: number;
}

/** Counts the rows of a finished scan. */
export function summarise(rows: readonly DiscoveryRow[], durationMs: number, all: boolean): ScanSummary {
  return {
    scanned: rows.filter((row) => row.address !== null).length,
    durationMs: Math.round(durationMs),
    sshServers: rows.filter((row) => row.state === 'ssh').length,
    unresolved: rows.filter((row) => row.state === 'unresolved').length,
    hidden: rows.filter((row) => !isShown(row, all)).length,
  };
}

/** `scanned 254 addresses in 1.6 s, 2 SSH servers` (+ what was not shown, and why). */
export function formatSummary(summary: ScanSummary): string {
  const seconds = summary.durationMs / 1000;
  const time = seconds < 10 ? seconds.toFixed(1) : String(Math.round(seconds));
  let text = `scanned ${plural(summary.scanned, 'address', 'addresses')} in ${time} s, ${plural(summary.sshServers, 'SSH server', 'SSH servers')}`;
  if (summary.unresolved > 0) text += `; ${plural(summary.unresolved, 'name', 'names')} did not resolve`;
  if (summary.hidden > 0) text += ` (${summary.hidden} without SSH not shown: --all shows them)`;
  return text;
}

/** The progress line a person sees on a terminal while a scan runs. */
export function formatProgress(done: number, total: number, sshServers: number, elapsedMs: number): string {
  return `scanning: ${done}/${total} addresses, ${plural(sshServers, 'SSH server', 'SSH servers')}, ${(elapsedMs / 1000).toFixed(1)} s`;
}

function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}
