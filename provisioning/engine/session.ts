import type { Inventory } from '../api/inventory';
import type { NodeKey, ResolvedSite } from '../api/site';
import type { Transport } from '../ssh/types';
import type { NodeStepContext, PairFacts, PairStepContext } from './types';

/**
 * What plan and apply work on: the site, the pair facts decided from probing, and an
 * open connection plus the fresh inventory of each node. `openSession`
 * (open-session.ts) builds it from a site; tests build it from in-memory parts.
 */
export interface EngineNode {
  readonly key: NodeKey;
  readonly label: string;
  readonly transport: Transport;
  readonly inventory: Inventory;
}

export interface EngineSession {
  readonly site: ResolvedSite;
  readonly pair: PairFacts;
  readonly nodes: readonly [EngineNode, EngineNode];
  /** Every secret of this run (passwords), so that events and journals can be redacted. */
  readonly secrets: readonly string[];
}

/** The context a node step sees on one node. */
export function nodeContext(
  session: EngineSession,
  key: NodeKey,
  signal: AbortSignal,
  log: (line: string) => void,
): NodeStepContext {
  const node = session.nodes[key === 'a' ? 0 : 1];
  return {
    site: session.site,
    node: key,
    label: node.label,
    transport: node.transport,
    inventory: node.inventory,
    pair: session.pair,
    signal,
    log,
  };
}

/** The context a pair step sees: both nodes (their logs go to the pair step's log). */
export function pairContext(session: EngineSession, signal: AbortSignal, log: (line: string) => void): PairStepContext {
  return {
    site: session.site,
    nodes: [nodeContext(session, 'a', signal, log), nodeContext(session, 'b', signal, log)],
    pair: session.pair,
    signal,
    log,
  };
}
