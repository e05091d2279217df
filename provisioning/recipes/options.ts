import type { NodeKey } from '../api/site';
import type { Transport } from '../ssh/types';

/**
 * What the recipes need from whoever runs them, beyond the step contexts: ways to open
 * connections of their own (a network change is confirmed only over a NEW connection;
 * a Xen reboot is waited through) and the secrets that never enter the site file.
 */
export interface RecipeOptions {
  /** Opens a new connection to a node over its management address; rejects when it cannot. */
  freshConnection(node: NodeKey, signal: AbortSignal): Promise<Transport>;
  /** A node's BMC password (fencing: ipmi). Never logged, never on a command line. */
  bmcPassword?(node: NodeKey): Promise<string>;
  /** A connection to the quorum witness host (quorum: witness). */
  witnessConnection?(signal: AbortSignal): Promise<Transport>;
  /** Seconds after which a network change rolls itself back unless confirmed (default 90). */
  readonly rollbackSeconds?: number;
  /** How long to wait for a node to come back from a reboot (default 15 min). */
  readonly rebootTimeoutMs?: number;
}
