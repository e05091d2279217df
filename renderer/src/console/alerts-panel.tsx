import { Badge, Button, Card, Group, Stack, Text, Title } from '@mantine/core';
import type { Alert as PairAlert } from '../../../provisioning/api/monitor';
import { ErrorNotice } from '../components/error-notice';
import { StatusIcon } from '../components/status-icon';
import { useWizard } from '../store/store-context';
import { NotifyControl } from './notify-control';

/** Recent alerts, newest first, each acknowledgeable (kept in the pair's event log on disk). */
export function AlertsPanel({ alerts }: { alerts: readonly PairAlert[] }) {
  const acknowledge = useWizard((state) => state.acknowledgeAlert);
  const acknowledging = useWizard((state) => state.acknowledging);
  const ackError = useWizard((state) => state.ackError);
  const open = alerts.filter((alert) => !alert.acknowledgedAt).length;
  return (
    <Card withBorder padding="lg" component="section" aria-labelledby="console-alerts">
      <Group justify="space-between" mb="sm">
        <Title order={2} size="h4" id="console-alerts">
          Recent alerts
        </Title>
        {alerts.length > 0 && (
          <Text size="xs" c="dimmed">
            {open === 0 ? 'All acknowledged' : `${open} not acknowledged`}
          </Text>
        )}
      </Group>
      <Group justify="flex-end" mb="sm">
        <NotifyControl />
      </Group>
      {ackError && <ErrorNotice error={ackError} title="The alert could not be acknowledged" />}
      {alerts.length === 0 ? (
        <Text size="sm" c="dimmed">
          No alerts.
        </Text>
      ) : (
        <Stack gap={6} component="ul" style={{ listStyle: 'none', margin: 0, padding: 0 }} aria-label="Recent alerts">
          {[...alerts]
            .reverse()
            .slice(0, 8)
            .map((alert) => (
              <Group component="li" key={alert.id} gap="sm" wrap="nowrap" align="flex-start" aria-label={alert.message} style={{ opacity: alert.acknowledgedAt ? 0.65 : 1 }}>
                <StatusIcon
                  kind={alert.severity === 'critical' ? 'fail' : alert.severity === 'warn' ? 'warn' : 'info'}
                  label={alert.severity === 'critical' ? 'Critical' : alert.severity === 'warn' ? 'Warning' : 'Information'}
                  size={18}
                />
                <div style={{ flex: 1 }}>
                  <Text size="sm">{alert.message}</Text>
                  <Text size="xs" c="dimmed">
                    {new Date(alert.at).toLocaleString()}
                  </Text>
                </div>
                {alert.acknowledgedAt ? (
                  <Badge variant="light" color="gray" title={`Acknowledged ${new Date(alert.acknowledgedAt).toLocaleString()}`}>
                    Acknowledged
                  </Badge>
                ) : (
                  <Button size="compact-xs" variant="subtle" loading={acknowledging.includes(alert.id)} aria-label={`Acknowledge: ${alert.message}`} onClick={() => void acknowledge(alert.id)}>
                    Acknowledge
                  </Button>
                )}
              </Group>
            ))}
        </Stack>
      )}
    </Card>
  );
}
