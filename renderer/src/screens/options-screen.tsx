import {
  Alert,
  Button,
  Card,
  Checkbox,
  Code,
  Group,
  PasswordInput,
  Radio,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useEffect, useId } from 'react';
import { problemText, type SiteProblem } from '../../../provisioning/api/site';
import { ErrorNotice } from '../components/error-notice';
import { ScreenHeader } from '../components/screen-header';
import { fieldMessage } from '../model/field-errors';
import { draftProblems, emptyBmc, nodeKeyAt, sameSite, type SiteDraft } from '../model/site-draft';
import { bmcTestable, type BmcTestState, type SiteDraftState } from '../store/site-draft';
import { useWizard } from '../store/store-context';

type Edit = (change: (draft: SiteDraft) => SiteDraft) => void;

/** What the BMC test button says while it cannot run yet (its accessible description). */
export const BMC_TEST_NEEDS = 'Give the BMC address, user and password to test: the other server asks the BMC for its power state.';

/**
 * Options (step 7): the pair's name, hypervisor profile, quorum, fencing, package
 * source and default availability level, each checked as it is typed by the site
 * format's own rules; Continue hands the edited site to Validate.
 */
export function OptionsScreen() {
  const draft = useWizard((state) => state.draft);
  const draftError = useWizard((state) => state.draftError);
  const prepareDraft = useWizard((state) => state.prepareDraft);
  const editDraft = useWizard((state) => state.editDraft);
  const saving = useWizard((state) => state.siteSaving);
  const draftBase = useWizard((state) => state.draftBase);
  const draftSource = useWizard((state) => state.draftSource);
  const commitDraft = useWizard((state) => state.commitDraft);
  const bmcPasswords = useWizard((state) => state.bmcPasswords);
  const setBmcPassword = useWizard((state) => state.setBmcPassword);
  const bmcTests = useWizard((state) => state.bmcTests);
  const testBmc = useWizard((state) => state.testBmc);
  const goTo = useWizard((state) => state.goTo);

  useEffect(() => {
    void prepareDraft();
  }, [prepareDraft]);

  if (!draft)
    return (
      <section>
        <ScreenHeader title="Options">The pair&apos;s name, hypervisor, quorum, fencing, packages and availability.</ScreenHeader>
        {draftError && <ErrorNotice error={draftError} title="The site could not be prepared" />}
      </section>
    );

  const problems = draftProblems(draft);
  const ipmi = draft.fencing.mode === 'ipmi';
  const missingPasswords = ipmi ? (['a', 'b'] as const).filter((key) => bmcPasswords[key] === '') : [];
  const unchanged = !!draftSource && !!draftBase && sameSite(draft, draftBase);

  return (
    <section>
      <ScreenHeader title="Options">
        The pair&apos;s name and how it runs: hypervisor, quorum, fencing, where packages come from, and the
        availability level new VMs get. Every field is checked as you type, by the same rules as the site file.
      </ScreenHeader>
      <Stack gap="lg">
        <Card withBorder padding="lg" component="section" aria-labelledby="options-pair">
          <Title order={2} size="h4" id="options-pair" mb="md">
            Pair
          </Title>
          <SimpleGrid cols={2} spacing="lg">
            <TextInput
              label="Pair name"
              description="Also the cluster's name: lowercase letters, digits and hyphens."
              value={draft.name}
              error={fieldMessage('name', draft.name, problems)}
              onChange={(event) => {
                const name = event.currentTarget.value;
                editDraft((current) => ({ ...current, name }));
              }}
            />
            <Radio.Group
              label="Hypervisor profile"
              value={draft.hypervisor}
              onChange={(value) => editDraft((current) => ({ ...current, hypervisor: value === 'xen' ? 'xen' : 'kvm' }))}
            >
              <Stack gap={6} mt={6}>
                <Radio value="kvm" label="KVM" description="QEMU and libvirt" />
                <Radio value="xen" label="Xen" description="Xen hypervisor and the xl toolstack; the installer reboots into dom0" />
              </Stack>
            </Radio.Group>
          </SimpleGrid>
        </Card>

        <QuorumCard draft={draft} problems={problems} onChange={editDraft} />
        <FencingCard
          draft={draft}
          problems={problems}
          onChange={editDraft}
          passwords={bmcPasswords}
          onPassword={setBmcPassword}
          tests={bmcTests}
          onTest={(node) => void testBmc(node)}
        />
        <PackagesCard draft={draft} problems={problems} onChange={editDraft} />

        <Card withBorder padding="lg" component="section" aria-labelledby="options-availability">
          <Title order={2} size="h4" id="options-availability" mb="md">
            Availability
          </Title>
          <Radio.Group
            label="Default availability level"
            description="The level new VMs get; each VM's level can be changed later on the console."
            value={draft.availability.default}
            onChange={(value) =>
              editDraft((current) => ({
                ...current,
                availability: { default: value === 'ft' ? 'ft' : value === 'none' ? 'none' : 'ha' },
              }))
            }
          >
            <Stack gap={6} mt={6}>
              <Radio value="ha" label="Highly available (ha)" description="Mirrored storage; the VM restarts on the other server after a failure." />
              <Radio value="ft" label="Fault tolerant (ft)" description="Keeps running with the same memory after a failure (experimental; needs a QEMU with COLO)." />
              <Radio value="none" label="Unprotected (none)" description="Local only: no mirrored storage, no restart elsewhere." />
            </Stack>
          </Radio.Group>
        </Card>

        <Card withBorder padding="lg" component="section" aria-labelledby="options-next">
          <Title order={2} size="h4" id="options-next" mb="xs">
            Site file
          </Title>
          <Text size="sm" mb="md">
            {unchanged ? (
              <>
                Nothing was changed: Validate, Plan and Install use the site file you opened, <Code>{draftSource}</Code>.
              </>
            ) : saving.savedPath && !saving.dirty ? (
              <>
                Saved as <Code>{saving.savedPath}</Code>. The CLI can use it too: <Code>lockstep validate -c {saving.savedPath}</Code>
              </>
            ) : (
              <>
                Your choices are written to a site file in Lockstep&apos;s own folder when you continue; Validate, Plan,
                Install and the CLI (<Code>-c</Code>) all work from it.
              </>
            )}
          </Text>
          {saving.error && <ErrorNotice error={saving.error} title="The site could not be saved" />}
          <Group justify="flex-end" gap="sm" mt="sm">
            {(problems.length > 0 || missingPasswords.length > 0) && (
              <Text size="sm" c="red.8" role="status" aria-label="Options status">
                {problems.length > 0
                  ? `Correct ${problems.length === 1 ? 'the marked field' : `${problems.length} marked fields`} first.`
                  : 'Give the BMC password of both servers first.'}
              </Text>
            )}
            <Button
              loading={saving.running}
              disabled={problems.length > 0 || missingPasswords.length > 0}
              onClick={async () => {
                if (await commitDraft()) goTo('validate');
              }}
            >
              Continue to validate
            </Button>
          </Group>
        </Card>
      </Stack>
    </section>
  );
}

