import { Alert, Badge, Button, Card, Group, Loader, Stack, Table, Text, Title } from '@mantine/core';
import { useEffect } from 'react';
import type { VerifyCheck, VerifyResult } from '../../../provisioning/api/verify';
import { ErrorNotice } from '../components/error-notice';
import { ScreenHeader } from '../components/screen-header';
import { StatusIcon, statusLabel } from '../components/status-icon';
import { plural } from '../format';
import { useWizard } from '../store/store-context';

/**
 * Verify (step 11): the proof after the install, read from both servers by the same
 * collectors as the console — quorum with both members, the services, mirrored
 * storage, fencing — each line with what was seen; then the hand-over to the console.
 */
export function VerifyScreen() {
  const verify = useWizard((state) => state.verify);
  const sitePath = useWizard((state) => state.sitePath);
  const runVerify = useWizard((state) => state.runVerify);
  const goTo = useWizard((state) => state.goTo);
  const startWatch = useWizard((state) => state.startWatch);
  const result = verify.result;
  const firstRun = !result && !verify.error && !verify.running;

  useEffect(() => {
    if (firstRun && sitePath) void runVerify();
  }, [firstRun, sitePath, runVerify]);

  const failed = result?.checks.filter((check) => check.status === 'fail').length ?? 0;
  const warned = result?.checks.filter((check) => check.status === 'warn').length ?? 0;

  return (
    <section>
      <ScreenHeader title="Verify">
        The proof that the pair works, read from both servers without changing anything: the cluster is quorate
        with both members, the services run, mirrored storage is ready, and how the pair is fenced.
      </ScreenHeader>

      <Card withBorder padding="md" mb="lg">
        <Group justify="space-between" wrap="nowrap">
          <Group gap="md" role="status" aria-label="Verify summary">
            {verify.running ? (
              <>
                <Loader size="sm" />
                <Text size="sm">Reading both servers{verify.progress ? `: ${verify.progress}` : ''}…</Text>
              </>
            ) : result ? (
              <>
                <StatusIcon kind={result.passed ? (warned > 0 ? 'warn' : 'pass') : 'fail'} />
                <div>
                  <Text fw={600}>
                    {result.passed
                      ? warned > 0
                        ? `The pair works, with ${plural(warned, 'warning')}`
                        : 'The pair works: every check passed'
                      : `${plural(failed, 'check')} failed`}
                  </Text>
                  <Text size="xs" c="dimmed">
                    Checked {new Date(result.checkedAt).toLocaleTimeString()}
                  </Text>
                </div>
              </>
            ) : (
              <Text size="sm" c="dimmed">
                Not run yet.
              </Text>
            )}
          </Group>
          <Group gap="sm">
            <Button variant="light" onClick={() => void runVerify()} loading={verify.running} disabled={!sitePath}>
              Run the checks again
            </Button>
            <Button
              disabled={!result}
              onClick={() => {
                goTo('console');
                void startWatch();
              }}
            >
              Open the console
            </Button>
          </Group>
        </Group>
      </Card>

      {verify.error && <ErrorNotice error={verify.error} title="Verify could not run" />}

      {result && (
        <Stack gap="lg">
          <Card withBorder padding="lg" component="section" aria-labelledby="verify-proof">
            <Title order={2} size="h4" id="verify-proof" mb="md">
              Proof
            </Title>
            <Stack gap="md" component="ul" style={{ listStyle: 'none', margin: 0, padding: 0 }} aria-label="Verify checks">
              {result.checks.map((check) => (
                <CheckLine key={check.id} check={check} />
              ))}
            </Stack>
          </Card>
          <ServersTable result={result} />
          <StorageCard result={result} />
          {!result.passed && (
            <Alert color="red" variant="light" title="The pair is not proven yet">
              Fix what each failed line says (retrying the install starts what is stopped), then run the checks again.
            </Alert>
          )}
        </Stack>
      )}
    </section>
  );
}

