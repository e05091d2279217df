import type { Inventory } from '../../../provisioning/api/inventory';
import type { NodeKey } from '../../../provisioning/api/site';
import { resolveSite } from '../../../provisioning/site/resolve';
import type { EngineSession } from '../../../provisioning/engine/session';
import type { Decision, NodeStep, NodeStepContext, PairFacts, PairStep, StepGroup } from '../../../provisioning/engine/types';
import type { Transport } from '../../../provisioning/ssh/types';

/**
 * Steps over in-memory state, for unit tests of the planner and the runner only: each
 * "server" is a Map of key → value, and a step makes one key hold one value. No
 * transport is faked: the one in the session throws if anything touches it.
 */
export type Servers = Record<NodeKey, Map<string, string>>;

export const newServers = (): Servers => ({ a: new Map(), b: new Map() });

/** A transport that must never be used by these tests. */
const untouchable = (label: string): Transport =>
  new Proxy({ label } as Transport, {
    get(target, property) {
      if (property === 'label') return label;
      if (property === 'then') return undefined;
      throw new Error(`unit tests must not touch the transport (${String(property)})`);
    },
  });

export const PAIR: PairFacts = {
  pairName: 'unit',
  hostnames: { a: 'node-a', b: 'node-b' },
  management: { a: { nic: 'eth0', address: '10.0.0.11' }, b: { nic: 'eth0', address: '10.0.0.12' } },
  privateLink: { a: { nic: 'eth1', address: '10.254.0.1' }, b: { nic: 'eth1', address: '10.254.0.2' }, prefixLength: 30, mtu: 1500 },
  business: [],
  disks: { a: [], b: [] },
  storageAvailable: false,
};

export function session(secrets: readonly string[] = []): EngineSession {
  const site = resolveSite({ name: 'unit', nodes: [{ address: '10.0.0.11' }, { address: '10.0.0.12' }] } as never, {
    baseDir: '/tmp',
    homeDir: '/tmp',
  });
  return {
    site,
    pair: PAIR,
    nodes: [
      { key: 'a', label: '10.0.0.11', transport: untouchable('10.0.0.11'), inventory: {} as Inventory },
      { key: 'b', label: '10.0.0.12', transport: untouchable('10.0.0.12'), inventory: {} as Inventory },
    ],
    secrets,
  };
}

export interface Hooks {
  /** Runs inside apply, before the state is written (delays, failures, cancel). */
  beforeWrite?(context: NodeStepContext): Promise<void> | void;
  /** Runs inside inspect. */
  onInspect?(context: NodeStepContext): Promise<void> | void;
  /** Verify sees the state through this (to make a postcondition fail). */
  verifyValue?(node: NodeKey, actual: string | undefined): string | undefined;
}

/** A node step that makes `key` hold `value` on each server. */
export function setStep(servers: Servers, id: string, key: string, value: string, hooks: Hooks = {}, group: StepGroup = 'packages'): NodeStep {
  return {
    id,
    title: `set ${key}`,
    group,
    scope: 'node',
    applicable: () => true,
    async inspect(context): Promise<Decision> {
      await hooks.onInspect?.(context);
      const current = servers[context.node].get(key);
      return current === value
        ? { kind: 'noop', reason: `${key} is ${value}` }
        : { kind: 'change', changes: [{ summary: `set ${key} to ${value}`, commands: [`set ${key}=${value}`] }] };
    },
    async apply(context) {
      context.log(`writing ${key}`);
      await hooks.beforeWrite?.(context);
      servers[context.node].set(key, value);
    },
    async verify(context) {
      const actual = servers[context.node].get(key);
      const seen = hooks.verifyValue ? hooks.verifyValue(context.node, actual) : actual;
      if (seen !== value) throw new Error(`verify: ${key} is ${seen} on ${context.label}`);
    },
  };
}

/** A pair step: both servers must hold `key`, then `pairKey` is written on both. */
export function pairStep(servers: Servers, id: string, needs: string, pairKey: string, seen: string[]): PairStep {
  return {
    id,
    title: `agree on ${pairKey}`,
    group: 'cluster',
    scope: 'pair',
    applicable: () => true,
    async inspect() {
      seen.push(`${id}:inspect a=${servers.a.get(needs) ?? '-'} b=${servers.b.get(needs) ?? '-'}`);
      return servers.a.get(pairKey) === 'yes' && servers.b.get(pairKey) === 'yes'
        ? { kind: 'noop', reason: 'agreed' }
        : { kind: 'change', changes: [{ summary: `agree on ${pairKey}`, commands: ['agree'] }] };
    },
    async apply() {
      servers.a.set(pairKey, 'yes');
      servers.b.set(pairKey, 'yes');
    },
    async verify() {
      if (servers.a.get(pairKey) !== 'yes') throw new Error('not agreed');
    },
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
