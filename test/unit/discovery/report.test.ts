import { describe, expect, it } from 'vitest';
import type { DiscoveryRow } from '../../../provisioning/discovery/scan';
import { toRow } from '../../../provisioning/discovery/scan';
import {
  formatEndpoint,
  formatRow,
  formatRtt,
  formatSummary,
  isShown,
  summarise,
} from '../../../provisioning/discovery/report';

// Banner and fingerprint as `discover` printed them for a throwaway OpenSSH 9.2p1 sshd on a Debian 12 machine.
const BANNER = 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10';
const FINGERPRINT = 'SHA256:WeSV6IM9ROQKsQ/4pKVStrKliVPH7kfVIrclqZI3AgE';

const sshRow: DiscoveryRow = toRow(
  { host: '10.211.0.11', port: 22, target: '10.211.0.0/24', single: false },
  {
    kind: 'host-key',
    info: {
      endpoint: { host: '10.211.0.11', port: 22 },
      banner: BANNER,
      keyType: 'ssh-ed25519',
      fingerprint: FINGERPRINT,
      publicKey: 'AAAA',
      rttMs: 0.4213,
    },
  },
);
const closedRow = toRow(
  { host: '10.211.0.13', port: 22, target: '10.211.0.0/24', single: false },
  { kind: 'closed', reason: 'connection refused' },
);
const silentNamed = toRow(
  { host: '2001:db8::5', port: 2222, target: '[2001:db8::5]:2222', single: true },
  { kind: 'no-answer', reason: 'no answer within 1500 ms' },
);

describe('toRow', () => {
  it('turns a host key into an ssh row with a rounded rtt', () => {
    expect(sshRow).toEqual({
      target: '10.211.0.0/24',
      name: null,
      address: '10.211.0.11',
      port: 22,
      state: 'ssh',
      banner: BANNER,
      keyType: 'ssh-ed25519',
      fingerprint: FINGERPRINT,
      rttMs: 0.42,
      reason: null,
      fromRange: true,
    });
  });

  it('calls an open port with an SSH banner but no key an SSH server, and anything else open-not-ssh', () => {
    const endpoint = { host: '10.0.0.5', port: 22, target: '10.0.0.5', single: true };
    expect(toRow(endpoint, { kind: 'open', rttMs: 1, banner: 'SSH-2.0-OpenSSH_9.2', reason: 'reset' }).state).toBe('ssh');
    expect(toRow(endpoint, { kind: 'open', rttMs: 1, banner: '220 smtp', reason: 'not SSH' }).state).toBe('open-not-ssh');
  });
});

describe('report', () => {
  it('prints an SSH server with key type, fingerprint, rtt and banner in columns', () => {
    expect(formatRow(sshRow)).toBe(
      `10.211.0.11:22         ssh-ed25519         ${FINGERPRINT}  0.42 ms  ${BANNER}`,
    );
  });

  it('prints the other states with their reason', () => {
    expect(formatRow(closedRow)).toBe('10.211.0.13:22         closed (connection refused)');
    expect(formatRow(silentNamed)).toBe('[2001:db8::5]:2222     no answer (no answer within 1500 ms)');
    expect(
      formatRow({ ...closedRow, name: 'nosuch.example', address: null, state: 'unresolved', reason: 'does not resolve' }),
    ).toBe('nosuch.example:22      does not resolve');
    expect(
      formatRow({ ...closedRow, state: 'open-not-ssh', rttMs: 3.14, banner: '220 mail ESMTP', reason: 'not SSH' }),
    ).toBe('10.211.0.13:22         open, not SSH in 3.1 ms (not SSH; says "220 mail ESMTP")');
  });

  it('names hosts that came from a hostname, and brackets IPv6', () => {
    expect(formatEndpoint({ name: 'db1', address: '10.0.0.5', port: 22 })).toBe('db1 (10.0.0.5):22');
    expect(formatEndpoint({ name: null, address: '::1', port: 2222 })).toBe('[::1]:2222');
  });

  it('formats round-trip times with useful precision', () => {
    expect([formatRtt(0.123), formatRtt(3.14159), formatRtt(120.4), formatRtt(null)]).toEqual([
      '0.12 ms',
      '3.1 ms',
      '120 ms',
      '',
    ]);
  });

  it('shows SSH servers and hosts named one by one; the rest of a range only with --all', () => {
    expect([isShown(sshRow, false), isShown(closedRow, false), isShown(silentNamed, false)]).toEqual([true, false, true]);
    expect(isShown(closedRow, true)).toBe(true);
  });

  it('summarises a scan in one line', () => {
    const rows = [sshRow, closedRow, silentNamed];
    expect(formatSummary(summarise(rows, 1634, false))).toBe(
      'scanned 3 addresses in 1.6 s, 1 SSH server (1 without SSH not shown: --all shows them)',
    );
    expect(formatSummary(summarise([], 12, true))).toBe('scanned 0 addresses in 0.0 s, 0 SSH servers');
    const unresolved: DiscoveryRow = { ...silentNamed, address: null, state: 'unresolved' };
    expect(formatSummary(summarise([sshRow, unresolved], 25_400, true))).toBe(
      'scanned 1 address in 25 s, 1 SSH server; 1 name did not resolve',
    );
  });
});
