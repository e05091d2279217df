import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  parseLinkState,
  parseNeighbourMacs,
  parsePing,
  parsePriorState,
} from '../../../provisioning/network/wire-parse';

const here = dirname(fileURLToPath(import.meta.url));
const captured = (name: string): string => readFileSync(join(here, 'fixtures', name), 'utf8');

describe('parseNeighbourMacs (ip -j -6 neigh show dev X, after ping -6 ff02::1%X)', () => {
  it('reads the one neighbour behind each lab cable: the far end’s MAC', () => {
    // a:enp3s0 is cabled to b:enp2s0 (MAC 26:e0:ef:15:2c:11) and a:enp2s0 to b:enp3s0 (8a:dc:ab:cb:58:b8).
    expect(parseNeighbourMacs(captured('neigh-a-enp3s0.json'))).toEqual(['26:e0:ef:15:2c:11']);
    expect(parseNeighbourMacs(captured('neigh-a-enp2s0.json'))).toEqual(['8a:dc:ab:cb:58:b8']);
    expect(parseNeighbourMacs(captured('neigh-b-enp2s0.json'))).toEqual(['ae:55:8b:8d:a2:0d']);
  });

  it('reads an empty table as no neighbours', () => {
    expect(parseNeighbourMacs(captured('neigh-a-lo.json'))).toEqual([]);
    expect(parseNeighbourMacs('')).toEqual([]);
  });
});

describe('parseLinkState (linkStateScript: ip -j link, ethtool Speed, ip -j -6 addr scope link)', () => {
  it('reads carrier, speed, MTU, state and link-local address of a lab NIC', () => {
    expect(parseLinkState(captured('link-state-a-enp3s0.txt'))).toEqual({
      carrier: true,
      speedMbps: 10000,
      mtu: 1500,
      operState: 'up',
      linkLocal: 'fe80::ac55:8bff:fe8d:a20d',
    });
    expect(parseLinkState(captured('link-state-b-enp2s0.txt')).linkLocal).toBe('fe80::24e0:efff:fe15:2c11');
  });

  it('reads loopback: no ethtool speed, no link-local address', () => {
    expect(parseLinkState(captured('link-state-a-lo.txt'))).toEqual({
      carrier: true,
      speedMbps: null,
      mtu: 65536,
      operState: 'unknown',
      linkLocal: null,
    });
  });

  it('knows nothing from an empty output', () => {
    expect(parseLinkState('')).toEqual({
      carrier: null,
      speedMbps: null,
      mtu: null,
      operState: null,
      linkLocal: null,
    });
  });
});

describe('parsePing (iputils)', () => {
  it('reads the latency ping over the lab cable', () => {
    expect(parsePing(captured('ping-latency-a-enp3s0.txt'))).toEqual({
      transmitted: 5,
      received: 5,
      averageMs: 0.15,
      maxMs: 0.23,
    });
  });

  it('reads a full-size unfragmented packet that crossed (MTU 1500)', () => {
    expect(parsePing(captured('ping-mtu-1500-pass.txt'))).toMatchObject({ transmitted: 2, received: 2 });
  });

  it('reads a too-large packet refused locally ("message too long", +1 errors)', () => {
    expect(parsePing(captured('ping-mtu-9000-fail.txt'))).toEqual({
      transmitted: 1,
      received: 0,
      averageMs: null,
      maxMs: null,
    });
  });

  it('reads a ping that got only "Address unreachable" errors', () => {
    expect(parsePing(captured('ping-latency-no-reply.txt'))).toEqual({
      transmitted: 12,
      received: 0,
      averageMs: null,
      maxMs: null,
    });
  });
});

describe('parsePriorState (prepareScript’s first line)', () => {
  it('reads a NIC that was up with IPv6 on (the lab)', () => {
    expect(parsePriorState(captured('prior-a-enp3s0.txt'))).toEqual({ wasUp: true, ipv6WasDisabled: false });
  });

  it('reads a NIC that was down with IPv6 off', () => {
    expect(parsePriorState('down 1\n')).toEqual({ wasUp: false, ipv6WasDisabled: true });
  });
});