function QuorumCard({ draft, problems, onChange }: { draft: SiteDraft; problems: readonly SiteProblem[]; onChange: Edit }) {
  const witness = draft.quorum === 'two_node' ? undefined : draft.quorum.witness;
  return (
    <Card withBorder padding="lg" component="section" aria-labelledby="options-quorum">
      <Title order={2} size="h4" id="options-quorum" mb="md">
        Quorum
      </Title>
      <Radio.Group
        label="How the pair keeps quorum"
        value={witness ? 'witness' : 'two_node'}
        onChange={(value) =>
          onChange((current) => ({
            ...current,
            quorum:
              value === 'witness'
                ? { witness: { address: '', port: current.ssh.port, user: current.ssh.user } }
                : 'two_node',
          }))
        }
      >
        <Stack gap={6} mt={6}>
          <Radio value="two_node" label="Two-node mode" description="Corosync's two_node: the survivor keeps quorum; fencing decides who survives." />
          <Radio value="witness" label="Quorum witness" description="corosync-qnetd on a third machine, installed over SSH, breaks ties." />
        </Stack>
      </Radio.Group>
      {witness && (
        <SimpleGrid cols={3} spacing="md" mt="md">
          <TextInput
            label="Witness address"
            value={witness.address}
            error={fieldMessage('quorum.witness.address', witness.address, problems)}
            onChange={(event) => {
              const address = event.currentTarget.value.trim();
              onChange((current) => ({ ...current, quorum: { witness: { ...witness, address } } }));
            }}
          />
          <TextInput
            label="Witness SSH port"
            inputMode="numeric"
            value={String(witness.port)}
            error={fieldMessage('quorum.witness.port', /^\d+$/.test(String(witness.port)) ? Number(witness.port) : witness.port, problems)}
            onChange={(event) => {
              const text = event.currentTarget.value.trim();
              // Kept as typed when it is not a number: the format's own message says what is wrong.
              const port = /^\d+$/.test(text) ? Number(text) : (text as unknown as number);
              onChange((current) => ({ ...current, quorum: { witness: { ...witness, port } } }));
            }}
          />
          <TextInput
            label="Witness SSH user"
            value={witness.user}
            error={fieldMessage('quorum.witness.user', witness.user, problems)}
            onChange={(event) => {
              const user = event.currentTarget.value.trim();
              onChange((current) => ({ ...current, quorum: { witness: { ...witness, user } } }));
            }}
          />
        </SimpleGrid>
      )}
    </Card>
  );
}

