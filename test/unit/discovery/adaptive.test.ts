import { describe, expect, it } from 'vitest';
import { ADAPTIVE_FLOOR_MS, adaptiveLimitMs } from '../../../provisioning/discovery/scan';

describe('adaptiveLimitMs', () => {
  it('waits the full timeout until the range has answered once', () => {
    expect(adaptiveLimitMs(undefined, 1500)).toBe(1500);
  });

  it('waits ten times the slowest answer, never less than the floor nor more than the timeout', () => {
    expect(adaptiveLimitMs(0.2, 1500)).toBe(ADAPTIVE_FLOOR_MS);
    expect(adaptiveLimitMs(80, 1500)).toBe(800);
    expect(adaptiveLimitMs(400, 1500)).toBe(1500);
    expect(adaptiveLimitMs(0.2, 300)).toBe(300);
  });
});
