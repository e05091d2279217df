import type { PairFacts } from '../../../provisioning/engine/types';

/** Pair facts of a typical real pair (private link with jumbo frames, NVMe pool disks), for recipe unit tests. */
export function samplePair(overrides: Partial<PairFacts> = {}): PairFacts {
  return {
    pairName: 'p',
    hostnames: { a: 'node-a', b: 'node-b' },
    management: { a: { nic: 'eno1', address: '10.0.0.11' }, b: { nic: 'eno1', address: '10.0.0.12' } },
    privateLink: { a: { nic: 'enp3s0', address: '10.99.0.1' }, b: { nic: 'enp3s0', address: '10.99.0.2' }, prefixLength: 30, mtu: 9000 },
    business: [],
    disks: { a: ['/dev/disk/by-id/nvme-X'], b: ['/dev/disk/by-id/nvme-Y'] },
    storageAvailable: true,
    ...overrides,
  };
}
