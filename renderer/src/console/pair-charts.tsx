import { Card, SimpleGrid, Text, Title } from '@mantine/core';
import { useId } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { MetricKind, PairHistory } from '../../../provisioning/api/monitor';
import { chartView, formatMetric, type ChartView } from './chart-data';

/** The console's two charts over the last hour: link latency and replication throughput. */
export function PairCharts({ history }: { history: PairHistory }) {
  return (
    <Card withBorder padding="lg" component="section" aria-labelledby="console-charts">
      <Title order={2} size="h4" id="console-charts" mb="sm">
        The last hour
      </Title>
      <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="lg">
        <MetricChart view={chartView(history, 'latency')} />
        <MetricChart view={chartView(history, 'throughput')} />
      </SimpleGrid>
    </Card>
  );
}

const time = (at: number): string => new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

/**
 * One chart as a figure: the picture is hidden from screen readers, which read the
 * figure's name and its text summary instead (now, average, peak per line).
 */
function MetricChart({ view }: { view: ChartView }) {
  const summaryId = useId();
  const format = (value: number): string => formatMetric(view.kind as MetricKind, value);
  return (
    <figure aria-label={`${view.title} chart`} aria-describedby={summaryId} style={{ margin: 0 }}>
      <Text component="figcaption" fw={600} size="sm" mb={6}>
        {view.title}
      </Text>
      {view.empty ? (
        <div style={{ height: 180, display: 'grid', placeItems: 'center', border: '1px dashed var(--mantine-color-gray-4)', borderRadius: 8 }} aria-hidden>
          <Text size="sm" c="dimmed">
            No measurements yet
          </Text>
        </div>
      ) : (
        <div aria-hidden style={{ height: 180 }}>
          <ResponsiveContainer width="100%" height="100%">
            <LineChart data={[...view.rows]} margin={{ top: 4, right: 12, bottom: 0, left: 4 }}>
              <CartesianGrid strokeDasharray="3 3" stroke="var(--mantine-color-gray-3)" />
              <XAxis dataKey="at" type="number" scale="time" domain={['dataMin', 'dataMax']} tickFormatter={time} fontSize={11} />
              <YAxis tickFormatter={format} width={76} fontSize={11} />
              <Tooltip labelFormatter={(at) => new Date(Number(at)).toLocaleTimeString()} formatter={(value) => (typeof value === 'number' ? format(value) : '—')} />
              <Legend wrapperStyle={{ fontSize: 12 }} />
              {view.lines.map((line) => (
                <Line key={line.key} dataKey={line.key} name={line.label} stroke={line.color} dot={false} isAnimationActive={false} connectNulls={false} />
              ))}
            </LineChart>
          </ResponsiveContainer>
        </div>
      )}
      <Text id={summaryId} size="xs" c="dimmed" mt={6}>
        {view.summary}
      </Text>
    </figure>
  );
}
