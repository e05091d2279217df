import { describe, expect, it } from 'vitest';
import type { Inventory, Nic } from '../../../provisioning/api/inventory';
import type { CheckContext, NodeState } from '../../../provisioning/checks/types';
import type { WireProbeResult } from '../../../provisioning/network/wire-probe';
import { derivePairFacts, hostAddress } from '../../../provisioning/engine/pair-facts';
import { resolveSite } from '../../../provisioning/site/resolve';

/** A NIC as the inventory reports it (only what pair facts read is varied). */
function nic(name: string, options: Partial<Nic> = {}): Nic {
  return {
    name,
    kind: 'physical',
    linkKind: null,
    mac: `52:54:00:00:00:${name.length.toString(16).padStart(2, '0')}`,
    driver: 'virtio_net',
    carrier: true,
    operState: 'up',
    speedMbps: 10000,
    mtu: 1500,
    addresses: [],
    master: null,
    masterKind: null,
    parent: null,
    vlanId: null,
    bond: null,
    bridgePorts: null,
    ...options,
  };
}

const v4 = (address: string, prefixLength = 24) => ({ family: 'inet' as const, address, prefixLength, scope: 'global' });

function node(key: 'a' | 'b', address: string, hostname: string, nics: Nic[]): NodeState {
  return {
    key,
    label: address,
    sessionAddress: address,
    inventory: {
      host: { hostname, kernel: '6.1', architecture: 'x86_64', clockEpochSeconds: null },
      nics,
      disks: [],
      virtualization: { vm: null, container: 'systemd-nspawn', hypervisorVendor: null },
    } as unknown as Inventory,
    extras: { drbd: { moduleVersion: null, loaded: false } } as NodeState['extras'],
  };
}

const site = resolveSite({ name: 'lab', nodes: [{ address: '10.211.0.11' }, { address: '10.211.0.12' }] } as never, {
  baseDir: '/tmp',
  homeDir: '/tmp',
});

const wire = {
  observations: { a: [], b: [] },
  pairs: [{ a: 'enp3s0', b: 'enp2s0', direct: true, speedMbps: 10000, others: [] }],
  privateLink: { a: 'enp3s0', b: 'enp2s0', direct: true, speedMbps: 10000, others: [], carrierConfirmed: true },
  measurement: null,
  before: { a: new Map(), b: new Map() },
} as unknown as WireProbeResult;

describe('derivePairFacts', () => {
  const before: CheckContext = {
    site,
    nodes: [
      node('a', '10.211.0.11', 'lockstep-a', [nic('enp1s0', { addresses: [v4('10.211.0.11')] }), nic('enp2s0'), nic('enp3s0', { mtu: 9000 })]),
      node('b', '10.211.0.12', 'lockstep-b', [nic('enp1s0', { addresses: [v4('10.211.0.12')] }), nic('enp2s0', { mtu: 9000 }), nic('enp3s0')]),
    ],
    wire,
  };

  it('decides roles, addresses and bridges from what was probed', () => {
    expect(derivePairFacts(before)).toEqual({
      pairName: 'lab',
      hostnames: { a: 'lockstep-a', b: 'lockstep-b' },
      management: { a: { nic: 'enp1s0', address: '10.211.0.11' }, b: { nic: 'enp1s0', address: '10.211.0.12' } },
      privateLink: { a: { nic: 'enp3s0', address: '10.254.0.1' }, b: { nic: 'enp2s0', address: '10.254.0.2' }, prefixLength: 30, mtu: 9000 },
      business: [{ bridge: 'br-biz0', a: 'enp2s0', b: 'enp3s0' }],
      disks: { a: [], b: [] },
      storageAvailable: false,
    });
  });

  it('decides the same after apply configured them (a rerun converges instead of re-deciding)', () => {
    const after: CheckContext = {
      ...before,
      nodes: [
        node('a', '10.211.0.11', 'lockstep-a', [
          nic('enp1s0', { addresses: [v4('10.211.0.11')] }),
          nic('enp2s0', { master: 'br-biz0', masterKind: 'bridge' }),
          nic('br-biz0', { kind: 'bridge', bridgePorts: ['enp2s0'] }),
          nic('enp3s0', { mtu: 9000, addresses: [v4('10.254.0.1', 30)] }),
        ]),
        node('b', '10.211.0.12', 'lockstep-b', [
          nic('enp1s0', { addresses: [v4('10.211.0.12')] }),
          nic('enp2s0', { mtu: 9000, addresses: [v4('10.254.0.2', 30)] }),
          nic('enp3s0', { master: 'br-biz0', masterKind: 'bridge' }),
          nic('br-biz0', { kind: 'bridge', bridgePorts: ['enp3s0'] }),
        ]),
      ],
    };
    expect(derivePairFacts(after)).toEqual(derivePairFacts(before));
  });

  it('avoids subnets already in use and honours the site file', () => {
    const busy: CheckContext = {
      ...before,
      nodes: [
        node('a', '10.211.0.11', 'lockstep-a', [nic('enp1s0', { addresses: [v4('10.211.0.11'), v4('10.254.0.5', 16)] }), nic('enp2s0'), nic('enp3s0')]),
        before.nodes[1],
      ],
    };
    expect(derivePairFacts(busy).privateLink?.a.address).toBe('172.31.0.1');
    const named = { ...before, site: { ...site, network: { ...site.network, private: { a: 'enp3s0', b: 'enp2s0', subnet: '192.168.77.0/31', mtu: 1500 } } } };
    expect(derivePairFacts(named).privateLink).toEqual({
      a: { nic: 'enp3s0', address: '192.168.77.0' },
      b: { nic: 'enp2s0', address: '192.168.77.1' },
      prefixLength: 31,
      mtu: 1500,
    });
  });

  it('computes host addresses in IPv4 and IPv6 blocks', () => {
    expect(hostAddress('10.99.0.0', 4, 2)).toBe('10.99.0.2');
    expect(hostAddress('10.99.0.254', 4, 3)).toBe('10.99.1.1');
    expect(hostAddress('fd00:99::', 6, 1)).toBe('fd00:99::1');
  });
});
