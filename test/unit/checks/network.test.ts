import { describe, expect, it } from 'vitest';
import {
  netAddressConflict,
  netLatencyHigh,
  netLinkDown,
  netMgmtMissing,
  netMtuMismatch,
  netNoPrivateLink,
  netSpeedLow,
} from '../../../provisioning/checks/network';
import { parsePing } from '../../../provisioning/network/wire-parse';
import type { WireProbeResult } from '../../../provisioning/network/wire-probe';
import {
  LAB,
  expectFinding,
  expectOne,
  factError,
  forNode,
  labContext,
  labSite,
  labWire,
  mapInventory,
  run,
  withLinkState,
  withMeasurement,
  withNode,
  withSection,
  wireCapture,
} from './context';

const withWire = (wire: WireProbeResult) => labContext({ wire });

describe('net.mgmt-missing', () => {
  it('passes: the SSH session arrives on enp1s0 (the lab)', () => {
    const finding = expectFinding(forNode(run(netMgmtMissing, labContext()), LAB.a)[0], {
      id: 'net.mgmt-missing',
      severity: 'pass',
      node: LAB.a,
      words: ['Management network on enp1s0 (10.211.0.11)'],
    });
    expect(finding.subject).toBe('enp1s0');
  });

  it('fails when the session address is on no NIC (NAT)', () => {
    const context = withNode(labContext(), 'b', { sessionAddress: '203.0.113.7' });
    expectFinding(forNode(run(netMgmtMissing, context), LAB.b)[0], {
      id: 'net.mgmt-missing',
      severity: 'fail',
      node: LAB.b,
      words: ['arrives at 203.0.113.7', 'no NIC of the server carries', 'NAT or a jump host'],
    });
  });

  it('fails when the session address is unknown', () => {
    const context = withNode(labContext(), 'a', { sessionAddress: undefined, extras: undefined });
    expectFinding(forNode(run(netMgmtMissing, context), LAB.a)[0], {
      id: 'net.mgmt-missing',
      severity: 'fail',
      node: LAB.a,
      words: ['an unknown address'],
    });
  });

  // BUG: when the NIC list could not be read, the check blames NAT or a jump host
  // ("…which no NIC of the server carries") instead of saying the NICs were not read.
  it('says the NICs could not be read rather than blaming NAT', () => {
    const context = mapInventory(labContext(), 'a', (inv) =>
      withSection(inv, 'nics', factError('links', 'command not found: ip', 127)),
    );
    const [finding] = forNode(run(netMgmtMissing, context), LAB.a);
    expect(finding?.message).not.toContain('NAT');
  });
});

describe('net.no-private-link', () => {
  it('passes the lab’s direct cable a:enp3s0 ↔ b:enp2s0', () => {
    const finding = expectOne(run(netNoPrivateLink, labContext()), {
      id: 'net.no-private-link',
      severity: 'pass',
      words: ['Direct cable found: 10.211.0.11:enp3s0 ↔ 10.211.0.12:enp2s0', 'seen only by each other'],
    });
    expect(finding.subject).toBe('enp3s0/enp2s0');
  });

  it('says so when the carrier test confirmed the cable', () => {
    const wire = labWire();
    expectOne(
      run(
        netNoPrivateLink,
        withWire({ ...wire, privateLink: { ...wire.privateLink!, carrierConfirmed: true } }),
      ),
      {
        id: 'net.no-private-link',
        severity: 'pass',
        words: ['confirmed by the carrier test'],
      },
    );
  });

  it('fails when no pair is direct, naming the switched pairs', () => {
    const wire = labWire();
    const switched: WireProbeResult = {
      ...wire,
      pairs: wire.pairs.map((pair) => ({ ...pair, direct: false })),
      privateLink: null,
      measurement: null,
    };
    expectOne(run(netNoPrivateLink, withWire(switched)), {
      id: 'net.no-private-link',
      severity: 'fail',
      words: [
        'No NIC pair is cabled directly',
        '10.211.0.11:enp3s0 and 10.211.0.12:enp2s0',
        'through a switch',
      ],
    });
  });

  it('fails when no NIC hears the other server at all', () => {
    const wire = labWire();
    expectOne(run(netNoPrivateLink, withWire({ ...wire, pairs: [], privateLink: null, measurement: null })), {
      id: 'net.no-private-link',
      severity: 'fail',
      words: ['No free NIC of one server hears any free NIC of the other'],
    });
  });

  it('fails when the site file names NICs the cable does not join (a swapped cable)', () => {
    const wire = labWire();
    const context = labContext({
      site: labSite('network:\n  private:\n    a: enp2s0\n    b: enp2s0\n'),
      wire: { ...wire, pairs: wire.pairs.filter((pair) => pair.a === 'enp3s0') },
    });
    const finding = expectOne(run(netNoPrivateLink, context), {
      id: 'net.no-private-link',
      severity: 'fail',
      words: [
        'names 10.211.0.11:enp2s0 ↔ 10.211.0.12:enp2s0',
        'direct cable joins 10.211.0.11:enp3s0 ↔ 10.211.0.12:enp2s0',
      ],
    });
    expect(finding.remedy).toContain('a: enp3s0, b: enp2s0');
  });

  it('warns when the wire probe could not run', () => {
    const context = labContext({
      wire: {
        error: {
          code: 'internal',
          message: 'RTNETLINK answers: Operation not permitted',
          remedy: 'Run as root.',
        },
      },
    });
    expectOne(run(netNoPrivateLink, context), {
      id: 'net.no-private-link',
      severity: 'warn',
      words: ['The wire probe could not run', 'Operation not permitted'],
    });
  });
});

