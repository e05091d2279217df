import { describe, expect, it } from 'vitest';
import { choosePrivateLink, pairNics, type WireObservation } from '../../../provisioning/network/pairing';

const macA = { mgmt: '02:00:00:00:0a:01', biz: '02:00:00:00:0a:02', priv: '02:00:00:00:0a:03' };
const macB = { mgmt: '02:00:00:00:0b:01', priv: '02:00:00:00:0b:02', biz: '02:00:00:00:0b:03' };
const switchBridge = '02:00:00:00:ff:01';

const nic = (name: string, mac: string, neighbours: string[], speedMbps: number | null = 10000): WireObservation => ({
  nic: name,
  mac,
  neighbours,
  speedMbps,
});

describe('pairing NICs from what they saw on the wire', () => {
  it('finds the cable even when names differ and a switched network also joins the servers', () => {
    const a = [nic('enp2s0', macA.biz, [macB.biz, switchBridge]), nic('enp3s0', macA.priv, [macB.priv])];
    const b = [nic('enp2s0', macB.priv, [macA.priv]), nic('enp3s0', macB.biz, [macA.biz, switchBridge])];
    const pairs = pairNics(a, b);
    expect(pairs).toHaveLength(2);
    expect(choosePrivateLink(pairs)).toMatchObject({ a: 'enp3s0', b: 'enp2s0', direct: true, others: [] });
    expect(pairs[1]).toMatchObject({ a: 'enp2s0', b: 'enp3s0', direct: false, others: [switchBridge] });
  });

  it('reports no private link when the servers only meet through a switch', () => {
    const a = [nic('eth1', macA.biz, [macB.biz, switchBridge])];
    const b = [nic('eth1', macB.biz, [macA.biz, switchBridge])];
    expect(choosePrivateLink(pairNics(a, b))).toBeUndefined();
  });

  it('reports nothing when no cable joins them', () => {
    expect(pairNics([nic('eth1', macA.priv, [])], [nic('eth1', macB.priv, [])])).toEqual([]);
  });

  it('prefers the fastest of two direct cables and takes the slower end as the link speed', () => {
    const a = [nic('eth1', macA.priv, [macB.priv], 1000), nic('eth2', macA.biz, [macB.biz], 25000)];
    const b = [nic('eth1', macB.priv, [macA.priv], 1000), nic('eth2', macB.biz, [macA.biz], 10000)];
    expect(choosePrivateLink(pairNics(a, b))).toMatchObject({ a: 'eth2', b: 'eth2', speedMbps: 10000 });
  });

  it('counts a link seen from one side only (the other side missed the announcement)', () => {
    const a = [nic('eth1', macA.priv, [macB.priv.toUpperCase()])];
    const b = [nic('eth9', macB.priv, [])];
    expect(choosePrivateLink(pairNics(a, b))).toMatchObject({ a: 'eth1', b: 'eth9', direct: true });
  });
});
