import { describe, expect, it } from 'vitest';
import { parseTicks } from '../../lab/ft-guest';
import { fixture } from './fixtures';

// The COLO test guest's serial consoles, from the lab run where the primary was killed (fixtures/PROVENANCE.md).

describe('parseTicks (the COLO test guest’s console)', () => {
  it('reads every counter line of the killed primary: one boot, counting from 1, disk one behind', () => {
    const ticks = parseTicks(fixture('console-fixed-7.2-primary-killed.txt'));
    expect(ticks[0]).toMatchObject({ n: 1, disk: null });
    expect(new Set(ticks.map((tick) => tick.boot)).size).toBe(1);
    ticks.slice(1).forEach((tick, i) => expect(tick.n).toBe((ticks[i]?.n ?? 0) + 1));
    expect(ticks.slice(1).every((tick) => tick.disk === tick.n - 1)).toBe(true);
    // Every 10th tick pings the gateway; the first, 3 s after boot, missed. Those under COLO (the proxy) answered.
    expect(ticks.filter((tick) => tick.n % 10 === 0).map((tick) => tick.net)).toEqual([
      'fail',
      'ok',
      'ok',
      'ok',
      'ok',
    ]);
  });

  it('shows the secondary never booted: its first line is mid-count, with the primary’s boot id', () => {
    const primary = parseTicks(fixture('console-fixed-7.2-primary-killed.txt'));
    const secondary = parseTicks(fixture('console-fixed-7.2-secondary-takes-over.txt'));
    expect(secondary[0]?.boot).toBe(primary[0]?.boot);
    expect(secondary[0]?.n).toBeGreaterThan(1);
    expect(secondary.at(-1)?.n).toBeGreaterThan(primary.at(-1)?.n ?? 0);
    // Between checkpoints the secondary runs on its own; a checkpoint may move it forward, never back.
    secondary.slice(1).forEach((tick, i) => expect(tick.n).toBeGreaterThan(secondary[i]?.n ?? 0));
  });
});
