import { HISTORY_WINDOW_SECONDS, seriesKind, type MetricSample, type PairHistory } from '../../../provisioning/api/monitor';

/**
 * The console's copy of the monitor's history: the watch's first answer, then one
 * sample per poll from the event stream, each appended to its series and the oldest
 * points dropped past the window. Pure, so the store and its tests share it.
 */
export const emptyHistory: PairHistory = { windowSeconds: HISTORY_WINDOW_SECONDS, series: [] };

/** The history after one more poll (pure). */
export function appendSample(history: PairHistory, sample: MetricSample, labels: Readonly<Record<string, string>>): PairHistory {
  const oldest = sample.at - history.windowSeconds * 1000;
  const series = history.series.map((each) => {
    const value = sample.values[each.id];
    const points = value === undefined ? each.points : [...each.points, [sample.at, value] as [number, number | null]];
    return { ...each, label: labels[each.id] ?? each.label, points: points.filter(([at]) => at >= oldest) };
  });
  for (const [id, value] of Object.entries(sample.values)) {
    const kind = seriesKind(id);
    if (!kind || series.some((each) => each.id === id)) continue;
    series.push({ id, kind, label: labels[id] ?? id, points: [[sample.at, value]] });
  }
  return { ...history, series: series.filter((each) => each.points.length > 0) };
}
