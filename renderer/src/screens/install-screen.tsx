import { Alert, Badge, Button, Card, Code, Group, Loader, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useEffect, useRef, useState } from 'react';
import type { StepFailure, StepInfo, StepTarget } from '../../../provisioning/api/apply-events';
import { ErrorNotice } from '../components/error-notice';
import { ScreenHeader } from '../components/screen-header';
import { StatusIcon, type StatusKind } from '../components/status-icon';
import { formatDuration, plural } from '../format';
import { targetKey, type InstallState, type TargetStatus } from '../store/pair-flow';
import { useWizard } from '../store/store-context';

/** Install (step 10): both servers at once, live; cancel at a safe point; a failure with its fix. */
export function InstallScreen() {
  const install = useWizard((state) => state.install);
  const startInstall = useWizard((state) => state.startInstall);
  const cancelInstall = useWizard((state) => state.cancelInstall);
  const goTo = useWizard((state) => state.goTo);
  const startWatch = useWizard((state) => state.startWatch);
  const runVerify = useWizard((state) => state.runVerify);
  const now = useNow(install.running);
  const elapsed = install.startedAt ? (install.finishedAt ?? now) - install.startedAt : 0;
  const result = install.result;
  const failedStatus = failedTarget(install);

  return (
    <section>
      <ScreenHeader title="Install">
        Both servers are installed at the same time where the steps allow it. Each step inspects first, changes
        only what differs, and checks its own result. Cancelling stops at the next safe point.
      </ScreenHeader>

      <Card withBorder padding="md" mb="lg">
        <Group justify="space-between" wrap="nowrap">
          <Group gap="md" role="status" aria-label="Install status">
            {install.running ? <Loader size="sm" /> : <StatusIcon kind={overallKind(install)} />}
            <div>
              <Text fw={600}>{headline(install)}</Text>
              <Text size="xs" c="dimmed">
                Elapsed <span aria-label={`Elapsed time ${formatDuration(elapsed)}`}>{formatDuration(elapsed)}</span>
                {install.running && install.progress ? ` · ${install.progress}` : ''}
              </Text>
            </div>
          </Group>
          <Group gap="sm">
            {install.running && (
              <Button color="red" variant="light" onClick={() => void cancelInstall()} loading={install.cancelling}>
                Cancel the install
              </Button>
            )}
            {!install.running && (result?.outcome !== 'ok' || install.error) && (install.error || result) && (
              <Button onClick={() => void startInstall()}>Retry the install</Button>
            )}
            {!install.running && result?.outcome === 'ok' && (
              <>
                <Button
                  variant="default"
                  onClick={() => {
                    goTo('console');
                    void startWatch();
                  }}
                >
                  Open the console
                </Button>
                <Button
                  onClick={() => {
                    goTo('verify');
                    void runVerify();
                  }}
                >
                  Continue to verify
                </Button>
              </>
            )}
          </Group>
        </Group>
      </Card>

      {install.error && (
        <div style={{ marginBottom: 16 }}>
          <ErrorNotice error={install.error} title="The install could not start" />
        </div>
      )}
      {result?.outcome === 'ok' && result.counts.changed === 0 && (
        <Alert color="teal" variant="light" mb="lg" title="Nothing to change">
          Both servers already match: {plural(result.counts.noop, 'step')} checked and already done.
        </Alert>
      )}
      {result?.outcome === 'ok' && result.counts.changed > 0 && (
        <Alert color="teal" variant="light" mb="lg" title="Installed">
          {plural(result.counts.changed, 'step')} changed, {result.counts.noop} already done.
        </Alert>
      )}
      {result?.outcome === 'cancelled' && (
        <Alert color="yellow" variant="light" mb="lg" title="Cancelled">
          {install.message ?? 'The install stopped at a safe point.'} Retry to continue where it stopped.
        </Alert>
      )}
      {result?.outcome === 'failed' && result.failure && (
        <FailureCard
          failure={result.failure}
          step={install.steps.find((step) => step.id === result.stoppedAt?.step)?.title ?? result.stoppedAt?.step ?? 'A step'}
          where={whereOf(install, result.stoppedAt?.target ?? failedStatus?.target ?? 'pair')}
        />
      )}

      {install.steps.length > 0 && (
        <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="lg" mb="lg">
          {(['a', 'b'] as const).map((target) => (
            <TargetSteps key={target} install={install} target={target} />
          ))}
        </SimpleGrid>
      )}
      {install.steps.some((step) => step.scope === 'pair') && (
        <div style={{ marginBottom: 16 }}>
          <TargetSteps install={install} target="pair" />
        </div>
      )}

      <LogTail lines={install.log} />
    </section>
  );
}

/** A clock that ticks every second while `running`. */
function useNow(running: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!running) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [running]);
  return running ? now : Date.now();
}

function headline(install: InstallState): string {
  if (install.running) return install.cancelling ? 'Cancelling at the next safe point…' : 'Installing…';
  if (install.error) return 'Not started';
  switch (install.result?.outcome) {
    case 'ok':
      return install.result.counts.changed === 0 ? 'Done: nothing to change' : 'Done';
    case 'failed':
      return 'Stopped: a step failed';
    case 'cancelled':
      return 'Cancelled';
    default:
      return 'Not started';
  }
}

function overallKind(install: InstallState): StatusKind {
  if (install.error) return 'fail';
  switch (install.result?.outcome) {
    case 'ok':
      return 'pass';
    case 'failed':
      return 'fail';
    case 'cancelled':
      return 'warn';
    default:
      return 'pending';
  }
}