function FencingCard({
  draft,
  problems,
  onChange,
  passwords,
  onPassword,
  tests,
  onTest,
}: {
  draft: SiteDraft;
  problems: readonly SiteProblem[];
  onChange: Edit;
  passwords: { a: string; b: string };
  onPassword: (node: 'a' | 'b', password: string) => void;
  tests: SiteDraftState['bmcTests'];
  onTest: (node: 'a' | 'b') => void;
}) {
  const ipmi = draft.fencing.mode === 'ipmi';
  const modeProblem = problems.find((problem) => problem.field === 'fencing.mode');
  return (
    <Card withBorder padding="lg" component="section" aria-labelledby="options-fencing">
      <Title order={2} size="h4" id="options-fencing" mb="md">
        Fencing
      </Title>
      <Radio.Group
        label="How one server makes sure the other is off before taking over"
        value={draft.fencing.mode}
        onChange={(value) =>
          onChange((current) => ({
            ...current,
            fencing: { mode: value === 'ipmi' ? 'ipmi' : 'none', acknowledgeNoFencing: false },
            nodes: current.nodes.map((node, index) => ({
              ...node,
              bmc: value === 'ipmi' ? (node.bmc ?? emptyBmc(index)) : null,
            })) as unknown as SiteDraft['nodes'],
          }))
        }
      >
        <Stack gap={6} mt={6}>
          <Radio value="ipmi" label="IPMI" description="fence_ipmilan powers the other server off through its BMC." />
          <Radio value="none" label="No fencing" description="Only with an explicit acknowledgement of the risk." />
        </Stack>
      </Radio.Group>
      {!ipmi && (
        <Checkbox
          mt="md"
          checked={draft.fencing.acknowledgeNoFencing}
          onChange={(event) => {
            const acknowledgeNoFencing = event.currentTarget.checked;
            onChange((current) => ({ ...current, fencing: { mode: 'none', acknowledgeNoFencing } }));
          }}
          label="I accept running without fencing"
          description="Without fencing a split brain can corrupt data. The console shows this permanently."
          error={modeProblem ? problemText(modeProblem) : undefined}
        />
      )}
      {ipmi && (
        <SimpleGrid cols={2} spacing="lg" mt="md">
          {draft.nodes.map((node, index) => {
            const key = nodeKeyAt(index);
            const bmc = node.bmc ?? emptyBmc(index);
            const label = node.name !== 'auto' ? node.name : node.address;
            const setBmc = (patch: Partial<typeof bmc>): void =>
              onChange((current) => ({
                ...current,
                nodes: current.nodes.map((each, at) => (at === index ? { ...each, bmc: { ...bmc, ...patch } } : each)) as unknown as SiteDraft['nodes'],
              }));
            const peer = draft.nodes[index === 0 ? 1 : 0];
            const peerLabel = peer ? (peer.name !== 'auto' ? peer.name : peer.address) : 'the other server';
            return (
              <fieldset key={key} style={{ border: '1px solid var(--mantine-color-gray-3)', borderRadius: 8, padding: 12, margin: 0 }}>
                <legend style={{ padding: '0 4px' }}>
                  <Text span fw={600} size="sm">
                    BMC of {label}
                  </Text>
                </legend>
                <Stack gap="sm">
                  <Group gap="sm" align="flex-start" grow preventGrowOverflow={false}>
                    <TextInput
                      style={{ flexGrow: 3 }}
                      label={`BMC address of ${label}`}
                      value={bmc.address}
                      error={fieldMessage(`nodes[${index}].bmc.address`, bmc.address, problems)}
                      onChange={(event) => setBmc({ address: event.currentTarget.value.trim() })}
                    />
                    <TextInput
                      style={{ flexGrow: 1 }}
                      label={`BMC port of ${label}`}
                      inputMode="numeric"
                      value={String(bmc.port)}
                      error={fieldMessage(`nodes[${index}].bmc.port`, bmc.port, problems)}
                      onChange={(event) => {
                        const text = event.currentTarget.value.trim();
                        // Kept as typed when it is not a number: the format's own message says what is wrong.
                        setBmc({ port: /^\d+$/.test(text) ? Number(text) : (text as unknown as number) });
                      }}
                    />
                  </Group>
                  <TextInput
                    label={`BMC user of ${label}`}
                    value={bmc.user}
                    error={fieldMessage(`nodes[${index}].bmc.user`, bmc.user, problems)}
                    onChange={(event) => setBmc({ user: event.currentTarget.value.trim() })}
                  />
                  <PasswordInput
                    label={`BMC password of ${label}`}
                    description={`Kept in memory for this session only; the site file names the variable ${typeof bmc.password === 'object' ? bmc.password.env : 'asked for'} instead.`}
                    value={passwords[key]}
                    error={passwords[key] === '' ? 'Give the password: the fencing step needs it.' : undefined}
                    onChange={(event) => onPassword(key, event.currentTarget.value)}
                  />
                  <BmcTest
                    label={label}
                    peer={peerLabel}
                    testable={bmcTestable(bmc, passwords[key])}
                    test={tests[key]}
                    onTest={() => onTest(key)}
                  />
                </Stack>
              </fieldset>
            );
          })}
        </SimpleGrid>
      )}
      {ipmi && (
        <Alert color="blue" variant="light" mt="md">
          Passwords never go into the site file. The CLI reads them from the variables it names.
        </Alert>
      )}
    </Card>
  );
}

