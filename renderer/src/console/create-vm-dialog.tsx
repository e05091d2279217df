import { Alert, Button, Checkbox, Group, Loader, Modal, Radio, Select, SimpleGrid, Stack, Text, TextInput } from '@mantine/core';
import { useEffect, useRef, type ChangeEvent } from 'react';
import { vmCreateRefusal, type AvailabilityLevel } from '../../../provisioning/api/actions';
import { ErrorNotice } from '../components/error-notice';
import { RunFailure, RunSteps } from '../components/step-list';
import { plural } from '../format';
import { vmCreateRequestOf, type SizeUnit, type VmCreateField } from '../model/vm-create-form';
import type { CreateVmState } from '../store/console-actions';
import { useWizard } from '../store/store-context';

const LEVELS: { value: AvailabilityLevel; label: string }[] = [
  { value: 'ha', label: 'Highly available (ha)' },
  { value: 'ft', label: 'Fault tolerant (ft)' },
  { value: 'none', label: 'Unprotected (none)' },
];

/**
 * "Create VM" (`lockstep vm create`): a VM on a mirrored disk that the cluster runs and
 * restarts on the survivor. Each field is checked as it is typed by the contract's own
 * schema; ft and none show why this version does not create them. Once submitted, the
 * engine's steps show as they run (the install's step list), then the outcome, or the
 * engine's refusal with what to do.
 */
export function CreateVmDialog() {
  const createVm = useWizard((state) => state.createVm);
  const siteIsLab = useWizard((state) => state.siteIsLab);
  const close = useWizard((state) => state.closeCreateVm);
  const edit = useWizard((state) => state.editCreateVm);
  const setAllowLab = useWizard((state) => state.setCreateVmAllowLab);
  const submit = useWizard((state) => state.submitCreateVm);
  const cancel = useWizard((state) => state.cancelCreateVm);
  if (!createVm.open) return null;
  const { form, run } = createVm;
  const errors = vmCreateRequestOf(form).errors ?? {};
  const errorOf = (field: VmCreateField): string | undefined => (createVm.shown.includes(field) ? errors[field] : undefined);
  const busy = run.running;
  /** A text field's value, edit, error and state. */
  const textField = (field: 'name' | 'diskSize' | 'memory' | 'vcpus' | 'image') => ({
    value: form[field],
    onChange: (event: ChangeEvent<HTMLInputElement>) => edit({ [field]: event.currentTarget.value }),
    error: errorOf(field),
    disabled: busy,
  });
  return (
    <Modal opened onClose={close} title="Create a VM" centered size="xl">
      <Stack
        gap="sm"
        component="form"
        aria-label="Create a VM"
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
      >
        <Text size="sm">
          A new VM on a mirrored disk (DRBD over the private link) that the cluster runs on one server and restarts on the
          other when that one fails.
        </Text>
        <TextInput
          label="Name"
          description="Lowercase letters, digits and dashes; it also names the VM's disk."
          placeholder="web1"
          {...textField('name')}
          data-autofocus
        />
        <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="sm">
          <Group gap={6} align="flex-start" wrap="nowrap">
            <TextInput
              label="Disk size"
              inputMode="decimal"
              {...textField('diskSize')}
              style={{ flexGrow: 1 }}
            />
            <Select
              label="Unit"
              aria-label="Disk size unit"
              data={['MiB', 'GiB']}
              value={form.diskUnit}
              onChange={(value) => edit({ diskUnit: (value as SizeUnit | null) ?? 'GiB' })}
              allowDeselect={false}
              disabled={busy}
              w={90}
            />
          </Group>
          <TextInput
            label="Memory (MiB)"
            inputMode="numeric"
            {...textField('memory')}
          />
          <TextInput
            label="vCPUs"
            inputMode="numeric"
            {...textField('vcpus')}
          />
        </SimpleGrid>
        <Checkbox
          label="Network (first business network)"
          description="One NIC on the pair's first business network; without it the VM has no network."
          checked={form.network}
          onChange={(event) => edit({ network: event.currentTarget.checked })}
          disabled={busy}
        />
        <TextInput
          label="Image file (raw, on this computer)"
          description="Optional: a raw disk image copied onto the new disk (import). Empty: a blank disk."
          placeholder="/var/lib/images/web1.raw"
          {...textField('image')}
        />
        <Radio.Group
          label="Level"
          value={form.level}
          onChange={(value) => edit({ level: value as AvailabilityLevel })}
          error={errorOf('level')}
        >
          <Stack gap={8} mt={6}>
            {LEVELS.map((level) => (
              <Radio
                key={level.value}
                value={level.value}
                label={level.label}
                description={vmCreateRefusal(level.value)?.message ?? 'Mirrored disk; the cluster restarts the VM on the other server after a failure.'}
                disabled={busy || vmCreateRefusal(level.value) !== null}
              />
            ))}
          </Stack>
        </Radio.Group>
        {siteIsLab && (
          <Checkbox
            label="Go on past checks the practice lab cannot pass"
            description="The lab's servers are containers: no DRBD module, no disks of their own (kmod.drbd-unavailable, disk.none-available)."
            checked={createVm.allowLab}
            onChange={(event) => setAllowLab(event.currentTarget.checked)}
            disabled={busy}
          />
        )}
        <CreateVmOutcome createVm={createVm} />
        <Group justify="flex-end" mt="sm">
          {busy ? (
            <Button color="red" variant="light" onClick={() => void cancel()} loading={run.cancelling}>
              Cancel the create
            </Button>
          ) : (
            <Button variant="default" onClick={close}>
              Close
            </Button>
          )}
          <Button type="submit" loading={busy}>
            Create VM
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

/** The running create's steps, then how it ended: created, nothing to do, cancelled, a failed step, or refused. */
function CreateVmOutcome({ createVm }: { createVm: CreateVmState }) {
  const { run } = createVm;
  const vm = createVm.vm ?? 'The VM';
  const result = run.result;
  const ref = useRef<HTMLDivElement>(null);
  // The outcome appears below the form: bring it into view when it changes.
  useEffect(() => {
    // (Not returned: Chromium's scrollIntoView returns a promise, which React would call as a cleanup.)
    void ref.current?.scrollIntoView({ block: 'nearest' });
  }, [run.running, run.result, run.error]);
  return (
    <Stack gap="sm" ref={ref}>
      {run.running && (
        <Group gap="xs" role="status" aria-label="Create status">
          <Loader size="xs" />
          <Text size="sm">
            {run.cancelling ? 'Cancelling at the next safe point…' : `Creating ${vm}…`}
            {run.progress ? ` ${run.progress}` : ''}
          </Text>
        </Group>
      )}
      {run.error && <ErrorNotice error={run.error} title={`${vm} was not created`} />}
      {result?.outcome === 'ok' && (
        <Alert color="teal" variant="light" role="status" title={result.counts.changed === 0 ? `${vm} already exists` : `${vm} created`}>
          {result.counts.changed === 0
            ? `Nothing to change: ${plural(result.counts.noop, 'step')} already done.`
            : `${plural(result.counts.changed, 'step')} changed; the cluster runs ${vm} and restarts it on the other server if its server fails.`}
        </Alert>
      )}
      {result?.outcome === 'cancelled' && (
        <Alert color="yellow" variant="light" role="status" title="Cancelled">
          {run.message ?? 'The create stopped at a safe point.'} Create it again to continue where it stopped.
        </Alert>
      )}
      <RunFailure run={run} idPrefix="create-vm" />
      <RunSteps run={run} idPrefix="create-vm" />
    </Stack>
  );
}
