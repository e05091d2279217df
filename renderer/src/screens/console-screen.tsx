import { Alert, Badge, Button, Card, Group, Loader, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { lazy, Suspense, useEffect } from 'react';
import type { Alert as PairAlert, NodeState, PairHistory, PairLevel, PairState } from '../../../provisioning/api/monitor';
import { ErrorNotice } from '../components/error-notice';
import { ActionStatus } from '../console/action-status';
import { AlertsPanel } from '../console/alerts-panel';
import { ChecksPanel } from '../console/checks-panel';
import { ConfirmAction } from '../console/confirm-action';
import { CreateVmDialog } from '../console/create-vm-dialog';
import { VmPanel } from '../console/vm-panel';
import { ScreenHeader } from '../components/screen-header';
import { StatusIcon, type StatusKind } from '../components/status-icon';
import { formatBytes, formatUptime } from '../format';
import { formatMs } from '../../../provisioning/api/units';
import { useWizard } from '../store/store-context';

/** The charts pull in recharts (a third of the bundle): loaded when the console first shows them. */
const PairCharts = lazy(() => import('../console/pair-charts').then((module) => ({ default: module.PairCharts })));

const LEVEL_LOOK: Record<PairLevel, { label: string; color: string; kind: StatusKind; words: string }> = {
  protected: { label: 'Protected', color: 'teal', kind: 'pass', words: 'Either server can take over the other’s VMs.' },
  degraded: { label: 'Degraded', color: 'yellow', kind: 'warn', words: 'Still protected, with something to look at.' },
  unprotected: { label: 'Unprotected', color: 'orange', kind: 'fail', words: 'VMs run, but a failure now would stop them.' },
  down: { label: 'Down', color: 'red', kind: 'fail', words: 'The pair is not running VMs safely.' },
};

const CONDITION_LOOK: Record<NodeState['condition'], { label: string; color: string }> = {
  online: { label: 'Online', color: 'teal' },
  standby: { label: 'Standby', color: 'yellow' },
  maintenance: { label: 'Maintenance', color: 'blue' },
  lost: { label: 'Lost', color: 'red' },
  unreachable: { label: 'Unreachable', color: 'red' },
};

/** The console (step 12): the pair at a glance, refreshed live by a watch. */
export function ConsoleScreen() {
  const watch = useWizard((state) => state.console);
  const startWatch = useWizard((state) => state.startWatch);
  const stopWatch = useWizard((state) => state.stopWatch);
  const sitePath = useWizard((state) => state.sitePath);
  const watching = !!watch.operationId;
  const state = watch.state;

  useEffect(() => {
    if (!watch.operationId && !watch.error && sitePath) void startWatch();
    // Start once on arrival; the buttons below stop and restart it.
  }, []);

  return (
    <section>
      <ScreenHeader title="Console">
        The pair as it is now: whether your VMs are protected and why, both servers, their links, the mirrored
        storage, the VMs and recent alerts. It refreshes by itself.
      </ScreenHeader>

      <Group justify="space-between" mb="md">
        <Group gap="xs" role="status" aria-label="Watch status">
          {watch.starting ? (
            <>
              <Loader size="xs" />
              <Text size="sm">Connecting to both servers…</Text>
            </>
          ) : watching && state ? (
            <>
              <span className="lockstep-live-dot" aria-hidden />
              <Text size="sm" c="dimmed">
                Watching live · updated {new Date(state.at).toLocaleTimeString()}
              </Text>
            </>
          ) : (
            <Text size="sm" c="dimmed">
              Not watching{state ? ` · last update ${new Date(state.at).toLocaleTimeString()}` : ''}
            </Text>
          )}
        </Group>
        {watching ? (
          <Button variant="subtle" onClick={() => void stopWatch()}>
            Stop watching
          </Button>
        ) : (
          <Button variant="light" onClick={() => void startWatch()} loading={watch.starting} disabled={!sitePath}>
            Watch the pair
          </Button>
        )}
      </Group>

      {watch.error && <ErrorNotice error={watch.error} title="The pair could not be watched" />}
      {state && <PairView state={state} alerts={watch.alerts} history={watch.history} />}
      <ConfirmAction />
      <CreateVmDialog />
    </section>
  );
}

function PairView({ state, alerts, history }: { state: PairState; alerts: readonly PairAlert[]; history: PairHistory }) {
  const look = LEVEL_LOOK[state.level];
  return (
    <Stack gap="lg">
      <ActionStatus />
      <Card withBorder padding="lg" component="section" aria-labelledby="pair-level" style={{ borderLeft: `4px solid var(--mantine-color-${look.color}-6)` }}>
        <Group gap="md" align="flex-start" wrap="nowrap">
          <StatusIcon kind={look.kind} label={look.label} size={36} />
          <div>
            <Title order={2} size="h3" id="pair-level">
              Pair state: {look.label}
            </Title>
            <Text size="sm" c="dimmed">
              {look.words}
            </Text>
            {state.reasons.length > 0 && (
              <Stack gap={4} component="ul" mt="sm" style={{ margin: '8px 0 0', paddingLeft: 18 }} aria-label="Reasons">
                {state.reasons.map((reason, index) => (
                  <Text component="li" size="sm" key={`${reason.code}-${index}`}>
                    {reason.message}
                  </Text>
                ))}
              </Stack>
            )}
          </div>
        </Group>
      </Card>

      {!state.fencing.configured && (
        <Alert color="orange" variant="light" title="No fencing" role="note">
          {state.fencing.acknowledgedNone
            ? 'This pair runs without fencing, a risk acknowledged in its site file: if the servers lose sight of each other, both may run the same VM. Configure IPMI fencing to remove the risk.'
            : 'No fencing is configured: if the servers lose sight of each other, both may run the same VM.'}
        </Alert>
      )}

      <Card withBorder padding="lg" component="section" aria-labelledby="console-nodes">
        <Title order={2} size="h4" id="console-nodes" mb="sm">
          Servers
        </Title>
        <Table fz="sm" verticalSpacing={8} aria-label="Servers">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Server</Table.Th>
              <Table.Th>State</Table.Th>
              <Table.Th>Cluster</Table.Th>
              <Table.Th>Load</Table.Th>
              <Table.Th>Uptime</Table.Th>
              <Table.Th>Clock</Table.Th>
              <Table.Th>Actions</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {state.nodes.map((node) => {
              const condition = CONDITION_LOOK[node.condition];
              return (
                <Table.Tr key={node.key}>
                  <Table.Td>
                    <Text size="sm" fw={500}>
                      {node.name ?? node.address}
                    </Text>
                    <Text size="xs" c="dimmed">
                      {node.address}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Badge color={condition.color} variant="light">
                      {condition.label}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    <Text size="xs">
                      {node.reachable
                        ? [
                            node.corosync ? 'Corosync running' : 'Corosync stopped',
                            node.pacemaker ? 'Pacemaker answering' : 'Pacemaker not answering',
                            node.quorate === null ? null : node.quorate ? 'quorate' : 'no quorum',
                            node.dc ? 'DC' : null,
                          ]
                            .filter(Boolean)
                            .join(' · ')
                        : 'not reachable over SSH'}
                    </Text>
                  </Table.Td>
                  <Table.Td>{node.load1 === null ? '—' : node.load1.toFixed(2)}</Table.Td>
                  <Table.Td>{formatUptime(node.uptimeSeconds)}</Table.Td>
                  <Table.Td>
                    <Text size="xs">
                      {node.clockOffsetMs === null ? '—' : `${node.clockOffsetMs > 0 ? '+' : ''}${node.clockOffsetMs} ms`}
                      {node.timeSynced === false ? ' · not synced' : node.timeSynced ? ' · synced' : ''}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <NodeActions node={node} />
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </Card>

      <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="lg">
        <Card withBorder padding="lg" component="section" aria-labelledby="console-links">
          <Title order={2} size="h4" id="console-links" mb="sm">
            Links
          </Title>
          {state.links.length === 0 ? (
            <Text size="sm" c="dimmed">
              No cluster or replication link reported yet.
            </Text>
          ) : (
            <Table fz="sm" aria-label="Links">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Link</Table.Th>
                  <Table.Th>State</Table.Th>
                  <Table.Th>Traffic</Table.Th>
                  <Table.Th>Latency</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {state.links.map((link) => (
                  <Table.Tr key={link.id}>
                    <Table.Td>
                      {link.kind === 'replication' ? 'Replication' : `Cluster ${link.id.replace('corosync-', 'link ')}`}
                      {link.nic && (
                        <Text size="xs" c="dimmed">
                          {link.nic}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Badge color={link.up ? 'teal' : 'red'} variant="light">
                        {link.up ? 'Up' : 'Down'}
                      </Badge>
                    </Table.Td>
                    <Table.Td>{link.bytesPerSecond === undefined ? '—' : `${formatBytes(link.bytesPerSecond)}/s`}</Table.Td>
                    <Table.Td>{link.latencyMs === undefined ? '—' : formatMs(link.latencyMs)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </Card>

        <Card withBorder padding="lg" component="section" aria-labelledby="console-storage">
          <Title order={2} size="h4" id="console-storage" mb="sm">
            Mirrored storage
          </Title>
          {state.storage.length === 0 ? (
            <Text size="sm" c="dimmed">
              No DRBD resource yet.
            </Text>
          ) : (
            <Table fz="sm" aria-label="DRBD resources">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Resource</Table.Th>
                  <Table.Th>Roles</Table.Th>
                  <Table.Th>Disks</Table.Th>
                  <Table.Th>Sync</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {state.storage.map((resource) => (
                  <Table.Tr key={resource.resource}>
                    <Table.Td>
                      {resource.resource}
                      <Text size="xs" c="dimmed">
                        {resource.replication ?? resource.connection.a ?? '—'}
                        {resource.splitBrain ? ' · split brain' : ''}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      {resource.role.a ?? '—'} / {resource.role.b ?? '—'}
                    </Table.Td>
                    <Table.Td>
                      {resource.disk.a ?? '—'} / {resource.disk.b ?? '—'}
                    </Table.Td>
                    <Table.Td>
                      {resource.syncPercent === null ? 'In sync' : `${resource.syncPercent.toFixed(1)}%`}
                      {resource.outOfSyncBytes ? (
                        <Text size="xs" c="dimmed">
                          {formatBytes(resource.outOfSyncBytes)} out of sync
                        </Text>
                      ) : null}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </Card>
      </SimpleGrid>

      <Suspense fallback={<Text size="sm" c="dimmed">Loading the charts…</Text>}>
        <PairCharts history={history} />
      </Suspense>

      <VmPanel state={state} />

      <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="lg">
        <AlertsPanel alerts={alerts} />
        <ChecksPanel />
      </SimpleGrid>
    </Stack>
  );
}

/**
 * A server's action: to maintenance (standby; confirmed first, since its VMs move) when
 * it runs, back online when it is in standby or maintenance.
 */
function NodeActions({ node }: { node: NodeState }) {
  const propose = useWizard((state) => state.proposeAction);
  const busy = useWizard((state) => !!state.consoleAction.running);
  const name = node.name ?? node.address;
  if (node.condition === 'standby' || node.condition === 'maintenance')
    return (
      <Button size="compact-xs" variant="light" disabled={busy} aria-label={`Bring ${name} back online`} onClick={() => void propose({ kind: 'node-mode', node: name, mode: 'online' })}>
        Bring online
      </Button>
    );
  if (node.condition === 'online')
    return (
      <Button size="compact-xs" variant="subtle" color="orange" disabled={busy} aria-label={`Put ${name} into maintenance`} onClick={() => void propose({ kind: 'node-mode', node: name, mode: 'standby' })}>
        Maintenance
      </Button>
    );
  return (
    <Text size="xs" c="dimmed">
      —
    </Text>
  );
}
