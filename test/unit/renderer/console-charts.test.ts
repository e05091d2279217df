import { describe, expect, it } from 'vitest';
import { seriesId, type PairHistory } from '../../../provisioning/api/monitor';
import { chartView, formatMetric } from '../../../renderer/src/console/chart-data';
import { appendSample, emptyHistory } from '../../../renderer/src/console/history';

const t0 = Date.parse('2026-11-29T12:00:00Z');
const latency0 = seriesId('latency', 'corosync-0');
const latency1 = seriesId('latency', 'corosync-1');
const replication = seriesId('throughput', 'replication');

describe('the console keeps the monitor history live', () => {
  it('appends each poll to its series, starts new series, and drops what left the hour', () => {
    let history: PairHistory = emptyHistory;
    history = appendSample(history, { at: t0, values: { [latency0]: 0.2 } }, { [latency0]: 'Cluster link 0' });
    history = appendSample(history, { at: t0 + 5000, values: { [latency0]: 0.3, [replication]: 1024 } }, { [replication]: 'Replication link (host1)' });
    expect(history.series.map((each) => [each.id, each.label, each.points.length])).toEqual([
      [latency0, 'Cluster link 0', 2],
      [replication, 'Replication link (host1)', 1],
    ]);
    history = appendSample(history, { at: t0 + 3_600_000 + 6000, values: { [latency0]: 0.4 } }, {});
    expect(history.series.map((each) => [each.id, each.points])).toEqual([[latency0, [[t0 + 3_600_000 + 6000, 0.4]]]]);
  });
});

describe('chart data', () => {
  const history: PairHistory = {
    windowSeconds: 3600,
    series: [
      { id: latency0, kind: 'latency', label: 'Cluster link 0', points: [[t0, 0.2], [t0 + 60_000, 0.4], [t0 + 120_000, null]] },
      { id: latency1, kind: 'latency', label: 'Cluster link 1', points: [[t0 + 60_000, 1.5]] },
      { id: replication, kind: 'throughput', label: 'Replication link (eth1)', points: [[t0, 1048576]] },
    ],
  };

  it('merges the series of one chart into rows by time, gaps staying gaps', () => {
    const view = chartView(history, 'latency');
    expect(view.title).toBe('Link latency');
    expect(view.rows).toEqual([
      { at: t0, [latency0]: 0.2 },
      { at: t0 + 60_000, [latency0]: 0.4, [latency1]: 1.5 },
      { at: t0 + 120_000, [latency0]: null },
    ]);
    expect(view.lines.map((line) => [line.key, line.label])).toEqual([
      [latency0, 'Cluster link 0'],
      [latency1, 'Cluster link 1'],
    ]);
    expect(view.empty).toBe(false);
  });

  it('breaks the lines where no watch was running, instead of drawing across the hole', () => {
    const gappy: PairHistory = {
      windowSeconds: 3600,
      series: [{ id: latency0, kind: 'latency', label: 'Cluster link 0', points: [[t0, 0.2], [t0 + 5000, 0.3], [t0 + 20 * 60_000, 0.4]] }],
    };
    expect(chartView(gappy, 'latency').rows).toEqual([
      { at: t0, [latency0]: 0.2 },
      { at: t0 + 5000, [latency0]: 0.3 },
      { at: t0 + 5001, [latency0]: null },
      { at: t0 + 20 * 60_000, [latency0]: 0.4 },
    ]);
  });

  it('says in words what the picture shows: now, average and peak per line', () => {
    expect(chartView(history, 'latency').summary).toBe(
      'Link latency over the last 2 minutes: Cluster link 0: no value now, average 0.30 ms, peak 0.40 ms, 1 sample without a value. Cluster link 1: now 1.50 ms, average 1.50 ms, peak 1.50 ms.',
    );
    expect(chartView(history, 'throughput').summary).toBe(
      'Replication throughput over the last minute: Replication link (eth1): now 1 MiB/s, average 1 MiB/s, peak 1 MiB/s.',
    );
  });

  it('says when there is nothing to draw yet', () => {
    const view = chartView(emptyHistory, 'throughput');
    expect(view.empty).toBe(true);
    expect(view.summary).toBe('Replication throughput: no measurements yet (the replication link is not known yet).');
    expect(formatMetric('throughput', 512)).toBe('512 B/s');
  });
});
