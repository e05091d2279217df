import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { seriesId } from '../../../provisioning/api/monitor';
import { MetricHistory } from '../../../provisioning/monitor/history';
import { historyPath, loadHistory, saveHistory } from '../../../provisioning/monitor/history-store';
import { RingBuffer } from '../../../provisioning/monitor/ring-buffer';

describe('ring buffer', () => {
  it('keeps the newest items up to its capacity, oldest first', () => {
    const ring = new RingBuffer<number>(3);
    for (const n of [1, 2, 3, 4, 5]) ring.push(n);
    expect(ring.toArray()).toEqual([3, 4, 5]);
    expect(ring.size).toBe(3);
  });

  it('drops from the old end while a condition holds', () => {
    const ring = new RingBuffer<number>(4);
    for (const n of [1, 2, 3, 4, 5]) ring.push(n);
    ring.dropWhile((n) => n < 4);
    expect(ring.toArray()).toEqual([4, 5]);
    ring.dropWhile(() => true);
    expect(ring.toArray()).toEqual([]);
    ring.push(9);
    expect(ring.toArray()).toEqual([9]);
    expect(() => new RingBuffer(0)).toThrow(RangeError);
  });
});

describe('metric history', () => {
  const latency = seriesId('latency', 'corosync-0');
  const throughput = seriesId('throughput', 'replication');
  const t0 = Date.parse('2026-11-29T12:00:00Z');

  it('keeps one series per id over the last hour, labelled, gaps kept as null', () => {
    const history = new MetricHistory();
    history.record({ at: t0, values: { [latency]: 0.2, [throughput]: null } }, { [latency]: 'Cluster link 0', [throughput]: 'Replication link (eth1)' });
    history.record({ at: t0 + 5000, values: { [latency]: 0.3, [throughput]: 2048 } });
    history.record({ at: t0 + 3_600_000 + 1000, values: { [latency]: 0.4 } });
    const view = history.toHistory(t0 + 3_600_000 + 1000);
    expect(view.windowSeconds).toBe(3600);
    // The first poll fell out of the hour; the throughput series keeps its second point.
    expect(view.series).toEqual([
      { id: latency, kind: 'latency', label: 'Cluster link 0', points: [[t0 + 5000, 0.3], [t0 + 3_601_000, 0.4]] },
      { id: throughput, kind: 'throughput', label: 'Replication link (eth1)', points: [[t0 + 5000, 2048]] },
    ]);
    expect(history.toHistory(t0 + 2 * 3_600_000 + 2000).series).toEqual([]);
  });

  it('is bounded by its capacity whatever the poll rate, and ignores unknown kinds', () => {
    const history = new MetricHistory(3600, 10);
    for (let i = 0; i < 25; i++) history.record({ at: t0 + i * 100, values: { [latency]: i, 'cpu:a': 1 } });
    const [series] = history.toHistory(t0 + 2500).series;
    expect(series?.points.length).toBe(10);
    expect(series?.points[0]).toEqual([t0 + 1500, 15]);
    expect(history.toHistory(t0 + 2500).series.map((each) => each.id)).toEqual([latency]);
  });

  describe('on disk', () => {
    const dir = mkdtempSync('/tmp/lockstep-history-');
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('survives a restart: saved whole, read back; a damaged file is an empty history', () => {
      const path = historyPath('labpair', { LOCKSTEP_STATE_DIR: dir });
      expect(path).toBe(join(dir, 'history', 'labpair.json'));
      const history = new MetricHistory();
      history.record({ at: t0, values: { [latency]: 0.25 } }, { [latency]: 'Cluster link 0' });
      saveHistory(path, history, t0);
      expect(loadHistory(path).toHistory(t0 + 1000).series).toEqual([{ id: latency, kind: 'latency', label: 'Cluster link 0', points: [[t0, 0.25]] }]);
      writeFileSync(path, '{"windowSeconds": 3600, "series": [tor');
      expect(loadHistory(path).toHistory(t0).series).toEqual([]);
      expect(loadHistory(join(dir, 'missing.json')).toHistory(t0).series).toEqual([]);
    });
  });
});
