import { z } from 'zod';

/**
 * The console's contract: one pair state model (what `lockstep status` prints and the
 * console renders), the alerts derived by diffing two successive states, and the
 * events a live watch streams. Types and zod schemas only, so the renderer can import
 * it; the rules that fill it live in `provisioning/monitor` and `docs/console.md`.
 */

/** The pair at a glance, worst first in `PAIR_LEVEL_ORDER`. */
export const PairLevelSchema = z.enum(['protected', 'degraded', 'unprotected', 'down']);
export type PairLevel = z.infer<typeof PairLevelSchema>;

/** From best to worst: the level of a pair is the worst any rule gives it. */
export const PAIR_LEVEL_ORDER: readonly PairLevel[] = ['protected', 'degraded', 'unprotected', 'down'];

/** What the node's own SSH session and cluster stack say about it. */
export const NodeConditionSchema = z.enum(['online', 'standby', 'maintenance', 'lost', 'unreachable']);
export type NodeCondition = z.infer<typeof NodeConditionSchema>;

/** One reason behind the pair level; `level` is the level this reason alone causes. */
export const ReasonSchema = z.object({
  level: PairLevelSchema,
  /** Stable id, e.g. `node.lost`, `link.down`, `drbd.split-brain`, `fence.none`. */
  code: z.string(),
  message: z.string(),
  node: z.string().optional(),
  subject: z.string().optional(),
});
export type Reason = z.infer<typeof ReasonSchema>;

export const NodeStateSchema = z.object({
  /** `a` or `b` (site-file order). */
  key: z.enum(['a', 'b']),
  address: z.string(),
  /** Cluster node name (hostname); null until the node answered once. */
  name: z.string().nullable(),
  condition: NodeConditionSchema,
  /** SSH reached the node and the poll ran. */
  reachable: z.boolean(),
  /** Corosync running on the node. */
  corosync: z.boolean(),
  /** Pacemaker answering on the node. */
  pacemaker: z.boolean(),
  /** This node's partition has quorum (null when corosync is not running). */
  quorate: z.boolean().nullable(),
  /** Pacemaker's designated controller. */
  dc: z.boolean(),
  uptimeSeconds: z.number().nullable(),
  load1: z.number().nullable(),
  /** This node's clock minus the admin computer's, estimated at the round trip's midpoint. */
  clockOffsetMs: z.number().nullable(),
  /** chrony/timesyncd says the clock is synchronised (null when unknown). */
  timeSynced: z.boolean().nullable(),
  /** Round trip of the poll over SSH. */
  pollMs: z.number().nullable(),
  /** The collector's own trouble (a parser that found nothing, a tool missing). */
  errors: z.array(z.string()),
});
export type NodeState = z.infer<typeof NodeStateSchema>;

/** A Corosync link (knet link number) or the replication link, as both ends see it. */
export const LinkStateSchema = z.object({
  /** `corosync-0`, `corosync-1`, `replication`. */
  id: z.string(),
  kind: z.enum(['corosync', 'replication']),
  /** Connected as seen from each node; null when that node could not say. */
  a: z.boolean().nullable(),
  b: z.boolean().nullable(),
  up: z.boolean(),
  /** NIC carrying it, when known, with its counters (bytes since boot). */
  nic: z.string().optional(),
  rxBytes: z.number().optional(),
  txBytes: z.number().optional(),
  errors: z.number().optional(),
  /** Throughput since the previous poll, bytes per second (both directions). */
  bytesPerSecond: z.number().optional(),
  /** Round trip of the link as knet measures it (Corosync links), milliseconds; the ends' mean. */
  latencyMs: z.number().optional(),
});
export type LinkState = z.infer<typeof LinkStateSchema>;

/** One DRBD resource (volume 0 of it) as the two nodes report it. */
export const StorageStateSchema = z.object({
  resource: z.string(),
  minor: z.number().nullable(),
  /** Connection state from each side (`Connected`, `StandAlone`, `WFConnection`…). */
  connection: z.object({ a: z.string().nullable(), b: z.string().nullable() }),
  role: z.object({ a: z.string().nullable(), b: z.string().nullable() }),
  disk: z.object({ a: z.string().nullable(), b: z.string().nullable() }),
  /** `Established`, `SyncSource`, `SyncTarget`… (DRBD 9 replication state; 8.4 connection state). */
  replication: z.string().nullable(),
  /** Resync progress 0–100 while syncing, else null. */
  syncPercent: z.number().nullable(),
  outOfSyncBytes: z.number().nullable(),
  /** Resync speed as DRBD reports it, bytes per second. */
  syncBytesPerSecond: z.number().nullable(),
  splitBrain: z.boolean(),
});
export type StorageState = z.infer<typeof StorageStateSchema>;

export const VmStateSchema = z.object({
  name: z.string(),
  /** `running`, `paused`, `shut off`… as libvirt says on the node that runs it. */
  state: z.string(),
  /** Node key the VM runs on; null when it runs nowhere. */
  runsOn: z.enum(['a', 'b']).nullable(),
  /** Availability level from the cluster resource (`ha` when Pacemaker manages it). */
  level: z.enum(['ha', 'ft', 'none']),
  /** Its peer can take it over (the other node online, its storage in sync). */
  protected: z.boolean(),
  /** Running on both nodes at once: the worst case, reported as split brain. */
  duplicate: z.boolean(),
});
export type VmState = z.infer<typeof VmStateSchema>;

