import { Alert, Badge, Button, Card, Checkbox, Code, Group, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { ErrorNotice } from '../components/error-notice';
import { ScreenHeader } from '../components/screen-header';
import { formatBytes } from '../format';
import {
  disksView,
  withAutomaticDisks,
  withDiskChosen,
  withWipeConfirmed,
  wipeConfirmationMatches,
  type DiskRow,
  type DiskStatus,
  type DisksView,
  type ServerDisks,
} from '../model/disks';
import { serversOf } from '../model/servers';
import { draftProblems } from '../model/site-draft';
import { problemsUnder } from '../model/field-errors';
import { problemText } from '../../../provisioning/api/site';
import { useWizard } from '../store/store-context';

const STATUS_LOOK: Record<DiskStatus, { color: string; text: string }> = {
  free: { color: 'teal', text: 'Empty' },
  pool: { color: 'teal', text: 'In the pool' },
  data: { color: 'orange', text: 'Holds data' },
  system: { color: 'gray', text: 'System disk' },
  unusable: { color: 'gray', text: 'Cannot be used' },
};

/**
 * Disks (step 6): the candidate disks of each server from the inventory, which are in
 * use and why, the pool size (the smaller server's), mismatch warnings, and the
 * type-to-confirm consent that alone lets a disk holding data be wiped.
 */
export function DisksScreen() {
  const draft = useWizard((state) => state.draft);
  const draftError = useWizard((state) => state.draftError);
  const inventory = useWizard((state) => state.inventory);
  const prepareDraft = useWizard((state) => state.prepareDraft);
  const editDraft = useWizard((state) => state.editDraft);
  const goTo = useWizard((state) => state.goTo);
  const servers = serversOf(inventory.nodes);

  useEffect(() => {
    void prepareDraft();
  }, [prepareDraft]);

  const view = draft && servers ? disksView(draft, servers) : undefined;
  const siteProblems = draft ? problemsUnder(draftProblems(draft), 'storage') : [];
  const blocking = (view?.problems.length ?? 0) + siteProblems.length;

  return (
    <section>
      <ScreenHeader title="Disks">
        The mirrored pool is built from disks that are empty, unmounted and not the system disk. The pair can use as
        much as the smaller server gives. A disk that holds data is never used unless you name it for wiping and
        confirm its model and serial number.
      </ScreenHeader>
      {draftError && <ErrorNotice error={draftError} title="The site could not be prepared" />}
      {!servers && (
        <Alert color="yellow" variant="light" title="The inventory of both servers is needed">
          Go back to Inventory and read both servers first.
        </Alert>
      )}
      {view && (
        <Stack gap="lg">
          <PoolSummary view={view} />
          {view.warnings.length > 0 && (
            <Alert color="yellow" variant="light" title="Worth knowing before the install">
              <Stack gap={4} component="ul" style={{ margin: 0, paddingLeft: 18 }}>
                {view.warnings.map((warning) => (
                  <Text size="sm" component="li" key={warning}>
                    {warning}
                  </Text>
                ))}
              </Stack>
            </Alert>
          )}
          {view.servers.map((server) => (
            <ServerCard
              key={server.key}
              server={server}
              problem={view.problems.find((problem) => problem.field === `storage.disks.${server.key}`)?.message}
              onChoose={(device, chosen) => editDraft((current) => withDiskChosen(current, view, server.key, device, chosen))}
              onWipe={(row, typed) => editDraft((current) => withWipeConfirmed(current, view, server.key, row.disk, typed))}
            />
          ))}
          {siteProblems.map((problem) => (
            <Alert key={problem.field} color="red" variant="light" role="alert">
              {problemText(problem)}
            </Alert>
          ))}
          <Card withBorder padding="md">
            <Group justify="space-between">
              <Button variant="default" onClick={() => editDraft(withAutomaticDisks)}>
                Use every empty disk (automatic)
              </Button>
              <Group gap="sm">
                {blocking > 0 && (
                  <Text size="sm" c="red.8">
                    Choose the pool disks first.
                  </Text>
                )}
                <Button disabled={blocking > 0} onClick={() => goTo('options')}>
                  Continue to options
                </Button>
              </Group>
            </Group>
          </Card>
        </Stack>
      )}
    </section>
  );
}

function PoolSummary({ view }: { view: DisksView }) {
  const [a, b] = view.servers;
  return (
    <Card withBorder padding="lg" component="section" aria-labelledby="pool-title">
      <Title order={2} size="h4" id="pool-title" mb="xs">
        Mirrored pool
      </Title>
      <Group gap="xl" role="status" aria-label="Pool summary">
        <div>
          <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
            Usable capacity
          </Text>
          <Text size="xl" fw={650}>
            {view.poolBytes === null ? '—' : formatBytes(view.poolBytes)}
          </Text>
        </div>
        {[a, b].map((server) => (
          <div key={server.key}>
            <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
              {server.label}
            </Text>
            <Text size="md">
              {server.blocked ? 'no disks of its own' : `${formatBytes(server.chosenBytes)} chosen`}
            </Text>
          </div>
        ))}
      </Group>
      <Text size="xs" c="dimmed" mt="xs">
        Every write goes to both servers, so the smaller server&apos;s pool decides what the pair can hold.
      </Text>
    </Card>
  );
}

function ServerCard({
  server,
  problem,
  onChoose,
  onWipe,
}: {
  server: ServerDisks;
  problem?: string;
  onChoose: (device: string, chosen: boolean) => void;
  onWipe: (row: DiskRow, typed: { model: string; serial: string }) => void;
}) {
  const titleId = `disks-${server.key}`;
  return (
    <Card withBorder padding="lg" component="section" aria-labelledby={titleId}>
      <Group justify="space-between" mb="sm">
        <Title order={2} size="h4" id={titleId}>
          {server.label}
        </Title>
        {!server.blocked && (
          <Badge variant="light" color={server.automatic ? 'blue' : 'indigo'}>
            {server.automatic ? 'Automatic: every empty disk' : 'Chosen by you'}
          </Badge>
        )}
      </Group>
      {server.blocked && (
        <Alert color="orange" variant="light" title="No disks for the pool">
          {server.blocked}
        </Alert>
      )}
      {!server.blocked && server.rows.length === 0 && <Text size="sm">No disks were reported.</Text>}
      {server.rows.length > 0 && (
        <Table fz="sm" verticalSpacing={8} aria-label={`Disks of ${server.label}`}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th w={60}>Pool</Table.Th>
              <Table.Th>Disk</Table.Th>
              <Table.Th>Size</Table.Th>
              <Table.Th>Model and serial</Table.Th>
              <Table.Th>Status</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {server.rows.map((row) => (
              <DiskLine key={row.disk.path} server={server} row={row} onChoose={onChoose} onWipe={onWipe} />
            ))}
          </Table.Tbody>
        </Table>
      )}
      {problem && (
        <Text size="sm" c="red.8" mt="sm" role="alert">
          {problem}
        </Text>
      )}
    </Card>
  );
}

function DiskLine({
  server,
  row,
  onChoose,
  onWipe,
}: {
  server: ServerDisks;
  row: DiskRow;
  onChoose: (device: string, chosen: boolean) => void;
  onWipe: (row: DiskRow, typed: { model: string; serial: string }) => void;
}) {
  const [confirming, setConfirming] = useState(false);
  const disk = row.disk;
  const selectable = row.status === 'free' || row.status === 'pool' || !!row.wipe;
  const look = row.wipe ? { color: 'red', text: 'Will be wiped' } : STATUS_LOOK[row.status];
  return (
    <>
      <Table.Tr aria-label={`${disk.name} of ${server.label}`}>
        <Table.Td>
          <Checkbox
            aria-label={`Use ${disk.name} of ${server.label} in the pool`}
            checked={row.chosen}
            disabled={!selectable}
            onChange={(event) => onChoose(row.device, event.currentTarget.checked)}
          />
        </Table.Td>
        <Table.Td>
          <Text size="sm" fw={500}>
            {disk.name}
          </Text>
          <Text size="xs" c="dimmed">
            {[disk.media !== 'unknown' ? disk.media.toUpperCase() : null, disk.transport].filter(Boolean).join(' · ')}
          </Text>
          <Code style={{ fontSize: 11 }}>{row.device}</Code>
        </Table.Td>
        <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatBytes(disk.sizeBytes)}</Table.Td>
        <Table.Td>
          <Text size="sm">{disk.model ?? '—'}</Text>
          <Text size="xs" c="dimmed">
            {disk.serial ?? 'no serial'}
          </Text>
        </Table.Td>
        <Table.Td>
          <Badge color={look.color} variant="light">
            {look.text}
          </Badge>
          {row.status !== 'free' && (
            <Text size="xs" mt={4}>
              {row.reason}
            </Text>
          )}
          {row.status === 'data' && !row.wipe && !confirming && (
            row.wipeBlocked ? (
              <Text size="xs" c="dimmed" mt={4}>
                {row.wipeBlocked}
              </Text>
            ) : (
              <Button size="compact-xs" variant="light" color="red" mt={6} onClick={() => setConfirming(true)}>
                Wipe and use {disk.name}…
              </Button>
            )
          )}
          {row.wipe && (
            <Button size="compact-xs" variant="subtle" mt={6} onClick={() => onChoose(row.device, false)}>
              Keep the data on {disk.name}
            </Button>
          )}
        </Table.Td>
      </Table.Tr>
      {confirming && !row.wipe && (
        <Table.Tr>
          <Table.Td colSpan={5}>
            <WipeConfirm
              row={row}
              server={server}
              onCancel={() => setConfirming(false)}
              onConfirm={(typed) => {
                onWipe(row, typed);
                setConfirming(false);
              }}
            />
          </Table.Td>
        </Table.Tr>
      )}
    </>
  );
}

