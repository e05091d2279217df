import { describe, expect, it } from 'vitest';
import {
  bannerSoftware,
  cpuSummary,
  endpointLabel,
  fingerprintGroups,
  formatBytes,
  formatDuration,
  formatRtt,
  formatSpeed,
  keyTypeLabel,
  splitTargets,
} from '../../../renderer/src/format';

describe('renderer formatting', () => {
  it('writes endpoints as people type them', () => {
    expect(endpointLabel({ host: '10.0.0.11', port: 22 })).toBe('10.0.0.11');
    expect(endpointLabel({ host: '10.0.0.11', port: 2222 })).toBe('10.0.0.11:2222');
    expect(endpointLabel({ host: '2001:db8::5', port: 2222 })).toBe('[2001:db8::5]:2222');
  });

  it('formats round-trip times, sizes, durations and speeds', () => {
    expect(formatRtt(0.52)).toBe('0.5 ms');
    expect(formatRtt(12.4)).toBe('12 ms');
    expect(formatRtt(1520)).toBe('1.5 s');
    expect(formatRtt(null)).toBe('—');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1.5 * 1024 ** 3)).toBe('1.5 GiB');
    expect(formatBytes(4 * 1024 ** 4)).toBe('4 TiB');
    expect(formatBytes(500 * 1024 ** 3)).toBe('500 GiB');
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(4200)).toBe('4.2 s');
    expect(formatDuration(65_000)).toBe('1 min 05 s');
    expect(formatSpeed(10_000)).toBe('10 Gb/s');
    expect(formatSpeed(100)).toBe('100 Mb/s');
    expect(formatSpeed(null)).toBe('speed unknown');
  });

  it('names key types the way people say them', () => {
    expect(keyTypeLabel('ssh-ed25519')).toBe('ED25519');
    expect(keyTypeLabel('ecdsa-sha2-nistp256')).toBe('ECDSA P-256');
    expect(keyTypeLabel('rsa-sha2-512')).toBe('RSA');
    expect(keyTypeLabel(null)).toBe('—');
  });

  it('groups a fingerprint by four without changing a character', () => {
    const fingerprint = 'SHA256:nEUPffnMzGf/GJjoTKxym2NCTBp9zD8wIl6Nlbs9rNk';
    const groups = fingerprintGroups(fingerprint);
    expect(groups[0]).toBe('nEUP');
    expect(`SHA256:${groups.join('')}`).toBe(fingerprint);
  });

  it('shows the software of a banner and splits typed targets', () => {
    expect(bannerSoftware('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10')).toBe('OpenSSH_9.2p1 Debian-2+deb12u10');
    expect(splitTargets(' 10.0.0.11, 10.0.0.12\nnode-c:2222 ')).toEqual([
      '10.0.0.11',
      '10.0.0.12',
      'node-c:2222',
    ]);
  });

  it('summarises a processor', () => {
    expect(
      cpuSummary({
        model: 'AMD EPYC 7302',
        vendor: 'AuthenticAMD',
        sockets: 1,
        coresPerSocket: 16,
        logicalCpus: 32,
      }),
    ).toBe('AMD EPYC 7302 · 16 cores, 32 threads');
  });
});
