import { describe, expect, it } from 'vitest';
import { INITIAL_HEARTBEAT, nextHeartbeat, watchHeartbeat } from '../../../provisioning/ft/heartbeat';

describe('nextHeartbeat', () => {
  const options = { misses: 3 };

  it('declares the peer lost after the given number of failed probes in a row, not before', () => {
    let state = nextHeartbeat(INITIAL_HEARTBEAT, 1000, null, options);
    expect(state).toEqual({ consecutiveMisses: 0, lastOkAt: 1000, lost: false, lastError: null });
    state = nextHeartbeat(state, 1250, 'no answer within 1000 ms', options);
    state = nextHeartbeat(state, 1500, 'no answer within 1000 ms', options);
    expect(state.lost).toBe(false);
    state = nextHeartbeat(state, 1750, 'QMP connection to primary is closed', options);
    expect(state).toEqual({
      consecutiveMisses: 3,
      lastOkAt: 1000,
      lost: true,
      lastError: 'QMP connection to primary is closed',
    });
    // Once lost, stays lost: a late answer does not undo a failover decision.
    expect(nextHeartbeat(state, 2000, null, options)).toBe(state);
  });

  it('forgives a miss followed by an answer', () => {
    let state = nextHeartbeat(INITIAL_HEARTBEAT, 0, 'slow', options);
    state = nextHeartbeat(state, 250, 'slow', options);
    state = nextHeartbeat(state, 500, null, options);
    expect(state).toMatchObject({ consecutiveMisses: 0, lost: false, lastOkAt: 500 });
  });
});

describe('watchHeartbeat', () => {
  it('resolves with the loss once the probe keeps failing', async () => {
    let calls = 0;
    const loss = await watchHeartbeat(
      async () => {
        calls += 1;
        if (calls > 2) throw new Error('QMP connection to primary is closed');
      },
      { intervalMs: 5, misses: 3, probeTimeoutMs: 100 },
    );
    expect(loss).toMatchObject({ lastError: 'QMP connection to primary is closed', probes: 5 });
    expect(loss?.lastOkAt).not.toBeNull();
  });

  it('counts a probe that hangs as a miss', async () => {
    const loss = await watchHeartbeat(() => new Promise<void>(() => undefined), {
      intervalMs: 1,
      misses: 2,
      probeTimeoutMs: 10,
    });
    expect(loss).toMatchObject({ lastError: 'no answer within 10 ms', probes: 2, lastOkAt: null });
  });

  it('stops with null when aborted', async () => {
    const controller = new AbortController();
    const watching = watchHeartbeat(
      async () => undefined,
      { intervalMs: 1000, misses: 3, probeTimeoutMs: 100 },
      controller.signal,
    );
    controller.abort();
    await expect(watching).resolves.toBeNull();
  });
});
