import type { ProbeNode } from '../../../provisioning/api/contract';
import type { RoleSuggestion } from '../../../provisioning/api/roles';
import { labInventory } from '../checks/context';

/**
 * The practice lab pair as the wizard holds it after "Inventory" (the real capture of
 * test/unit/checks/fixtures/inventories/lab-probe.json) and what `suggestSite` answered
 * for it: its private cable is enp3s0 on lockstep-a to enp2s0 on lockstep-b.
 */
export function labProbeNodes(): ProbeNode[] {
  return [
    { ok: true, endpoint: { host: '10.211.0.11', port: 22 }, inventory: labInventory('a') },
    { ok: true, endpoint: { host: '10.211.0.12', port: 22 }, inventory: labInventory('b') },
  ];
}

export function labSuggestion(): RoleSuggestion {
  return {
    hostnames: { a: 'lockstep-a', b: 'lockstep-b' },
    management: { a: { nic: 'enp1s0', address: '10.211.0.11' }, b: { nic: 'enp1s0', address: '10.211.0.12' } },
    privateLink: {
      a: { nic: 'enp3s0', address: '10.254.0.1' },
      b: { nic: 'enp2s0', address: '10.254.0.2' },
      subnet: '10.254.0.0/30',
      mtu: 1500,
      speedMbps: 10000,
      carrierConfirmed: true,
    },
    business: [{ bridge: 'br-biz0', a: 'enp2s0', b: 'enp3s0' }],
    disks: { a: [], b: [] },
    wire: [
      { a: 'enp3s0', b: 'enp2s0', direct: true, speedMbps: 10000 },
      { a: 'enp2s0', b: 'enp3s0', direct: false, speedMbps: 10000 },
    ],
    notes: {
      'network.private':
        'private link enp3s0 ↔ enp2s0: cabled directly, found by probing the wire and confirmed by the carrier test (10 Gb/s); addresses 10.254.0.1 and 10.254.0.2',
      'network.private.subnet': 'a /30 that no address or route on either server uses',
      'network.management': 'the NICs carrying this SSH session: enp1s0 (10.211.0.11) and enp1s0 (10.211.0.12)',
    },
    poolBytes: null,
  };
}