function CheckLine({ check }: { check: VerifyCheck }) {
  return (
    <Group component="li" gap="sm" wrap="nowrap" align="flex-start" aria-label={`${check.title}: ${statusLabel(check.status)}`}>
      <StatusIcon kind={check.status} />
      <div>
        <Text fw={600} size="sm">
          {check.title}
        </Text>
        <Text size="sm">{check.detail}</Text>
        {check.remedy && (
          <Text size="sm" c="dimmed">
            <Text span fw={600}>
              Fix:{' '}
            </Text>
            {check.remedy}
          </Text>
        )}
      </div>
    </Group>
  );
}

function ServersTable({ result }: { result: VerifyResult }) {
  return (
    <Card withBorder padding="lg" component="section" aria-labelledby="verify-servers">
      <Title order={2} size="h4" id="verify-servers" mb="md">
        Servers
      </Title>
      <Table fz="sm" verticalSpacing={8} aria-label="Servers as verified">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Server</Table.Th>
            <Table.Th>Quorum</Table.Th>
            <Table.Th>Members seen</Table.Th>
            <Table.Th>Services</Table.Th>
            <Table.Th>DRBD</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {result.nodes.map((node) => (
            <Table.Tr key={node.key}>
              <Table.Td>
                <Text size="sm" fw={500}>
                  {node.name ?? node.address}
                </Text>
                <Text size="xs" c="dimmed">
                  {node.address}
                </Text>
              </Table.Td>
              {node.reachable ? (
                <>
                  <Table.Td>
                    <Badge color={node.quorate ? 'teal' : 'red'} variant="light">
                      {node.quorate === null ? 'Corosync does not answer' : node.quorate ? 'Quorate' : 'Not quorate'}
                    </Badge>
                  </Table.Td>
                  <Table.Td>{node.members.join(', ') || '—'}</Table.Td>
                  <Table.Td>
                    <Group gap={4}>
                      {node.services.map((service) => (
                        <Badge key={service.unit} color={service.state === 'active' ? 'teal' : 'red'} variant="light" tt="none">
                          {service.name}: {service.state === 'active' ? 'running' : service.state}
                        </Badge>
                      ))}
                    </Group>
                  </Table.Td>
                  <Table.Td>{node.drbdVersion ? `DRBD ${node.drbdVersion}` : 'not loaded'}</Table.Td>
                </>
              ) : (
                <Table.Td colSpan={4}>
                  <Text size="sm" c="red.8">
                    Not reachable: {node.problem}
                  </Text>
                </Table.Td>
              )}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Card>
  );
}

function StorageCard({ result }: { result: VerifyResult }) {
  return (
    <Card withBorder padding="lg" component="section" aria-labelledby="verify-storage">
      <Title order={2} size="h4" id="verify-storage" mb="md">
        Mirrored storage and fencing
      </Title>
      {result.storage.length === 0 ? (
        <Text size="sm">No DRBD resources yet: one is created for each protected VM disk.</Text>
      ) : (
        <Table fz="sm" aria-label="DRBD resources">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Resource</Table.Th>
              <Table.Th>Connection</Table.Th>
              <Table.Th>Disks</Table.Th>
              <Table.Th>Roles</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {result.storage.map((resource) => (
              <Table.Tr key={resource.resource}>
                <Table.Td>{resource.resource}</Table.Td>
                <Table.Td>
                  {resource.connection.a ?? '?'} / {resource.connection.b ?? '?'}
                  {resource.syncPercent !== null ? ` (sync ${resource.syncPercent}%)` : ''}
                </Table.Td>
                <Table.Td>
                  {resource.disk.a ?? '?'} / {resource.disk.b ?? '?'}
                </Table.Td>
                <Table.Td>
                  {resource.role.a ?? '?'} / {resource.role.b ?? '?'}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <Text size="sm" mt="md" aria-label="Fencing state">
        Fencing:{' '}
        {result.fencing.configured
          ? 'configured in Pacemaker (IPMI).'
          : result.fencing.acknowledgedNone
            ? 'none, with the risk acknowledged in the site file.'
            : 'not configured.'}
      </Text>
    </Card>
  );
}