export const FencingStateSchema = z.object({
  /** `stonith-enabled` and at least one stonith resource configured. */
  configured: z.boolean(),
  /** The site file says `acknowledgeNoFencing: true`; shown permanently while unfenced. */
  acknowledgedNone: z.boolean(),
  /** Fencing actions Pacemaker recorded (newest first), for the fencing alert. */
  history: z.array(
    z.object({ target: z.string(), action: z.string(), status: z.string(), completed: z.string().optional() }),
  ),
});
export type FencingState = z.infer<typeof FencingStateSchema>;

/** A failed cluster operation still on record (until cleaned up): the failure alert's source. */
export const ResourceFailureSchema = z.object({
  resource: z.string(),
  /** The VM it belongs to, when it is a Lockstep VM's resource. */
  vm: z.string().optional(),
  node: z.string(),
  operation: z.string(),
  status: z.string(),
  reason: z.string(),
  at: z.string(),
});
export type ResourceFailure = z.infer<typeof ResourceFailureSchema>;

/** The whole pair at one moment: what every front door shows. */
export const PairStateSchema = z.object({
  pair: z.string(),
  at: z.string(),
  level: PairLevelSchema,
  /** The first reason is the headline; empty when protected. */
  reasons: z.array(ReasonSchema),
  nodes: z.tuple([NodeStateSchema, NodeStateSchema]),
  links: z.array(LinkStateSchema),
  storage: z.array(StorageStateSchema),
  vms: z.array(VmStateSchema),
  fencing: FencingStateSchema,
  /** Failed operations Pacemaker keeps on record (crm_mon's "Failed Resource Actions"). */
  failures: z.array(ResourceFailureSchema).default([]),
  /** Clock difference between the two nodes (absolute), when both answered. */
  timeDriftMs: z.number().nullable(),
});
export type PairState = z.infer<typeof PairStateSchema>;

export const AlertKindSchema = z.enum([
  'node-lost',
  'node-back',
  'link-down',
  'link-up',
  'split-brain',
  'resync-started',
  'resync-finished',
  'failover',
  'resource-failed',
  'fencing',
  'time-drift',
  'pair-level',
]);
export type AlertKind = z.infer<typeof AlertKindSchema>;

export const AlertSchema = z.object({
  /** Unique per alert (time + kind + subject), for acknowledging in the UI. */
  id: z.string(),
  at: z.string(),
  pair: z.string(),
  kind: AlertKindSchema,
  severity: z.enum(['info', 'warn', 'critical']),
  message: z.string(),
  node: z.string().optional(),
  subject: z.string().optional(),
  /** When a person acknowledged it (kept in the event log, so it stays acknowledged). */
  acknowledgedAt: z.string().optional(),
});
export type Alert = z.infer<typeof AlertSchema>;

/**
 * One poll's chart values, by series id (`latency:corosync-0`, `throughput:replication`):
 * what the console's charts draw. A null value is a gap (the link was down, a node unreachable).
 */
export const MetricSampleSchema = z.object({
  /** Milliseconds since the epoch. */
  at: z.number(),
  values: z.record(z.string(), z.number().nullable()),
});
export type MetricSample = z.infer<typeof MetricSampleSchema>;

/** What a series measures; the chart it belongs to follows from it. */
export const MetricKindSchema = z.enum(['latency', 'throughput']);
export type MetricKind = z.infer<typeof MetricKindSchema>;

/** One line of a chart: its id, what it measures, a label, and points oldest first. */
export const MetricSeriesSchema = z.object({
  id: z.string(),
  kind: MetricKindSchema,
  label: z.string(),
  /** `[epoch ms, value]`; a null value is a gap. */
  points: z.array(z.tuple([z.number(), z.number().nullable()])),
});
export type MetricSeries = z.infer<typeof MetricSeriesSchema>;

/** The monitor's history: every series over the last `windowSeconds` (an hour). */
export const PairHistorySchema = z.object({
  windowSeconds: z.number(),
  series: z.array(MetricSeriesSchema),
});
export type PairHistory = z.infer<typeof PairHistorySchema>;

/** How much history the console keeps and charts. */
export const HISTORY_WINDOW_SECONDS = 3600;

/** A series id, and back: `latency:corosync-0` is the latency of Corosync link 0. */
export function seriesId(kind: MetricKind, subject: string): string {
  return `${kind}:${subject}`;
}

/** The kind of a series id, or null for an id this version does not know. */
export function seriesKind(id: string): MetricKind | null {
  const kind = id.split(':')[0];
  const parsed = MetricKindSchema.safeParse(kind);
  return parsed.success ? parsed.data : null;
}

/** What a live watch streams (`status --watch --json` prints one per line). */
export const MonitorEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('state'), state: PairStateSchema }),
  z.object({ type: z.literal('alert'), alert: AlertSchema }),
  /** The chart values of one poll (every poll, changed or not), with a label per new series. */
  z.object({ type: z.literal('sample'), sample: MetricSampleSchema, labels: z.record(z.string(), z.string()) }),
]);
export type MonitorEvent = z.infer<typeof MonitorEventSchema>;

/** Threshold above which the two nodes' clocks are said to drift (Corosync tolerates little). */
export const TIME_DRIFT_LIMIT_MS = 500;

/** The worse of two levels. */
export function worseLevel(a: PairLevel, b: PairLevel): PairLevel {
  return PAIR_LEVEL_ORDER.indexOf(a) >= PAIR_LEVEL_ORDER.indexOf(b) ? a : b;
}
