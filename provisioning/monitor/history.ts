/**
 * The console's charts: one ring buffer of `[time, value]` points per series (link
 * latency per Corosync link, replication-link throughput), pruned to the last hour.
 * Kept by the monitor for as long as it watches, and saved to disk by the caller
 * (`history-store.ts`) so that the charts survive a restart of the app or the CLI.
 */
import {
  HISTORY_WINDOW_SECONDS,
  seriesKind,
  type MetricSample,
  type MetricSeries,
  type PairHistory,
} from '../api/monitor';
import { RingBuffer } from './ring-buffer';

/** An hour of 5-second polls is 720; event-triggered polls add some, so twice that is ample. */
const DEFAULT_CAPACITY = 1440;

/** The series of one pair's charts, each a bounded ring of points over the window. */
export class MetricHistory {
  private readonly series = new Map<string, RingBuffer<[number, number | null]>>();
  private readonly labels = new Map<string, string>();

  constructor(
    readonly windowSeconds: number = HISTORY_WINDOW_SECONDS,
    private readonly capacity: number = DEFAULT_CAPACITY,
  ) {}

  /** Adds one poll's values; a series seen for the first time starts here. */
  record(sample: MetricSample, labels: Readonly<Record<string, string>> = {}): void {
    for (const [id, label] of Object.entries(labels)) this.labels.set(id, label);
    for (const [id, value] of Object.entries(sample.values)) {
      if (seriesKind(id) === null) continue;
      let ring = this.series.get(id);
      if (!ring) {
        ring = new RingBuffer(this.capacity);
        this.series.set(id, ring);
      }
      ring.push([sample.at, value === null || Number.isFinite(value) ? value : null]);
    }
    this.prune(sample.at);
  }

  /** The series as the API returns them: oldest point first, only the last `windowSeconds`. */
  toHistory(now: number = Date.now()): PairHistory {
    this.prune(now);
    const series: MetricSeries[] = [];
    for (const [id, ring] of [...this.series].sort(([x], [y]) => x.localeCompare(y))) {
      const kind = seriesKind(id);
      const points = ring.toArray();
      if (!kind || points.length === 0) continue;
      series.push({ id, kind, label: this.labels.get(id) ?? id, points });
    }
    return { windowSeconds: this.windowSeconds, series };
  }

  /** Restores a saved history (points older than the window are dropped on the next read). */
  static from(history: PairHistory, capacity: number = DEFAULT_CAPACITY): MetricHistory {
    const restored = new MetricHistory(history.windowSeconds, capacity);
    for (const series of history.series) {
      restored.labels.set(series.id, series.label);
      const ring = new RingBuffer<[number, number | null]>(capacity);
      for (const point of series.points) ring.push([point[0], point[1]]);
      restored.series.set(series.id, ring);
    }
    return restored;
  }

  private prune(now: number): void {
    const oldest = now - this.windowSeconds * 1000;
    for (const [id, ring] of this.series) {
      ring.dropWhile(([at]) => at < oldest);
      if (ring.size === 0) this.series.delete(id);
    }
  }
}
