import { Badge, Button, Card, Group, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import type { AvailabilityLevel } from '../../../provisioning/api/actions';
import type { PairState } from '../../../provisioning/api/monitor';
import { useWizard } from '../store/store-context';

const LEVELS: { value: AvailabilityLevel; label: string }[] = [
  { value: 'ha', label: 'HA: restarted on the other server' },
  { value: 'none', label: 'None: this server only' },
  { value: 'ft', label: 'FT: not offered yet' },
];

/**
 * The VMs and their actions: migrate an ha VM, change a VM's level, or give a VM
 * defined in libvirt a level. On a pair without VMs it says so plainly; the form stays,
 * and the engine answers for a VM it cannot find rather than the console pretending.
 */
export function VmPanel({ state }: { state: PairState }) {
  const propose = useWizard((store) => store.proposeAction);
  const busy = useWizard((store) => !!store.consoleAction.running);
  const openCreateVm = useWizard((store) => store.openCreateVm);
  const nodeName = (key: 'a' | 'b' | null): string | null => (key ? (state.nodes.find((node) => node.key === key)?.name ?? key) : null);
  return (
    <Card withBorder padding="lg" component="section" aria-labelledby="console-vms">
      <Group justify="space-between" mb="sm">
        <Title order={2} size="h4" id="console-vms">
          Virtual machines
        </Title>
        <Button size="xs" onClick={openCreateVm}>
          Create VM
        </Button>
      </Group>
      {state.vms.length === 0 ? (
        <Text size="sm" c="dimmed" mb="sm" role="note" aria-label="No VMs">
          No VMs on this pair yet. Create one with Create VM, or define one in libvirt on one of the servers (with virt-install or virsh define) and give it a level below.
        </Text>
      ) : (
        <Table fz="sm" aria-label="Virtual machines" mb="md">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>VM</Table.Th>
              <Table.Th>Level</Table.Th>
              <Table.Th>Runs on</Table.Th>
              <Table.Th>Protection</Table.Th>
              <Table.Th>Actions</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {state.vms.map((vm) => {
              const other = state.nodes.find((node) => node.key !== vm.runsOn)?.name ?? null;
              return (
                <Table.Tr key={vm.name}>
                  <Table.Td>
                    {vm.name}
                    <Text size="xs" c="dimmed">
                      {vm.state}
                    </Text>
                  </Table.Td>
                  <Table.Td>{vm.level.toUpperCase()}</Table.Td>
                  <Table.Td>{nodeName(vm.runsOn) ?? '—'}</Table.Td>
                  <Table.Td>
                    <Badge color={vm.duplicate ? 'red' : vm.protected ? 'teal' : 'orange'} variant="light">
                      {vm.duplicate ? 'Running twice' : vm.protected ? 'Protected' : 'Unprotected'}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    <Group gap={6} wrap="nowrap">
                      {vm.level === 'ha' && vm.runsOn && other && (
                        <Button size="compact-xs" variant="light" disabled={busy} aria-label={`Migrate ${vm.name} to ${other}`} onClick={() => void propose({ kind: 'vm-migrate', vm: vm.name, node: other })}>
                          Migrate
                        </Button>
                      )}
                      <Button
                        size="compact-xs"
                        variant="subtle"
                        disabled={busy}
                        aria-label={vm.level === 'ha' ? `Set ${vm.name} to level none` : `Make ${vm.name} HA`}
                        onClick={() => void propose({ kind: 'vm-level', vm: vm.name, level: vm.level === 'ha' ? 'none' : 'ha' })}
                      >
                        {vm.level === 'ha' ? 'Level none' : 'Make HA'}
                      </Button>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      )}
      <LevelForm busy={busy} />
    </Card>
  );
}

/** Gives a VM by name a level (a VM defined in libvirt becomes a cluster resource for ha). */
function LevelForm({ busy }: { busy: boolean }) {
  const propose = useWizard((store) => store.proposeAction);
  const [name, setName] = useState('');
  const [level, setLevel] = useState<AvailabilityLevel>('ha');
  const valid = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(name.trim());
  return (
    <Stack gap={6} component="form" aria-label="Give a VM a level" onSubmit={(event) => { event.preventDefault(); if (valid) void propose({ kind: 'vm-level', vm: name.trim(), level }); }}>
      <Group align="flex-end" gap="sm">
        <TextInput label="VM name" placeholder="web1" value={name} onChange={(event) => setName(event.currentTarget.value)} size="xs" w={160} />
        <Select label="Level" data={LEVELS} value={level} onChange={(value) => setLevel((value as AvailabilityLevel | null) ?? 'ha')} size="xs" w={240} allowDeselect={false} />
        <Button type="submit" size="xs" variant="light" disabled={busy || !valid}>
          Set level
        </Button>
      </Group>
    </Stack>
  );
}
