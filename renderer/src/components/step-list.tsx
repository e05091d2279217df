import { Badge, Card, Code, Group, Loader, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import type { StepFailure, StepInfo, StepTarget } from '../../../provisioning/api/apply-events';
import { formatDuration } from '../format';
import { targetKey, type InstallState, type TargetStatus } from '../store/pair-flow';
import { StatusIcon, type StatusKind } from './status-icon';

/**
 * The steps of an engine run as they go (the install, a VM create): one list per server
 * with each step's state, what it changed or why nothing was needed, then the steps
 * both servers take together; and where a run stopped on a failure, with its fix. Fed by
 * `reduceInstall`, so every run of `ApplyEvent`s looks the same. `idPrefix` keeps the
 * headings' ids apart where two runs could show at once.
 */
export function RunSteps({ run, idPrefix }: { run: InstallState; idPrefix: string }) {
  return (
    <>
      {run.steps.some((step) => step.scope === 'node') && (
        <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="lg" mb="lg">
          {(['a', 'b'] as const).map((target) => (
            <TargetSteps key={target} run={run} target={target} idPrefix={idPrefix} />
          ))}
        </SimpleGrid>
      )}
      {run.steps.some((step) => step.scope === 'pair') && (
        <div style={{ marginBottom: 16 }}>
          <TargetSteps run={run} target="pair" idPrefix={idPrefix} />
        </div>
      )}
    </>
  );
}

/** The failed step of a run that stopped on one: where, the command and its output, the fix. */
export function RunFailure({ run, idPrefix }: { run: InstallState; idPrefix: string }) {
  const result = run.result;
  if (result?.outcome !== 'failed' || !result.failure) return null;
  const step = run.steps.find((each) => each.id === result.stoppedAt?.step)?.title ?? result.stoppedAt?.step ?? 'A step';
  const where = whereOf(run, result.stoppedAt?.target ?? failedTarget(run) ?? 'pair');
  return <FailureCard failure={result.failure} step={step} where={where} id={`${idPrefix}-failure`} />;
}

function whereOf(run: InstallState, target: StepTarget): string {
  return target === 'pair' ? 'both servers' : (run.hostnames?.[target] ?? run.nodes?.[target] ?? `node ${target}`);
}

function failedTarget(run: InstallState): StepTarget | undefined {
  for (const [key, status] of Object.entries(run.status)) {
    if (status.state === 'failed') return key.split('|')[1] as StepTarget;
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

function TargetSteps({ run, target, idPrefix }: { run: InstallState; target: StepTarget; idPrefix: string }) {
  const steps = run.steps.filter((step) => (target === 'pair' ? step.scope === 'pair' : step.scope === 'node'));
  const title = target === 'pair' ? 'Both servers together' : whereOf(run, target);
  const id = `${idPrefix}-${target}`;
  const done = steps.filter((step) => {
    const state = run.status[targetKey(step.id, target)]?.state;
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
          <StepLine key={step.id} step={step} status={run.status[targetKey(step.id, target)]} />
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

function FailureCard({ failure, step, where, id }: { failure: StepFailure; step: string; where: string; id: string }) {
  const output = [failure.stderr, failure.stdout].filter(Boolean).join('\n').trim().split('\n').slice(-20).join('\n');
  return (
    <Card withBorder padding="lg" mb="lg" component="section" aria-labelledby={id} style={{ borderColor: 'var(--mantine-color-red-4)' }}>
      <Group gap="sm" mb="xs">
        <StatusIcon kind="fail" />
        <Title order={2} size="h4" id={id}>
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
