import { Alert, Badge, Button, Card, Group, Loader, NativeSelect, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { useEffect } from 'react';
import { AUTO, type NodeKey } from '../../../provisioning/api/site';
import { CablingDiagram } from '../components/cabling-diagram';
import { ErrorNotice } from '../components/error-notice';
import { ScreenHeader } from '../components/screen-header';
import { formatSpeed } from '../format';
import { fieldMessage, problemsUnder } from '../model/field-errors';
import {
  rolesView,
  withAutomaticNetwork,
  withBusinessAdded,
  withBusinessRemoved,
  withRole,
  type RoleChoice,
  type RolesView,
  type ServerRoles,
  type Source,
} from '../model/roles';
import { serversOf } from '../model/servers';
import { draftProblems, type SiteDraft } from '../model/site-draft';
import { useWizard } from '../store/store-context';

/**
 * Network roles (step 5): each NIC's role as probing decides it the everRun way
 * (management carries the SSH session, the private link is the directly cabled pair
 * found on the wire), shown as a picture of the cabling, and editable.
 */
export function RolesScreen() {
  const draft = useWizard((state) => state.draft);
  const draftLoading = useWizard((state) => state.draftLoading);
  const draftError = useWizard((state) => state.draftError);
  const suggestion = useWizard((state) => state.suggestion);
  const inventory = useWizard((state) => state.inventory);
  const prepareDraft = useWizard((state) => state.prepareDraft);
  const suggestRoles = useWizard((state) => state.suggestRoles);
  const editDraft = useWizard((state) => state.editDraft);
  const goTo = useWizard((state) => state.goTo);
  const servers = serversOf(inventory.nodes);

  useEffect(() => {
    void prepareDraft();
  }, [prepareDraft]);

  const view = draft && servers ? rolesView(draft, servers, suggestion.result) : undefined;
  const problems = draft ? problemsUnder(draftProblems(draft), 'network') : [];
  const blocking = problems.length + (view?.problems.length ?? 0);

  return (
    <section>
      <ScreenHeader title="Network roles">
        Each network interface gets a role the everRun way: management is the one carrying this SSH session; the
        private link is the pair of interfaces cabled directly between the two servers, found by probing the wire
        (never guessed from names), the fastest first; the rest become business networks, bridged for VMs. Change
        any of them below.
      </ScreenHeader>

      {!servers && (
        <Alert color="yellow" variant="light" mb="lg" title="The inventory of both servers is needed">
          Go back to Inventory and read both servers first.
        </Alert>
      )}
      {draftError && <ErrorNotice error={draftError} title="The site could not be prepared" />}
      {(suggestion.running || draftLoading) && (
        <Group gap="sm" role="status" aria-label="Probe status" mb="lg">
          <Loader size="sm" />
          <Text size="sm">
            Probing both servers and the wire for the direct cable{suggestion.progress ? `: ${suggestion.progress}` : ''}…
          </Text>
        </Group>
      )}
      {suggestion.error && (
        <Stack gap="xs" mb="lg">
          <ErrorNotice error={suggestion.error} title="Probing could not decide the roles" />
          <Group>
            <Button variant="light" onClick={() => void suggestRoles()}>
              Probe again
            </Button>
          </Group>
        </Stack>
      )}

      {draft && view && (
        <Stack gap="lg">
          <Card withBorder padding="lg" component="section" aria-labelledby="cabling-title">
            <Group justify="space-between" mb="sm">
              <Title order={2} size="h4" id="cabling-title">
                Cabling
              </Title>
              <CableBadge view={view} />
            </Group>
            <CablingDiagram view={view} />
            <Evidence view={view} note={suggestion.result?.notes['network.private']} problem={suggestion.result?.wireProblem} />
          </Card>

          <Card withBorder padding="lg" component="section" aria-labelledby="roles-title">
            <Title order={2} size="h4" id="roles-title" mb="xs">
              Roles
            </Title>
            <Text size="sm" c="dimmed" mb="md">
              A change here is written to the site file; anything left automatic is decided again by probing when
              the pair is validated and installed.
            </Text>
            <RoleRow
              title="Management"
              hint="Carries SSH and the second cluster link."
              view={view}
              choices={view.management}
              field={(key) => `network.management.${key}`}
              problems={problems}
              onChange={(node, nic) => editDraft((current) => withRole(current, view, { role: 'management', node, nic }))}
            />
            <RoleRow
              title="Private link"
              hint="Replication and the first cluster link: a direct cable."
              view={view}
              choices={view.privateLink}
              field={(key) => `network.private.${key}`}
              problems={problems}
              onChange={(node, nic) => editDraft((current) => withRole(current, view, { role: 'private', node, nic }))}
            />
            {view.business.map((network, index) => (
              <RoleRow
                key={network.bridge}
                title={`Business network ${network.bridge}`}
                hint="Bridged for VMs on both servers."
                view={view}
                choices={{
                  a: { nic: network.a, source: view.businessSource },
                  b: { nic: network.b, source: view.businessSource },
                }}
                field={(key) => `network.business[${index}].${key}`}
                problems={problems}
                extraProblems={view.problems}
                onChange={(node, nic) =>
                  editDraft((current) => withRole(current, view, { role: 'business', index, node, nic }))
                }
                action={
                  <Button
                    variant="subtle"
                    color="red"
                    size="xs"
                    onClick={() => editDraft((current) => withBusinessRemoved(current, view, index))}
                  >
                    Remove {network.bridge}
                  </Button>
                }
              />
            ))}
            {view.business.length === 0 && (
              <Text size="sm" c="dimmed" mb="sm">
                No business network: VMs would have no network of their own.
              </Text>
            )}
            <Group>
              <Button variant="light" size="xs" onClick={() => editDraft((current) => withBusinessAdded(current, view))}>
                Add a business network
              </Button>
            </Group>
          </Card>

          <PrivateAddresses
            draft={draft}
            view={view}
            suggested={suggestion.result?.privateLink ?? null}
            problems={problems}
            onChange={editDraft}
          />

          <Card withBorder padding="md">
            <Group justify="space-between">
              <Button variant="default" onClick={() => editDraft(withAutomaticNetwork)}>
                Use the automatic choices
              </Button>
              <Group gap="sm">
                {blocking > 0 && (
                  <Text size="sm" c="red.8">
                    Correct the marked {blocking === 1 ? 'field' : 'fields'} first.
                  </Text>
                )}
                <Button disabled={blocking > 0} onClick={() => goTo('disks')}>
                  Continue to disks
                </Button>
              </Group>
            </Group>
          </Card>
        </Stack>
      )}
    </section>
  );
}

function sourceText(source: Source): string {
  return source === 'automatic' ? 'Found by probing' : source === 'chosen' ? 'Chosen by you' : 'Not decided';
}

function RoleRow({
  title,
  hint,
  view,
  choices,
  field,
  problems,
  extraProblems = [],
  onChange,
  action,
}: {
  title: string;
  hint: string;
  view: RolesView;
  choices: { a: RoleChoice; b: RoleChoice };
  field: (key: NodeKey) => string;
  problems: Parameters<typeof fieldMessage>[2];
  extraProblems?: readonly { field: string; message: string }[];
  onChange: (node: NodeKey, nic: string) => void;
  action?: React.ReactNode;
}) {
  return (
    <fieldset style={{ border: 0, padding: 0, margin: '0 0 16px' }}>
      <legend style={{ padding: 0 }}>
        <Text span fw={600} size="sm">
          {title}
        </Text>
      </legend>
      <Group justify="space-between" align="center" mb={6}>
        <Text size="xs" c="dimmed">
          {hint}
        </Text>
        {action}
      </Group>
      <SimpleGrid cols={2} spacing="md">
        {view.servers.map((server) => {
          const choice = choices[server.key];
          const name = field(server.key);
          const error =
            (choice.nic ? fieldMessage(name, choice.nic, problems) : undefined) ??
            extraProblems.find((problem) => problem.field === name)?.message;
          return (
            <NativeSelect
              key={server.key}
              label={`${title} interface of ${server.label}`}
              description={sourceText(choice.source)}
              value={choice.nic ?? ''}
              data={options(server, choice.nic)}
              error={error}
              onChange={(event) => onChange(server.key, event.currentTarget.value)}
            />
          );
        })}
      </SimpleGrid>
    </fieldset>
  );
}

/** The NICs of a server as select options: name, speed and what it has now. */
function options(server: ServerRoles, current: string | null) {
  const items = server.nics.map((nic) => ({
    value: nic.name,
    label: `${nic.name}${nic.speedMbps ? ` · ${formatSpeed(nic.speedMbps)}` : ''}${nic.carrier === false ? ' · no carrier' : ''}${nic.addresses.length > 0 ? ` · ${nic.addresses.join(', ')}` : ''}`,
  }));
  if (current && !items.some((item) => item.value === current)) items.unshift({ value: current, label: `${current} (not found on the server)` });
  if (!current) items.unshift({ value: '', label: '— choose an interface —' });
  return items;
}

function CableBadge({ view }: { view: RolesView }) {
  const cable = view.privateLink.cable;
  if (!view.privateLink.a.nic || !view.privateLink.b.nic)
    return (
      <Badge color="red" variant="light">
        No private link
      </Badge>
    );
  const [color, text] =
    cable === 'direct'
      ? ['teal', view.privateLink.carrierConfirmed ? 'Direct cable, confirmed by carrier' : 'Direct cable']
      : cable === 'switched'
        ? ['orange', 'Through a switch']
        : cable === 'not-seen'
          ? ['orange', 'Not seen on the wire']
          : ['gray', 'Not probed yet'];
  return (
    <Badge color={color} variant="light">
      {text}
    </Badge>
  );
}

function Evidence({ view, note, problem }: { view: RolesView; note?: string; problem?: string }) {
  const link = view.privateLink;
  return (
    <Stack gap={6} mt="md">
      {note && link.a.source === 'automatic' && link.b.source === 'automatic' && (
        <Text size="sm">
          <Text span fw={600}>
            Why:{' '}
          </Text>
          {note}
        </Text>
      )}
      {link.cable === 'switched' && (
        <Alert color="orange" variant="light" title="Not a direct cable">
          {link.a.nic} and {link.b.nic} reach each other through a switch that other devices share. Replication needs
          a cable of its own: choose the pair that is cabled directly.
        </Alert>
      )}
      {link.cable === 'not-seen' && link.a.nic && link.b.nic && (
        <Alert color="orange" variant="light" title="The wire probe did not see this cable">
          {link.a.nic} on {view.servers[0].label} and {link.b.nic} on {view.servers[1].label} did not reach each other
          when probed. Validate checks the link again.
        </Alert>
      )}
      {problem && (
        <Alert color={link.a.nic && link.b.nic ? 'gray' : 'red'} variant="light" title="Wire probe">
          {problem}
        </Alert>
      )}
    </Stack>
  );
}

function PrivateAddresses({
  draft,
  view,
  suggested,
  problems,
  onChange,
}: {
  draft: SiteDraft;
  view: RolesView;
  /** What probing chose, shown as what an empty field means. */
  suggested: { readonly subnet: string; readonly mtu: number } | null;
  problems: Parameters<typeof fieldMessage>[2];
  onChange: (change: (draft: SiteDraft) => SiteDraft) => void;
}) {
  const link = view.privateLink;
  const subnet = draft.network.private.subnet;
  const mtu = draft.network.private.mtu;
  const subnetText = subnet === AUTO ? '' : subnet;
  const mtuText = mtu === AUTO ? '' : String(mtu);
  const suggestedSubnet = suggested?.subnet ?? null;
  const suggestedMtu = suggested?.mtu ?? null;
  return (
    <Card withBorder padding="lg" component="section" aria-labelledby="private-title">
      <Title order={2} size="h4" id="private-title" mb="xs">
        Private link addresses
      </Title>
      <Text size="sm" c="dimmed" mb="md">
        The private link gets addresses of its own, from a subnet no address or route on either server uses: the
        first address goes to {view.servers[0].label}, the second to {view.servers[1].label}.
      </Text>
      <SimpleGrid cols={2} spacing="md">
        <TextInput
          label="Private link subnet"
          description={suggestedSubnet ? `Empty: automatic (${suggestedSubnet})` : 'Empty: automatic, an unused /30'}
          placeholder={suggestedSubnet ?? 'automatic'}
          value={subnetText}
          error={subnetText ? fieldMessage('network.private.subnet', subnetText, problems) : undefined}
          onChange={(event) => {
            const text = event.currentTarget.value.trim();
            onChange((current) => ({
              ...current,
              network: { ...current.network, private: { ...current.network.private, subnet: text === '' ? AUTO : text } },
            }));
          }}
        />
        <TextInput
          label="Private link MTU"
          description={suggestedMtu ? `Empty: automatic (${suggestedMtu}, the largest both ends carry)` : 'Empty: automatic, the largest both ends carry'}
          placeholder={suggestedMtu ? String(suggestedMtu) : 'automatic'}
          inputMode="numeric"
          value={mtuText}
          error={mtuText ? fieldMessage('network.private.mtu', /^\d+$/.test(mtuText) ? Number(mtuText) : mtuText, problems) : undefined}
          onChange={(event) => {
            const text = event.currentTarget.value.trim();
            // The draft keeps what was typed, even when it is not a number, so that Continue is
            // refused with the site format's own message rather than silently dropping the input.
            const value = text === '' ? AUTO : /^\d+$/.test(text) ? Number(text) : (text as unknown as number);
            onChange((current) => ({
              ...current,
              network: { ...current.network, private: { ...current.network.private, mtu: value } },
            }));
          }}
        />
      </SimpleGrid>
      <Text size="sm" mt="md" role="status" aria-label="Private link addresses">
        {link.addresses
          ? `${view.servers[0].label} gets ${link.addresses.a}, ${view.servers[1].label} gets ${link.addresses.b}${link.mtu.value ? `, MTU ${link.mtu.value}` : ''}.`
          : link.subnet.value
            ? `The first and second addresses of ${link.subnet.value}.`
            : 'Addresses are chosen once the private link is known.'}
      </Text>
    </Card>
  );
}
