import { Alert, Badge, Button, Card, Group, Loader, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import type { ProbeNode } from '../../../provisioning/api/contract';
import { isFactError, type FactError, type Inventory } from '../../../provisioning/api/inventory';
import { ErrorNotice } from '../components/error-notice';
import { ScreenHeader } from '../components/screen-header';
import { cpuSummary, diskUseText, endpointLabel, formatBytes, formatSpeed, osSummary } from '../format';
import { useWizard } from '../store/store-context';

/** Inventory: both servers side by side, read without changing anything on them. */
export function InventoryScreen() {
  const inventory = useWizard((state) => state.inventory);
  const goTo = useWizard((state) => state.goTo);
  const bothRead = !!inventory.nodes && inventory.nodes.length === 2 && inventory.nodes.every((node) => node.ok);
  return (
    <section>
      <ScreenHeader title="Inventory">
        What each server has, read without changing anything: operating system, processor, memory, disks and
        network interfaces, side by side so that differences stand out.
      </ScreenHeader>
      {inventory.running && (
        <Group gap="sm" role="status">
          <Loader size="sm" />
          <Text>Logging in and reading both servers…</Text>
        </Group>
      )}
      {inventory.error && <ErrorNotice error={inventory.error} />}
      {inventory.nodes && (
        <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="lg">
          {inventory.nodes.map((node) => (
            <NodeColumn key={`${node.endpoint.host}|${node.endpoint.port}`} node={node} />
          ))}
        </SimpleGrid>
      )}
      {inventory.nodes && (
        <Card withBorder padding="lg" mt="lg">
          <Group justify="space-between">
            <Text size="sm" c={bothRead ? undefined : 'dimmed'} maw={720}>
              {bothRead
                ? 'Next, Lockstep gives each network interface a role, finding the direct cable between the servers by probing the wire; then the disks for the mirrored pool and the options.'
                : 'Both servers must be read before roles and disks can be chosen.'}
            </Text>
            <Button disabled={!bothRead} onClick={() => goTo('roles')}>
              Continue to network roles
            </Button>
          </Group>
        </Card>
      )}
    </section>
  );
}

function NodeColumn({ node }: { node: ProbeNode }) {
  const label = endpointLabel(node.endpoint);
  const titleId = `inventory-${label.replace(/[^A-Za-z0-9]/g, '-')}`;
  if (!node.ok) {
    return (
      <Card withBorder padding="lg" component="section" aria-labelledby={titleId}>
        <Title order={2} size="h3" id={titleId} mb="sm">
          {label}
        </Title>
        <ErrorNotice error={node.error} />
      </Card>
    );
  }
  const inv = node.inventory;
  const hostname = isFactError(inv.host) ? undefined : inv.host.hostname;
  return (
    <Card withBorder padding="lg" component="section" aria-labelledby={titleId}>
      <Group justify="space-between" align="baseline" mb="md">
        <div>
          <Title order={2} size="h3" id={titleId}>
            {hostname ?? label}
          </Title>
          <Text size="sm" c="dimmed">
            {label}
          </Text>
        </div>
        {inv.problems.length > 0 && (
          <Badge color="orange" variant="light">
            {inv.problems.length} fact{inv.problems.length === 1 ? '' : 's'} unreadable
          </Badge>
        )}
      </Group>
      <Stack gap="lg">
        <Facts inv={inv} />
        <Section title="Disks" value={inv.disks}>
          {(disks) => (
            <Table fz="sm" verticalSpacing={6} aria-label={`Disks of ${label}`}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Disk</Table.Th>
                  <Table.Th>Size</Table.Th>
                  <Table.Th>Model</Table.Th>
                  <Table.Th>Use</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {disks.map((disk) => (
                  <Table.Tr key={disk.path}>
                    <Table.Td>
                      <Text size="sm" fw={500}>
                        {disk.name}
                      </Text>
                      {disk.media !== 'unknown' && (
                        <Text size="xs" c="dimmed">
                          {disk.media.toUpperCase()}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatBytes(disk.sizeBytes)}</Table.Td>
                    <Table.Td>
                      <Text size="sm">{disk.model ?? '—'}</Text>
                      {disk.serial && (
                        <Text size="xs" c="dimmed">
                          {disk.serial}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      {disk.inUse.length === 0 ? (
                        <Badge color="teal" variant="light">
                          Free
                        </Badge>
                      ) : (
                        <Text size="xs">{diskUseText(disk)}</Text>
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </Section>
        <Section title="Network interfaces" value={inv.nics}>
          {(nics) => (
            <Table fz="sm" verticalSpacing={6} aria-label={`Network interfaces of ${label}`}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Interface</Table.Th>
                  <Table.Th>Link</Table.Th>
                  <Table.Th>Addresses</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {nics
                  .filter((nic) => nic.kind !== 'loopback')
                  .map((nic) => (
                    <Table.Tr key={nic.name}>
                      <Table.Td>
                        <Text size="sm" fw={500}>
                          {nic.name}
                        </Text>
                        <Text size="xs" c="dimmed">
                          {[nic.mac, nic.driver].filter(Boolean).join(' · ') || nic.kind}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Badge color={nic.carrier ? 'teal' : 'gray'} variant="light">
                          {nic.carrier ? 'Up' : nic.carrier === false ? 'No carrier' : nic.operState}
                        </Badge>
                        <Text size="xs" c="dimmed">
                          {formatSpeed(nic.speedMbps)} · MTU {nic.mtu}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        {nic.addresses.filter((address) => address.scope !== 'link').length === 0 ? (
                          <Text size="xs" c="dimmed">
                            none
                          </Text>
                        ) : (
                          nic.addresses
                            .filter((address) => address.scope !== 'link')
                            .map((address) => (
                              <Text size="xs" key={address.address}>
                                {address.address}/{address.prefixLength}
                              </Text>
                            ))
                        )}
                      </Table.Td>
                    </Table.Tr>
                  ))}
              </Table.Tbody>
            </Table>
          )}
        </Section>
      </Stack>
    </Card>
  );
}

function Facts({ inv }: { inv: Inventory }) {
  const rows: [string, string][] = [
    ['Operating system', isFactError(inv.os) ? unreadable(inv.os) : osSummary(inv.os)],
    [
      'Kernel',
      isFactError(inv.host) ? unreadable(inv.host) : `${inv.host.kernel} (${inv.host.architecture})`,
    ],
    ['Processor', isFactError(inv.cpu) ? unreadable(inv.cpu) : cpuSummary(inv.cpu)],
    [
      'Virtualization',
      isFactError(inv.cpu)
        ? unreadable(inv.cpu)
        : inv.cpu.virtualization === 'vmx'
          ? 'Intel VT-x'
          : inv.cpu.virtualization === 'svm'
            ? 'AMD-V'
            : 'Not offered by the CPU',
    ],
    [
      'Memory',
      isFactError(inv.memory)
        ? unreadable(inv.memory)
        : `${formatBytes(inv.memory.totalBytes)}${inv.memory.availableBytes !== null ? ` (${formatBytes(inv.memory.availableBytes)} available)` : ''}${inv.memory.dom0Bytes !== undefined ? `, Xen dom0 ${formatBytes(inv.memory.dom0Bytes)}` : ''}`,
    ],
  ];
  return (
    <dl style={{ display: 'grid', gridTemplateColumns: '10rem 1fr', rowGap: 6, columnGap: 12, margin: 0 }}>
      {rows.map(([term, value]) => (
        <div key={term} style={{ display: 'contents' }}>
          <Text component="dt" size="sm" c="dimmed">
            {term}
          </Text>
          <Text component="dd" size="sm" m={0}>
            {value}
          </Text>
        </div>
      ))}
    </dl>
  );
}

function Section<T>({
  title,
  value,
  children,
}: {
  title: string;
  value: T | FactError;
  children: (value: T) => React.ReactNode;
}) {
  return (
    <div>
      <Title order={3} size="h5" mb={6}>
        {title}
      </Title>
      {isFactError(value) ? (
        <Alert color="orange" variant="light">
          {unreadable(value)}
        </Alert>
      ) : (
        children(value)
      )}
    </div>
  );
}

function unreadable(error: FactError): string {
  return `Could not be read: ${error.error}`;
}
