import type { ErrorInfo } from '../api/errors';
import type { Finding, Severity } from '../api/finding';
import type { Inventory } from '../api/inventory';
import type { NodeKey, ResolvedSite } from '../api/site';
import type { WireProbeResult } from '../network/wire-probe';
import { catalogueEntry, type CheckId } from './catalogue';
import type { NodeExtras } from './extras';

/**
 * What the checks look at: everything gathered from both servers before anything is
 * changed. Checks are pure functions of this context, so each is unit-tested on
 * fixtures and `validate` gathers once and judges many times (re-run one check).
 */
export interface NodeState {
  readonly key: NodeKey;
  /** The address the admin gave: how findings name the node. */
  readonly label: string;
  /** Why the node could not be reached or logged into; nothing else is known then. */
  readonly connectError?: ErrorInfo;
  /** Why administrator rights are missing (ssh.sudo-unavailable). */
  readonly sudoError?: ErrorInfo;
  readonly inventory?: Inventory;
  readonly extras?: NodeExtras;
  /** Server clock minus the admin's clock, corrected for half the round trip. */
  readonly clockOffsetMs?: number;
  /** The server address of the SSH session, i.e. the management address. */
  readonly sessionAddress?: string;
}

export interface CheckContext {
  readonly site: ResolvedSite;
  readonly nodes: readonly [NodeState, NodeState];
  /** The wire probe; an ErrorInfo when it could not run. */
  readonly wire?: WireProbeResult | { readonly error: ErrorInfo };
  /** The quorum witness (when one is configured), as apply will reach it. */
  readonly witness?: WitnessState;
  /** The offline bundle on this computer (when packages come from one): is it built? */
  readonly bundle?: { readonly ready: boolean; readonly detail: string };
  /** Per node: whether its BMC answered (when fencing is ipmi). */
  readonly bmc?: Partial<Record<NodeKey, BmcState>>;
}

/** What validation learned about one BMC. */
export interface BmcState {
  /** It answered with the site's user and password; false: it did not; null: it could not be tested (why in `detail`). */
  readonly reachable: boolean | null;
  readonly detail: string;
}

/** How a node's TCP connection to the witness's qnetd port (5403) went. */
export type QnetdPortAnswer = 'open' | 'refused' | 'no-answer' | 'unreachable';

/** What validation learned about the quorum witness. */
export interface WitnessState {
  /** Lockstep logged in over SSH with the site's user and key and has administrator rights there. */
  readonly reachable: boolean;
  /** What answered, or why it could not be used. */
  readonly detail: string;
  /** The fix when it could not be used (e.g. how to pin its host key). */
  readonly remedy?: string;
  /** corosync-qnetd already runs on the witness (a later apply, or a witness shared with other pairs). */
  readonly qnetdActive?: boolean;
  /** The TCP port corosync-qnetd listens on (corosync-qdevice on the nodes connects there). */
  readonly qnetdPort: number;
  /** Per node: its TCP connection to the witness's qnetd port. */
  readonly port?: Partial<Record<NodeKey, { readonly answer: QnetdPortAnswer; readonly detail: string }>>;
}

/** One check of the catalogue (Rancher Desktop's diagnostics shape, with our ids). */
export interface Check {
  readonly id: CheckId;
  /** False when the check does not apply to this site (e.g. COLO without ft). */
  applicable(context: CheckContext): boolean;
  run(context: CheckContext): readonly Finding[];
}

/** Builds a finding with the catalogue's remedy unless a more specific one is given. */
export function finding(
  id: CheckId,
  severity: Severity,
  message: string,
  extra: { readonly node?: string; readonly subject?: string; readonly remedy?: string } = {},
): Finding {
  return {
    id,
    severity,
    ...(extra.node !== undefined && { node: extra.node }),
    ...(extra.subject !== undefined && { subject: extra.subject }),
    message,
    remedy: extra.remedy ?? catalogueEntry(id).remedy,
  };
}

/** The nodes whose inventory was read (checks skip nodes that could not be reached). */
export function reachedNodes(context: CheckContext): (NodeState & { readonly inventory: Inventory })[] {
  return context.nodes.filter(
    (node): node is NodeState & { inventory: Inventory } => node.inventory !== undefined,
  );
}