describe('net.link-down', () => {
  it('passes both ends up with carrier (the lab)', () => {
    const findings = run(netLinkDown, labContext());
    expect(findings).toHaveLength(2);
    expectFinding(forNode(findings, LAB.b)[0], {
      id: 'net.link-down',
      severity: 'pass',
      node: LAB.b,
      words: ['enp2s0 is up with carrier'],
    });
  });

  it('fails an end without carrier', () => {
    const context = withWire(withLinkState(labWire(), 'b', { carrier: false }));
    expectFinding(forNode(run(netLinkDown, context), LAB.b)[0], {
      id: 'net.link-down',
      severity: 'fail',
      node: LAB.b,
      words: ['enp2s0 has no carrier', 'cable is unplugged'],
    });
  });

  it('gives info for an end that was down before the probe raised it', () => {
    const wire = labWire();
    const context = withWire({ ...wire, before: { ...wire.before, a: new Map([['enp3s0', false]]) } });
    const finding = expectFinding(forNode(run(netLinkDown, context), LAB.a)[0], {
      id: 'net.link-down',
      severity: 'info',
      node: LAB.a,
      words: ['enp3s0 is down now', 'found carrier'],
    });
    expect(finding.remedy).toContain('Nothing to do');
  });

  it('without a cable, fails each candidate NIC that has no carrier', () => {
    const wire = labWire();
    const context = withWire({
      ...wire,
      privateLink: null,
      measurement: null,
      carriers: {
        ...wire.carriers,
        b: new Map([...wire.carriers.b].map(([nic]) => [nic, nic === 'enp2s0' ? false : true])),
      },
    });
    expectOne(run(netLinkDown, context), {
      id: 'net.link-down',
      severity: 'fail',
      node: LAB.b,
      words: ['enp2s0 has no carrier', 'meant for the private link'],
    });
  });
});

describe('net.speed-low', () => {
  it('passes 10 Gb/s (the lab’s veth pair reports 10000Mb/s)', () => {
    expectOne(run(netSpeedLow, labContext()), {
      id: 'net.speed-low',
      severity: 'pass',
      words: ['runs at 10 Gb/s'],
    });
  });

  it('warns below 10 Gb/s, taking the slower end', () => {
    const context = withWire(withLinkState(labWire(), 'a', { speedMbps: 1000 }));
    expectOne(run(netSpeedLow, context), {
      id: 'net.speed-low',
      severity: 'warn',
      words: ['runs at 1 Gb/s', '10 Gb/s is recommended'],
    });
  });

  it('fails below 1 Gb/s', () => {
    const context = withWire(withLinkState(labWire(), 'b', { speedMbps: 100 }));
    expectOne(run(netSpeedLow, context), {
      id: 'net.speed-low',
      severity: 'fail',
      words: ['runs at 100 Mb/s'],
    });
  });

  it('gives info when a NIC reports no speed', () => {
    const context = withWire(withLinkState(labWire(), 'b', { speedMbps: null }));
    expectOne(run(netSpeedLow, context), {
      id: 'net.speed-low',
      severity: 'info',
      words: ['do not report a link speed'],
    });
  });
});

