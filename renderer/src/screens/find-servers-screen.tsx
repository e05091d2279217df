import { Badge, Button, Card, Checkbox, Group, Loader, Table, Text, Textarea, Tooltip } from '@mantine/core';
import { checkDiscoveryTarget, type DiscoveryRow } from '../../../provisioning/api/contract';
import { ErrorNotice } from '../components/error-notice';
import { Fingerprint } from '../components/fingerprint';
import { ScreenHeader } from '../components/screen-header';
import {
  bannerSoftware,
  endpointKey,
  endpointLabel,
  formatDuration,
  formatRtt,
  keyTypeLabel,
  plural,
  splitTargets,
} from '../format';
import { useWizard } from '../store/store-context';
import { rowEndpoint } from '../store/wizard-store';

/** Find servers: addresses or a subnet; servers appear as they answer. */
export function FindServersScreen() {
  const discovery = useWizard((state) => state.discovery);
  const setInput = useWizard((state) => state.setDiscoveryInput);
  const discover = useWizard((state) => state.discover);
  const selected = useWizard((state) => state.selected);
  const goTo = useWizard((state) => state.goTo);
  const readHostKeys = useWizard((state) => state.readHostKeys);

  const targets = splitTargets(discovery.input);
  const invalid = targets.map(checkDiscoveryTarget).find((check) => !check.valid);
  const inputError = discovery.input.trim() !== '' && invalid ? invalid.message : undefined;
  const found = discovery.rows.filter((row) => row.state === 'ssh').length;

  return (
    <section>
      <ScreenHeader title="Find servers">
        Give the two servers&apos; addresses or hostnames, or a subnet to scan for SSH. Lockstep reads what
        each server says before anyone logs in: its software, its host key and how fast it answers.
      </ScreenHeader>
      <Card withBorder padding="lg" mb="lg">
        <form
          onSubmit={(event) => {
            event.preventDefault();
            if (!inputError && targets.length > 0) void discover();
          }}
        >
          <Textarea
            label="Addresses or subnet"
            description="Separate several with spaces or new lines, e.g. 10.0.0.11 10.0.0.12, node-a:2222 or 10.0.0.0/24"
            placeholder="10.0.0.11 10.0.0.12"
            autosize
            minRows={2}
            value={discovery.input}
            error={inputError}
            onChange={(event) => setInput(event.currentTarget.value)}
            onKeyDown={(event) => {
              if (event.key === 'Enter' && !event.shiftKey) {
                event.preventDefault();
                event.currentTarget.form?.requestSubmit();
              }
            }}
          />
          <Group mt="md">
            <Button type="submit" loading={discovery.running} disabled={targets.length === 0 || !!inputError}>
              Find servers
            </Button>
            {discovery.running && (
              <Group gap={6}>
                <Loader size="xs" />
                <Text size="sm" c="dimmed">
                  Listening for SSH…
                </Text>
              </Group>
            )}
          </Group>
        </form>
      </Card>

      {discovery.error && <ErrorNotice error={discovery.error} />}

      {(discovery.rows.length > 0 || discovery.scanned !== undefined) && (
        <Card withBorder padding={0} mb="lg">
          <Group justify="space-between" px="lg" py="sm">
            <Text fw={600}>Servers</Text>
            <Text size="sm" c="dimmed" role="status">
              {discovery.running
                ? `${plural(found, 'SSH server')} so far`
                : `${plural(found, 'SSH server')} found among ${plural(discovery.scanned ?? 0, 'address', 'addresses')} in ${formatDuration(discovery.durationMs ?? 0)}`}
            </Text>
          </Group>
          <Table.ScrollContainer minWidth={760}>
            <Table verticalSpacing="sm" horizontalSpacing="lg" highlightOnHover aria-label="Servers found">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th w={64}>Use</Table.Th>
                  <Table.Th>Server</Table.Th>
                  <Table.Th>Software</Table.Th>
                  <Table.Th>Host key</Table.Th>
                  <Table.Th>Response</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {discovery.rows.map((row) => (
                  <DiscoveryTableRow key={`${row.target}|${row.address ?? row.name}|${row.port}`} row={row} />
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Card>
      )}

      <Group justify="space-between">
        <Text size="sm" c="dimmed">
          {selected.length === 2
            ? 'Two servers chosen: they will form the pair.'
            : `Choose two servers (${selected.length} of 2 chosen).`}
        </Text>
        <Button
          disabled={selected.length !== 2}
          onClick={() => {
            goTo('trust');
            void readHostKeys();
          }}
        >
          Continue to connect and trust
        </Button>
      </Group>
    </section>
  );
}

function DiscoveryTableRow({ row }: { row: DiscoveryRow }) {
  const selected = useWizard((state) => state.selected);
  const toggle = useWizard((state) => state.toggleSelected);
  const endpoint = rowEndpoint(row);
  const label = endpoint ? endpointLabel(endpoint) : row.target;
  const key = endpoint ? endpointKey(endpoint) : '';
  const isSelected = selected.includes(key);
  const usable = row.state === 'ssh' && !!endpoint;
  const full = selected.length >= 2 && !isSelected;

  return (
    <Table.Tr aria-selected={isSelected}>
      <Table.Td>
        <Checkbox
          aria-label={`Use ${label}`}
          checked={isSelected}
          disabled={!usable || full}
          onChange={() => toggle(row)}
        />
      </Table.Td>
      <Table.Td>
        <Text fw={500}>{label}</Text>
        {row.name && row.name !== row.address && (
          <Text size="xs" c="dimmed">
            {row.name}
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        {row.state === 'ssh' ? (
          <Text size="sm">{bannerSoftware(row.banner)}</Text>
        ) : (
          <Tooltip label={row.reason ?? ''} disabled={!row.reason}>
            <Badge color={row.state === 'open-not-ssh' ? 'orange' : 'red'} variant="light">
              {STATE_LABEL[row.state]}
            </Badge>
          </Tooltip>
        )}
        {row.state !== 'ssh' && row.reason && (
          <Text size="xs" c="dimmed" mt={4}>
            {row.reason}
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        {row.fingerprint ? (
          <>
            <Group gap={6}>
              <Badge variant="outline" color="gray" radius="sm">
                {keyTypeLabel(row.keyType)}
              </Badge>
              {row.trust === 'pinned' && (
                <Badge color="teal" variant="light">
                  Trusted
                </Badge>
              )}
              {row.trust === 'mismatch' && (
                <Badge color="red" variant="filled">
                  Key changed
                </Badge>
              )}
            </Group>
            <div style={{ marginTop: 4 }}>
              <Fingerprint value={row.fingerprint} />
            </div>
          </>
        ) : (
          <Text c="dimmed">—</Text>
        )}
      </Table.Td>
      <Table.Td>
        <Text size="sm">{formatRtt(row.rttMs)}</Text>
      </Table.Td>
    </Table.Tr>
  );
}

const STATE_LABEL: Record<DiscoveryRow['state'], string> = {
  ssh: 'SSH',
  'open-not-ssh': 'Not SSH',
  closed: 'Port closed',
  'no-answer': 'No answer',
  unresolved: 'Name not found',
};