/** "Test BMC of …" and what the last test said, under the node's BMC fields. */
function BmcTest({
  label,
  peer,
  testable,
  test,
  onTest,
}: {
  label: string;
  peer: string;
  testable: boolean;
  test: BmcTestState;
  onTest: () => void;
}) {
  const hint = useId();
  const { result, error } = test;
  const from = result?.from ?? peer;
  return (
    <Stack gap={6}>
      <Group gap="xs" align="center">
        <Button
          variant="light"
          size="xs"
          loading={test.running}
          disabled={!testable}
          aria-describedby={testable ? undefined : hint}
          onClick={onTest}
        >
          Test BMC of {label}
        </Button>
        {!testable && (
          <Text size="xs" c="dimmed" id={hint}>
            {BMC_TEST_NEEDS}
          </Text>
        )}
      </Group>
      <Text size="sm" role="status" aria-label={`BMC test of ${label}`} aria-live="polite" c={bmcTestColour(test)}>
        {test.running
          ? `Asking the BMC of ${label} for its power state from ${peer}…`
          : error
            ? `The test could not run: ${error.message} ${error.remedy}`
            : result?.reachable === true
              ? `The BMC of ${label} answers: ${result.detail}.`
              : result?.reachable === false
                ? `The BMC of ${label} did not answer: ${result.detail}. Check the address, port, user and password; the BMC must be reachable from ${from}.`
                : result
                  ? `Not tested: ${result.detail}.`
                  : ''}
      </Text>
    </Stack>
  );
}

/** Green for an answer, red for none or a test that could not run, neutral otherwise. */
function bmcTestColour(test: BmcTestState): string | undefined {
  if (test.running || !(test.result || test.error)) return undefined;
  if (test.error || test.result?.reachable === false) return 'red.8';
  return test.result?.reachable ? 'green.8' : 'dimmed';
}

function PackagesCard({ draft, problems, onChange }: { draft: SiteDraft; problems: readonly SiteProblem[]; onChange: Edit }) {
  const bundle = draft.packages.source === 'bundle' ? draft.packages.bundle : undefined;
  return (
    <Card withBorder padding="lg" component="section" aria-labelledby="options-packages">
      <Title order={2} size="h4" id="options-packages" mb="md">
        Packages
      </Title>
      <Radio.Group
        label="Package source"
        value={draft.packages.source}
        onChange={(value) =>
          onChange((current) => ({
            ...current,
            packages: value === 'bundle' ? { source: 'bundle', bundle: bundle ?? '' } : { source: 'mirror' },
          }))
        }
      >
        <Stack gap={6} mt={6}>
          <Radio value="mirror" label="The servers' Debian mirror" description="What apt on each server is configured with." />
          <Radio value="bundle" label="An offline bundle" description="Built here with `lockstep bundle build` and uploaded over SSH, for servers without internet." />
        </Stack>
      </Radio.Group>
      {bundle !== undefined && (
        <TextInput
          mt="md"
          label="Bundle folder"
          description="The folder `lockstep bundle build --out` wrote, on this computer."
          value={bundle}
          error={fieldMessage('packages.bundle', bundle, problems)}
          onChange={(event) => {
            const folder = event.currentTarget.value;
            onChange((current) => ({ ...current, packages: { source: 'bundle', bundle: folder } }));
          }}
        />
      )}
    </Card>
  );
}