describe('net.mtu-mismatch', () => {
  it('passes MTU 1500 on both ends, carried unfragmented (the lab)', () => {
    expectOne(run(netMtuMismatch, labContext()), {
      id: 'net.mtu-mismatch',
      severity: 'pass',
      words: ['MTU 1500 on both ends', 'unfragmented'],
    });
  });

  it('fails when the ends’ MTU differ, with the command to fix it', () => {
    const context = withWire(withLinkState(labWire(), 'b', { mtu: 9000 }));
    const finding = expectOne(run(netMtuMismatch, context), {
      id: 'net.mtu-mismatch',
      severity: 'fail',
      words: ['1500 on 10.211.0.11:enp3s0', '9000 on 10.211.0.12:enp2s0'],
    });
    expect(finding.remedy).toContain('ip link set enp3s0 mtu 9000');
  });

  it('fails when a full-size packet does not cross (captured: ping -M do -s 8952 on a 1500 link)', () => {
    const ping = parsePing(wireCapture('ping-mtu-9000-fail.txt'));
    const wire = withMeasurement(
      withLinkState(withLinkState(labWire(), 'a', { mtu: 9000 }), 'b', { mtu: 9000 }),
      { mtuProbe: { mtu: 9000, passed: ping.received > 0 } },
    );
    expectOne(run(netMtuMismatch, withWire(wire)), {
      id: 'net.mtu-mismatch',
      severity: 'fail',
      words: ['Both ends say MTU 9000', 'a 9000-byte packet does not cross'],
    });
  });

  it('warns when the path could not be tested (no link-local address at the far end)', () => {
    const wire = withMeasurement(withLinkState(labWire(), 'b', { linkLocal: null }), {
      mtuProbe: null,
      latency: null,
    });
    expectOne(run(netMtuMismatch, withWire(wire)), {
      id: 'net.mtu-mismatch',
      severity: 'warn',
      words: ['could not be tested', 'no link-local address on 10.211.0.12:enp2s0'],
    });
  });

  // BUG: an end whose MTU could not be read is reported as a mismatch with the word "null".
  it('does not print "null" for an MTU it could not read', () => {
    const context = withWire(withLinkState(labWire(), 'b', { mtu: null }));
    const [finding] = run(netMtuMismatch, context);
    expect(finding?.message).not.toContain('null');
  });

  // Doubt vs docs/checks.md ("the path does not carry the configured MTU"): network.private.mtu
  // of the site file is never compared; with mtu: 9000 configured and a 1500 path the check passes.
  it('does not pass when the site file’s MTU is larger than the path carries', () => {
    const context = labContext({ site: labSite('network:\n  private:\n    mtu: 9000\n') });
    expect(run(netMtuMismatch, context)[0]?.severity).not.toBe('pass');
  });
});

describe('net.latency-high', () => {
  it('passes 0.15 ms (captured ping over the lab cable)', () => {
    expectOne(run(netLatencyHigh, labContext()), {
      id: 'net.latency-high',
      severity: 'pass',
      words: ['0.15 ms on average', '(5/5 replies)'],
    });
  });

  const withAverage = (averageMs: number) => {
    const latency = labWire().measurement!.latency!;
    return withWire(withMeasurement(labWire(), { latency: { ...latency, averageMs } }));
  };

  it('warns above 1 ms', () => {
    expectOne(run(netLatencyHigh, withAverage(2.5)), {
      id: 'net.latency-high',
      severity: 'warn',
      words: ['2.50 ms'],
    });
  });

  it('fails above 5 ms', () => {
    expectOne(run(netLatencyHigh, withAverage(12)), {
      id: 'net.latency-high',
      severity: 'fail',
      words: ['12 ms'],
    });
  });

  it('fails when no reply crossed (captured: ping to an absent link-local address)', () => {
    const ping = parsePing(wireCapture('ping-latency-no-reply.txt'));
    const context = withWire(withMeasurement(labWire(), { latency: ping.received > 0 ? ping : null }));
    expectOne(run(netLatencyHigh, context), {
      id: 'net.latency-high',
      severity: 'fail',
      words: ['No reply crossed the private link'],
    });
  });

  // BUG: when the far end has no link-local address the probe sends no ping at all
  // (measure() returns latency null), yet the finding says "No reply crossed" and fails,
  // while net.mtu-mismatch only warns that the path could not be tested.
  it('says latency was not measured when no ping could be sent', () => {
    const wire = withMeasurement(withLinkState(labWire(), 'b', { linkLocal: null }), {
      mtuProbe: null,
      latency: null,
    });
    const [finding] = run(netLatencyHigh, withWire(wire));
    expect(finding?.message).not.toContain('No reply crossed');
  });
});

describe('net.address-conflict', () => {
  it('passes the automatic choice, a /30 nothing uses (the lab)', () => {
    const finding = expectOne(run(netAddressConflict, labContext()), {
      id: 'net.address-conflict',
      severity: 'pass',
      words: ['10.254.0.0/30', 'nothing on either server uses'],
    });
    expect(finding.subject).toBe('10.254.0.0/30');
  });

  it('passes a configured subnet that is free', () => {
    const context = labContext({ site: labSite('network:\n  private:\n    subnet: 10.99.0.0/30\n') });
    expectOne(run(netAddressConflict, context), {
      id: 'net.address-conflict',
      severity: 'pass',
      words: ['10.99.0.0/30 is free on both servers'],
    });
  });

  it('fails a subnet overlapping the management network, naming each address', () => {
    const context = labContext({ site: labSite('network:\n  private:\n    subnet: 10.211.0.0/30\n') });
    expectOne(run(netAddressConflict, context), {
      id: 'net.address-conflict',
      severity: 'fail',
      words: [
        '10.211.0.0/30 overlaps',
        '10.211.0.11/24 on 10.211.0.11:enp1s0',
        '10.211.0.12/24 on 10.211.0.12:enp1s0',
      ],
    });
  });

  it('fails a subnet that contains a server address', () => {
    const context = labContext({ site: labSite('network:\n  private:\n    subnet: 10.211.0.8/29\n') });
    expectOne(run(netAddressConflict, context), {
      id: 'net.address-conflict',
      severity: 'fail',
      words: ['10.211.0.11/24 on 10.211.0.11:enp1s0'],
    });
  });
});
