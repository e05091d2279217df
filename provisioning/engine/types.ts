import type { NodeKey, ResolvedSite } from '../api/site';
import type { Inventory } from '../api/inventory';
import type { Transport } from '../ssh/types';

/**
 * The step model (pyinfra/Ansible/Terraform, written for two nodes): a step reads the
 * server's state, says what it would change or why nothing is needed, applies exactly
 * that, then proves its own postcondition. Plans are lists of these decisions; apply
 * re-reads state on every run, so a rerun converges instead of replaying.
 */

/** The groups of the install, in order; the wizard and `plan` show steps under them. */
export type StepGroup = 'packages' | 'hypervisor' | 'network' | 'storage' | 'cluster' | 'fencing' | 'verify';

/** One concrete change a step will make: what a person reads, and the commands on demand. */
export interface Change {
  /** "install corosync, pacemaker, pcs (12 packages)", "write /etc/corosync/corosync.conf". */
  readonly summary: string;
  /** The commands it runs (secrets never appear: they travel on stdin). */
  readonly commands: readonly string[];
}

/** What a step found: nothing to do (and why), or the changes it would make. */
export type Decision =
  | { readonly kind: 'noop'; readonly reason: string }
  | { readonly kind: 'change'; readonly changes: readonly Change[] };

/** Everything a node-scoped step may look at and use. */
export interface NodeStepContext {
  readonly site: ResolvedSite;
  readonly node: NodeKey;
  /** The node's address as the admin gave it (for messages). */
  readonly label: string;
  readonly transport: Transport;
  /** The inventory read at the start of this run (re-read on every run). */
  readonly inventory: Inventory;
  /** Values decided for the whole pair before the steps run (roles, addresses, disks, names). */
  readonly pair: PairFacts;
  readonly signal: AbortSignal;
  /** A line for the live log tail (never a secret). */
  log(line: string): void;
}

/** Pair-scoped steps see both nodes at once: barriers where the two must agree. */
export interface PairStepContext {
  readonly site: ResolvedSite;
  readonly nodes: readonly [NodeStepContext, NodeStepContext];
  readonly pair: PairFacts;
  readonly signal: AbortSignal;
  log(line: string): void;
}

/** Decided once per run from probing: the concrete roles the recipes configure. */
export interface PairFacts {
  readonly pairName: string;
  readonly hostnames: { readonly a: string; readonly b: string };
  readonly management: {
    readonly a: { readonly nic: string; readonly address: string };
    readonly b: { readonly nic: string; readonly address: string };
  };
  /** The private link and the addresses it gets (null when there is no private link, e.g. a degraded lab). */
  readonly privateLink: {
    readonly a: { readonly nic: string; readonly address: string };
    readonly b: { readonly nic: string; readonly address: string };
    readonly prefixLength: number;
    readonly mtu: number;
  } | null;
  readonly business: readonly { readonly bridge: string; readonly a: string; readonly b: string }[];
  /** Pool disks per node (empty when the node cannot own disks, e.g. a container). */
  readonly disks: { readonly a: readonly string[]; readonly b: readonly string[] };
  /** Whether the mirrored storage layer can run (DRBD module present on both). */
  readonly storageAvailable: boolean;
}

interface StepBase {
  /** Stable id (`packages.install`, `cluster.corosync-conf`): journals and resumes refer to it. */
  readonly id: string;
  readonly title: string;
  readonly group: StepGroup;
  /** False when the site does not need this step (e.g. xen steps on a kvm site); shown as "not applicable". */
  applicable(site: ResolvedSite, pair: PairFacts): boolean;
}

/** Runs on each node, both nodes in parallel. */
export interface NodeStep extends StepBase {
  readonly scope: 'node';
  inspect(context: NodeStepContext): Promise<Decision>;
  apply(context: NodeStepContext, decision: Decision & { kind: 'change' }): Promise<void>;
  /** Throws a LockstepError (code 'command.failed') naming what is wrong when the postcondition does not hold. */
  verify(context: NodeStepContext): Promise<void>;
}

/** Runs once with both nodes (a barrier: both finished the steps before it). */
export interface PairStep extends StepBase {
  readonly scope: 'pair';
  inspect(context: PairStepContext): Promise<Decision>;
  apply(context: PairStepContext, decision: Decision & { kind: 'change' }): Promise<void>;
  verify(context: PairStepContext): Promise<void>;
}

export type Step = NodeStep | PairStep;