/** Type-to-confirm: the disk's model and serial, exactly as the server reports them. */
function WipeConfirm({
  row,
  server,
  onCancel,
  onConfirm,
}: {
  row: DiskRow;
  server: ServerDisks;
  onCancel: () => void;
  onConfirm: (typed: { model: string; serial: string }) => void;
}) {
  const [typed, setTyped] = useState({ model: '', serial: '' });
  const disk = row.disk;
  const matches = wipeConfirmationMatches(disk, typed);
  const formId = `wipe-${server.key}-${disk.name}`;
  return (
    <Alert color="red" variant="light" title={`Erase everything on ${disk.name} of ${server.label}?`} role="group" aria-label={`Confirm wiping ${disk.name} of ${server.label}`}>
      <form
        id={formId}
        onSubmit={(event) => {
          event.preventDefault();
          if (matches) onConfirm(typed);
        }}
      >
        <Text size="sm" mb="xs">
          {row.reason}. Installing will destroy it. To confirm that you mean this physical disk, type its model (
          <Code>{disk.model}</Code>) and serial number (<Code>{disk.serial}</Code>) exactly.
        </Text>
        <Group align="flex-end" gap="sm">
          <TextInput
            label={`Model of ${disk.name}`}
            value={typed.model}
            autoComplete="off"
            error={typed.model && typed.model.trim() !== disk.model ? 'Does not match the model the server reports.' : undefined}
            onChange={(event) => {
              const model = event.currentTarget.value;
              setTyped((current) => ({ ...current, model }));
            }}
          />
          <TextInput
            label={`Serial of ${disk.name}`}
            value={typed.serial}
            autoComplete="off"
            error={typed.serial && typed.serial.trim() !== disk.serial ? 'Does not match the serial the server reports.' : undefined}
            onChange={(event) => {
              const serial = event.currentTarget.value;
              setTyped((current) => ({ ...current, serial }));
            }}
          />
          <Button type="submit" color="red" disabled={!matches}>
            Wipe {disk.name} and use it
          </Button>
          <Button variant="default" onClick={onCancel}>
            Cancel
          </Button>
        </Group>
      </form>
    </Alert>
  );
}
