import { describe, expect, it } from 'vitest';
import { formatBytes, formatSpeed } from '../../../provisioning/api/units';

describe('formatBytes', () => {
  it('uses binary units like lsblk', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1073741824)).toBe('1 GiB');
    expect(formatBytes(1.5 * 1073741824)).toBe('1.5 GiB');
    expect(formatBytes(274877906944)).toBe('256 GiB');
    expect(formatBytes(4000787030016)).toBe('3.6 TiB');
    expect(formatBytes(-1)).toBe('?');
  });
});

describe('formatSpeed', () => {
  it('prints NIC speeds as vendors do', () => {
    expect(formatSpeed(100)).toBe('100 Mb/s');
    expect(formatSpeed(1000)).toBe('1 Gb/s');
    expect(formatSpeed(2500)).toBe('2.5 Gb/s');
    expect(formatSpeed(25000)).toBe('25 Gb/s');
    expect(formatSpeed(null)).toBe('speed ?');
  });
});
