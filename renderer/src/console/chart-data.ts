import { formatBytes, formatMs } from '../../../provisioning/api/units';
import type { MetricKind, MetricSeries, PairHistory } from '../../../provisioning/api/monitor';

/**
 * Shapes the monitor's history for one chart (pure): the series of one kind merged
 * into rows by time (what recharts draws; a missing or null value is a gap), and the
 * chart's text summary — now, average and peak per line — which is what a screen
 * reader reads instead of the picture, and what a person reads at a glance.
 */
/** One line of a chart: its series id (the row key), label and colour. */
export interface ChartLine {
  readonly key: string;
  readonly label: string;
  readonly color: string;
}

/** One chart ready to draw and to read. */
export interface ChartView {
  readonly kind: MetricKind;
  readonly title: string;
  readonly rows: readonly ({ readonly at: number } & Readonly<Record<string, number | null>>)[];
  readonly lines: readonly ChartLine[];
  /** One sentence per line, for `aria` and for the caption. */
  readonly summary: string;
  readonly empty: boolean;
}

const TITLES: Record<MetricKind, string> = { latency: 'Link latency', throughput: 'Replication throughput' };
const COLORS = ['var(--mantine-color-indigo-6)', 'var(--mantine-color-teal-6)', 'var(--mantine-color-orange-6)', 'var(--mantine-color-grape-6)'];

/** A value of a kind as the console says it: `0.21 ms`, `12.5 MiB/s`. */
export function formatMetric(kind: MetricKind, value: number): string {
  return kind === 'latency' ? formatMs(value) : `${formatBytes(value)}/s`;
}

/** The chart of one kind from the history (pure). */
export function chartView(history: PairHistory, kind: MetricKind): ChartView {
  const series = history.series.filter((each) => each.kind === kind);
  const byTime = new Map<number, Record<string, number | null>>();
  for (const each of series)
    for (const [at, value] of each.points) byTime.set(at, { ...(byTime.get(at) ?? {}), [each.id]: value });
  const rows = breakGaps(
    [...byTime.entries()].sort(([x], [y]) => x - y).map(([at, values]) => ({ ...values, at })),
    series.map((each) => each.id),
  );
  const lines = series.map((each, index) => ({ key: each.id, label: each.label, color: COLORS[index % COLORS.length] ?? COLORS[0]! }));
  const measured = series.filter((each) => each.points.some(([, value]) => value !== null));
  const minutes = rows.length > 1 ? Math.max(1, Math.round((rows[rows.length - 1]!.at - rows[0]!.at) / 60_000)) : 0;
  const summary =
    measured.length === 0
      ? `${TITLES[kind]}: no measurements yet${kind === 'latency' ? ' (Corosync reports a link latency once the cluster runs)' : ' (the replication link is not known yet)'}.`
      : `${TITLES[kind]} over the last ${minutes === 0 ? 'minute' : `${minutes} minute${minutes === 1 ? '' : 's'}`}: ${measured.map((each) => describeSeries(kind, each)).join(' ')}`;
  return { kind, title: TITLES[kind], rows, lines, summary, empty: measured.length === 0 };
}

/** Longer than this without a poll (no watch was running) is a gap in the lines, not a straight line across it. */
export const GAP_MS = 120_000;

function breakGaps(rows: ({ at: number } & Record<string, number | null>)[], keys: readonly string[]): ({ at: number } & Record<string, number | null>)[] {
  const out: ({ at: number } & Record<string, number | null>)[] = [];
  for (const row of rows) {
    const last = out[out.length - 1];
    if (last && row.at - last.at > GAP_MS) out.push({ ...Object.fromEntries(keys.map((key) => [key, null])), at: last.at + 1 });
    out.push(row);
  }
  return out;
}

function describeSeries(kind: MetricKind, series: MetricSeries): string {
  const values = series.points.map(([, value]) => value).filter((value): value is number => value !== null);
  const latest = series.points[series.points.length - 1]?.[1] ?? null;
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  const peak = Math.max(...values);
  const gaps = series.points.length - values.length;
  return `${series.label}: ${latest === null ? 'no value now' : `now ${formatMetric(kind, latest)}`}, average ${formatMetric(kind, mean)}, peak ${formatMetric(kind, peak)}${gaps > 0 ? `, ${gaps} sample${gaps === 1 ? '' : 's'} without a value` : ''}.`;
}
