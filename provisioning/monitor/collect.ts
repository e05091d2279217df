/**
 * One poll of one node: every status command in ONE remote exec (one round trip,
 * `composeScript`), each section handed to its pure parser. A node that cannot be
 * reached yields a sample that says so instead of an exception: the state model
 * decides what an unreachable node means for the pair.
 */
import { randomBytes } from 'node:crypto';
import { LockstepError } from '../api/errors';
import { composeScript, splitSections, type Section } from '../facts/frame';
import type { Transport } from '../ssh/types';
import { parseCfgtoolStatus, parseKnetLatency, parseQuorum, type CorosyncLinks, type QuorumStatus } from './parse/corosync';
import { parseCrmMonitor, type CrmMonitor } from './parse/crm-mon';
import { drbdVersion, parseDrbd9StatusJson, parseMinorMap, parseProcDrbd84, type DrbdReport } from './parse/drbd';
import {
  parseEpochNanos,
  parseIpLinkStats,
  parseTimeSync,
  parseUptimeLoad,
  type NicCounters,
} from './parse/host';
import { parseVirshList, type VirshDomain } from './parse/virsh';

/** What one node said in one poll; null fields were not available (tool missing, service down). */
export interface NodeSample {
  readonly reachable: boolean;
  /** Why the node could not be polled (SSH error message). */
  readonly unreachableReason?: string;
  readonly hostname: string | null;
  readonly pollMs: number | null;
  /** Node clock minus local clock at the poll's midpoint. */
  readonly clockOffsetMs: number | null;
  readonly uptimeSeconds: number | null;
  readonly load1: number | null;
  readonly quorum: QuorumStatus | null;
  readonly links: CorosyncLinks;
  /** knet's round trip per Corosync link id to the peer, microseconds (empty when corosync is down). */
  readonly knetLatencyUs: ReadonlyMap<number, number>;
  readonly crm: CrmMonitor | null;
  readonly nics: readonly NicCounters[];
  readonly drbd: DrbdReport | null;
  readonly vms: readonly VirshDomain[] | null;
  readonly timeSynced: boolean | null;
  readonly errors: readonly string[];
}

/** The status commands; all read-only and cheap (crm_mon is the costliest, ~20 ms CPU). */
export const POLL_COMMANDS: readonly { id: string; command: string }[] = [
  { id: 'clock', command: 'date +%s%N' },
  { id: 'hostname', command: 'uname -n' },
  { id: 'uptime', command: 'cat /proc/uptime /proc/loadavg' },
  { id: 'quorum', command: 'corosync-quorumtool -s' },
  { id: 'links', command: 'corosync-cfgtool -s' },
  { id: 'knet', command: 'corosync-cmapctl -m stats stats.knet. | grep -E "\\.(latency_ave|connected) "' },
  { id: 'crm', command: 'crm_mon -1 --output-as=xml' },
  { id: 'nics', command: 'ip -j -s addr' },
  { id: 'proc-drbd', command: 'cat /proc/drbd' },
  {
    id: 'drbd-minors',
    command:
      'grep -q "^version: 8" /proc/drbd 2>/dev/null || exit 0; for r in $(drbdadm sh-resources 2>/dev/null); do printf "%s %s\\n" "$r" "$(drbdadm sh-minor "$r" 2>/dev/null)"; done',
  },
  {
    id: 'drbd9',
    command: 'grep -q "^version: 9" /proc/drbd 2>/dev/null || exit 0; drbdsetup status --json all',
  },
  {
    id: 'virsh',
    command: 'command -v virsh >/dev/null || exit 0; virsh -q -c qemu:///system list --all',
  },
  { id: 'chrony', command: 'chronyc -c tracking' },
  { id: 'timedatectl', command: 'timedatectl show -p NTPSynchronized' },
];

/** The poll script (exported for the CPU measurement and the docs). */
export function pollScript(marker: string): string {
  return composeScript(POLL_COMMANDS, { marker, timeoutSeconds: 8, stderrLimit: 1024 });
}

