import { describe, expect, it } from 'vitest';
import type { PairFacts } from '../../../provisioning/engine/types';
import type { InitResult } from '../../../provisioning/validation/init-site';
import { roleSuggestionOf } from '../../../provisioning/validation/suggest-roles';
import { labWire } from '../checks/context';

/**
 * What the wizard's Network roles screen starts from is `lockstep init`'s decision, with
 * the wire probe's evidence: here the lab's real wire probe (../checks/context.ts).
 */
const pair: PairFacts = {
  pairName: 'lab',
  hostnames: { a: 'lockstep-a', b: 'lockstep-b' },
  management: { a: { nic: 'enp1s0', address: '10.211.0.11' }, b: { nic: 'enp1s0', address: '10.211.0.12' } },
  privateLink: {
    a: { nic: 'enp3s0', address: '10.254.0.1' },
    b: { nic: 'enp2s0', address: '10.254.0.2' },
    prefixLength: 30,
    mtu: 1500,
  },
  business: [{ bridge: 'br-biz0', a: 'enp2s0', b: 'enp3s0' }],
  disks: { a: [], b: [] },
  storageAvailable: false,
};

function result(wire: InitResult['report']['context']['wire'], facts: PairFacts = pair): Pick<InitResult, 'pair' | 'notes' | 'report'> {
  return {
    pair: facts,
    notes: { 'network.private': 'private link enp3s0 ↔ enp2s0' },
    report: { context: { wire }, capacity: { poolBytes: null, vcpus: 2, memoryBytes: 1 } } as unknown as InitResult['report'],
  };
}

describe('the role suggestion', () => {
  it('carries the decided roles, the private subnet and the wire evidence', () => {
    const wire = labWire();
    const suggestion = roleSuggestionOf(result(wire));
    expect(suggestion.privateLink).toEqual({
      a: { nic: 'enp3s0', address: '10.254.0.1' },
      b: { nic: 'enp2s0', address: '10.254.0.2' },
      subnet: '10.254.0.0/30',
      mtu: 1500,
      speedMbps: wire.privateLink?.speedMbps ?? null,
      carrierConfirmed: wire.privateLink?.carrierConfirmed ?? null,
    });
    expect(suggestion.wire).toContainEqual(expect.objectContaining({ a: 'enp3s0', b: 'enp2s0', direct: true }));
    expect(suggestion.wireProblem).toBeUndefined();
    expect(suggestion.notes['network.private']).toBe('private link enp3s0 ↔ enp2s0');
  });

  it('says why there is no private link when the wire probe could not run', () => {
    const suggestion = roleSuggestionOf(
      result({ error: { code: 'ssh.sudo-failed', message: 'sudo refused.', remedy: 'Give the sudo password.' } } as never, { ...pair, privateLink: null }),
    );
    expect(suggestion.privateLink).toBeNull();
    expect(suggestion.wire).toEqual([]);
    expect(suggestion.wireProblem).toBe('sudo refused. Give the sudo password.');
  });
});