function whereOf(install: InstallState, target: StepTarget): string {
  return target === 'pair' ? 'both servers' : (install.hostnames?.[target] ?? install.nodes?.[target] ?? `node ${target}`);
}

function failedTarget(install: InstallState): { target: StepTarget } | undefined {
  for (const [key, status] of Object.entries(install.status)) {
    if (status.state === 'failed') return { target: key.split('|')[1] as StepTarget };
  }
  return undefined;
}

const STATUS_LOOK: Record<TargetStatus['state'], { kind: StatusKind; text: string }> = {
  pending: { kind: 'pending', text: 'Waiting' },
  running: { kind: 'running', text: 'Running…' },
  changed: { kind: 'pass', text: 'Changed' },
  noop: { kind: 'pass', text: 'Already done' },
  failed: { kind: 'fail', text: 'Failed' },
  interrupted: { kind: 'warn', text: 'Interrupted' },
};

function TargetSteps({ install, target }: { install: InstallState; target: StepTarget }) {
  const steps = install.steps.filter((step) => (target === 'pair' ? step.scope === 'pair' : step.scope === 'node'));
  const title = target === 'pair' ? 'Both servers together' : whereOf(install, target);
  const id = `install-${target}`;
  const done = steps.filter((step) => {
    const state = install.status[targetKey(step.id, target)]?.state;
    return state === 'changed' || state === 'noop';
  }).length;
  return (
    <Card withBorder padding="lg" component="section" aria-labelledby={id}>
      <Group justify="space-between" mb="sm">
        <Title order={2} size="h4" id={id}>
          {title}
        </Title>
        <Badge variant="light" color={done === steps.length ? 'teal' : 'gray'}>
          {done} of {steps.length} done
        </Badge>
      </Group>
      <Stack gap={0} component="ol" style={{ listStyle: 'none', margin: 0, padding: 0 }}>
        {steps.map((step) => (
          <StepLine key={step.id} step={step} status={install.status[targetKey(step.id, target)]} />
        ))}
      </Stack>
    </Card>
  );
}

function StepLine({ step, status }: { step: StepInfo; status: TargetStatus | undefined }) {
  const look = STATUS_LOOK[status?.state ?? 'pending'];
  const detail =
    status?.state === 'noop'
      ? status.reason
      : status?.state === 'changed'
        ? status.changes?.join('; ')
        : status?.state === 'running' && status.decision?.kind === 'change'
          ? status.decision.changes.map((change) => change.summary).join('; ')
          : status?.retrying;
  return (
    <li style={{ borderTop: '1px solid var(--mantine-color-gray-2)', padding: '7px 0' }} aria-label={`${step.title}: ${look.text}`}>
      <Group gap="sm" wrap="nowrap" align="flex-start">
        {status?.state === 'running' ? <Loader size={18} aria-label="Running" /> : <StatusIcon kind={look.kind} label={look.text} size={20} />}
        <div style={{ minWidth: 0, flexGrow: 1 }}>
          <Group justify="space-between" wrap="nowrap" gap="xs">
            <Text size="sm" fw={status?.state === 'running' ? 600 : 500}>
              {step.title}
            </Text>
            <Text size="xs" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
              {look.text}
              {status?.durationMs !== undefined && status.state !== 'pending' ? ` · ${formatDuration(status.durationMs)}` : ''}
            </Text>
          </Group>
          {detail && (
            <Text size="xs" c="dimmed" lineClamp={2}>
              {detail}
            </Text>
          )}
        </div>
      </Group>
    </li>
  );
}

function FailureCard({ failure, step, where }: { failure: StepFailure; step: string; where: string }) {
  const output = [failure.stderr, failure.stdout].filter(Boolean).join('\n').trim().split('\n').slice(-20).join('\n');
  return (
    <Card withBorder padding="lg" mb="lg" component="section" aria-labelledby="install-failure" style={{ borderColor: 'var(--mantine-color-red-4)' }}>
      <Group gap="sm" mb="xs">
        <StatusIcon kind="fail" />
        <Title order={2} size="h4" id="install-failure">
          {step} failed on {where}
        </Title>
      </Group>
      <Text size="sm">{failure.message}</Text>
      {failure.command && (
        <Text size="sm" mt="sm">
          <Text span fw={600}>
            Command:{' '}
          </Text>
          <Code>{failure.command}</Code>
          {failure.exitCode !== undefined && failure.exitCode !== null && (
            <Text span size="xs" c="dimmed">
              {' '}
              (exit code {failure.exitCode})
            </Text>
          )}
        </Text>
      )}
      {output && (
        <pre className="lockstep-tail" style={{ height: 'auto', maxHeight: '12rem', marginTop: 8 }} aria-label="Output of the failed command">
          {output}
        </pre>
      )}
      <Text size="sm" mt="sm">
        <Text span fw={600}>
          Fix:{' '}
        </Text>
        {failure.remedy}
      </Text>
      <Text size="xs" c="dimmed" mt={6}>
        Error code <Code>{failure.code}</Code>
      </Text>
    </Card>
  );
}

function LogTail({ lines }: { lines: readonly string[] }) {
  const ref = useRef<HTMLPreElement>(null);
  useEffect(() => {
    const element = ref.current;
    if (element) element.scrollTop = element.scrollHeight;
  }, [lines]);
  return (
    <section aria-labelledby="install-log-title">
      <Title order={2} size="h5" id="install-log-title" mb={6}>
        Live log
      </Title>
      <pre ref={ref} className="lockstep-tail" role="log" aria-label="Install log" tabIndex={0}>
        {lines.length > 0 ? lines.join('\n') : 'Waiting for the first step…'}
      </pre>
    </section>
  );
}