/** A sample for a node that did not answer. */
export function unreachableSample(reason: string): NodeSample {
  return {
    reachable: false,
    unreachableReason: reason,
    hostname: null,
    pollMs: null,
    clockOffsetMs: null,
    uptimeSeconds: null,
    load1: null,
    quorum: null,
    links: { localNodeId: null, links: [] },
    knetLatencyUs: new Map(),
    crm: null,
    nics: [],
    drbd: null,
    vms: null,
    timeSynced: null,
    errors: [],
  };
}

/** Polls one node over its open transport (one exec). */
export async function pollNode(
  transport: Transport,
  options: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<NodeSample> {
  const marker = randomBytes(12).toString('hex');
  const started = Date.now();
  try {
    const result = await transport.exec(pollScript(marker), {
      sudo: true,
      timeoutMs: options.timeoutMs ?? 15_000,
      ...(options.signal && { signal: options.signal }),
    });
    const finished = Date.now();
    return parseSample(splitSections(result.stdout, marker), { started, finished });
  } catch (error) {
    if (error instanceof LockstepError && error.code === 'cancelled') throw error;
    return unreachableSample(error instanceof Error ? error.message : String(error));
  }
}

/** Turns the script's sections into a sample (pure; the unit tests feed it captured sections). */
export function parseSample(
  sections: ReadonlyMap<string, Section>,
  timing: { started: number; finished: number },
): NodeSample {
  const errors: string[] = [];
  const out = (id: string): Section | undefined => sections.get(id);
  const stdout = (id: string): string => out(id)?.stdout ?? '';
  const attempt = <T>(id: string, parse: () => T, fallback: T): T => {
    try {
      return parse();
    } catch (error) {
      errors.push(`${id}: ${error instanceof Error ? error.message : String(error)}`);
      return fallback;
    }
  };
  const clock = parseEpochNanos(stdout('clock'));
  const midpoint = (timing.started + timing.finished) / 2;
  const { uptimeSeconds, load1 } = parseUptimeLoad(stdout('uptime'));
  const quorum = parseQuorum(stdout('quorum'));
  const links = parseCfgtoolStatus(stdout('links'));
  const crmText = stdout('crm');
  const crm = crmText.includes('<pacemaker-result') ? parseCrmMonitor(crmText) : null;
  const nics = attempt('nics', () => parseIpLinkStats(stdout('nics') || '[]'), []);
  const proc = stdout('proc-drbd');
  const version = drbdVersion(proc);
  let drbd: DrbdReport | null = null;
  if (version?.startsWith('8.')) drbd = parseProcDrbd84(proc, parseMinorMap(stdout('drbd-minors')));
  else if (version) {
    const json = stdout('drbd9').trim();
    drbd = json ? attempt('drbd9', () => parseDrbd9StatusJson(json, version), { version, devices: [] }) : { version, devices: [] };
  }
  const virsh = out('virsh');
  const vms = virsh && virsh.code === 0 && virsh.stdout.trim() !== '' ? parseVirshList(virsh.stdout) : virsh?.code === 0 ? [] : null;
  if (virsh && virsh.code !== 0 && virsh.code !== null) errors.push(`virsh: ${virsh.stderr.trim().split('\n')[0] ?? `exit ${virsh.code}`}`);
  const chrony = out('chrony');
  return {
    reachable: true,
    hostname: stdout('hostname').trim() || null,
    pollMs: timing.finished - timing.started,
    clockOffsetMs: clock === null ? null : Math.round(clock - midpoint),
    uptimeSeconds,
    load1,
    quorum,
    links,
    knetLatencyUs: parseKnetLatency(stdout('knet'), links.localNodeId),
    crm,
    nics,
    drbd,
    vms,
    timeSynced: parseTimeSync(chrony?.stdout ?? '', chrony?.code ?? null, stdout('timedatectl')),
    errors,
  };
}
