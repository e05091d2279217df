import { Alert, Badge, Button, Card, Collapse, Group, Loader, SimpleGrid, Stack, Text, Title, UnstyledButton } from '@mantine/core';
import { useState } from 'react';
import type { DecisionInfo, Plan, PlannedStep, StepTarget } from '../../../provisioning/api/apply-events';
import { ErrorNotice } from '../components/error-notice';
import { ScreenHeader } from '../components/screen-header';
import { StatusIcon } from '../components/status-icon';
import { plural } from '../format';
import { useWizard } from '../store/store-context';

/** How many steps change, are already done, or do not apply (a step counts once). */
export function planSummary(plan: Plan): { change: number; done: number; notApplicable: number } {
  let change = 0;
  let done = 0;
  let notApplicable = 0;
  for (const step of plan.steps) {
    if (!step.applicable) notApplicable += 1;
    else if (Object.values(step.decisions).some((decision) => decision?.kind === 'change')) change += 1;
    else done += 1;
  }
  return { change, done, notApplicable };
}

/** Plan (step 9): per server, what the install will change and what is already done. */
export function PlanScreen() {
  const planning = useWizard((state) => state.planning);
  const makePlan = useWizard((state) => state.makePlan);
  const goTo = useWizard((state) => state.goTo);
  const startInstall = useWizard((state) => state.startInstall);
  const result = planning.result;
  const plan = result?.plan;
  const summary = plan ? planSummary(plan) : undefined;

  return (
    <section>
      <ScreenHeader title="Plan">
        What the install will do on each server, step by step, found by inspecting the servers as they are now.
        Nothing has been changed yet.
      </ScreenHeader>

      {planning.running && (
        <Group gap="sm" role="status" mb="lg">
          <Loader size="sm" />
          <Text size="sm">Inspecting both servers{planning.progress ? `: ${planning.progress}` : ''}…</Text>
        </Group>
      )}
      {planning.error && (
        <Stack gap="sm" mb="lg">
          <ErrorNotice error={planning.error} title="The plan could not be made" />
          <Group gap="sm">
            <Button variant="light" onClick={() => goTo('validate')}>
              Back to validate
            </Button>
            <Button variant="subtle" onClick={() => void makePlan()}>
              Make the plan again
            </Button>
          </Group>
        </Stack>
      )}

      {plan && summary && (
        <Stack gap="lg">
          <Card withBorder padding="md">
            <Group justify="space-between">
              <Group gap="lg" role="status" aria-label="Plan summary">
                <Group gap={6}>
                  <StatusIcon kind={summary.change > 0 ? 'change' : 'pass'} label={summary.change > 0 ? 'Changes' : 'No changes'} size={20} />
                  <Text size="sm" fw={500}>
                    {summary.change === 0 ? 'Nothing to change' : `${plural(summary.change, 'step')} will change`}
                  </Text>
                </Group>
                <Text size="sm" c="dimmed">
                  {plural(summary.done, 'step')} already done · {summary.notApplicable} not applicable
                </Text>
              </Group>
              <Button variant="subtle" onClick={() => void makePlan()} disabled={planning.running}>
                Inspect again
              </Button>
            </Group>
            {result.allowed.length > 0 && (
              <Text size="xs" c="dimmed" mt={8}>
                Going on past {[...new Set(result.allowed.map((finding) => finding.id))].join(', ')} (practice lab).
              </Text>
            )}
          </Card>

          {plan.previousRun && plan.previousRun.ending !== 'finished' && (
            <Alert color="yellow" variant="light" title="The last install did not finish">
              Run {plan.previousRun.runId} ended {plan.previousRun.ending}. Installing again resumes it: finished steps come
              out as already done.
            </Alert>
          )}

          <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="lg">
            {(['a', 'b'] as const).map((target) => (
              <TargetCard key={target} plan={plan} target={target} title={plan.nodes[target].hostname} subtitle={plan.nodes[target].label} />
            ))}
          </SimpleGrid>
          {plan.steps.some((step) => step.applicable && step.decisions.pair) && (
            <TargetCard plan={plan} target="pair" title="Both servers together" subtitle="Cluster-wide steps, run once after both servers are ready" />
          )}
          {summary.notApplicable > 0 && (
            <Text size="sm" c="dimmed">
              Not applicable to this site:{' '}
              {plan.steps
                .filter((step) => !step.applicable)
                .map((step) => step.title)
                .join(', ')}
              .
            </Text>
          )}

          <Card withBorder padding="lg">
            <Group justify="space-between">
              <Text size="sm">
                {summary.change === 0
                  ? 'Both servers already match. Installing verifies every step and changes nothing.'
                  : `Installing changes ${plural(summary.change, 'step')} on the servers; every step checks its own result.`}
              </Text>
              <Button
                onClick={() => {
                  goTo('install');
                  void startInstall();
                }}
                disabled={planning.running}
              >
                Start the install
              </Button>
            </Group>
          </Card>
        </Stack>
      )}
    </section>
  );
}

function TargetCard({ plan, target, title, subtitle }: { plan: Plan; target: StepTarget; title: string; subtitle: string }) {
  const steps = plan.steps.filter((step) => step.applicable && step.decisions[target]);
  const id = `plan-${target}`;
  const changing = steps.filter((step) => step.decisions[target]?.kind === 'change').length;
  return (
    <Card withBorder padding="lg" component="section" aria-labelledby={id}>
      <Group justify="space-between" align="baseline" mb="sm">
        <div>
          <Title order={2} size="h4" id={id}>
            {title}
          </Title>
          <Text size="xs" c="dimmed">
            {subtitle}
          </Text>
        </div>
        <Badge variant="light" color={changing > 0 ? 'indigo' : 'teal'}>
          {changing > 0 ? `${changing} to change` : 'Nothing to change'}
        </Badge>
      </Group>
      <Stack gap={0} component="ol" style={{ listStyle: 'none', margin: 0, padding: 0 }}>
        {steps.map((step) => (
          <StepRow key={step.id} step={step} decision={step.decisions[target]} where={title} />
        ))}
      </Stack>
    </Card>
  );
}

function StepRow({ step, decision, where }: { step: PlannedStep; decision: DecisionInfo | undefined; where: string }) {
  const [open, setOpen] = useState(false);
  if (!decision) return null;
  const commands = decision.kind === 'change' ? decision.changes.flatMap((change) => change.commands) : [];
  const panelId = `commands-${step.id}-${where}`.replace(/\W+/g, '-');
  return (
    <li style={{ borderTop: '1px solid var(--mantine-color-gray-2)', padding: '8px 0' }} aria-label={`${step.title}: ${decision.kind === 'change' ? 'will change' : 'already done'}`}>
      <Group gap="sm" align="flex-start" wrap="nowrap">
        <StatusIcon kind={decision.kind === 'change' ? 'change' : 'pass'} label={decision.kind === 'change' ? 'Will change' : 'Already done'} size={20} />
        <div style={{ minWidth: 0, flexGrow: 1 }}>
          <Group gap={8} justify="space-between" wrap="nowrap">
            <Text size="sm" fw={500}>
              {step.title}
            </Text>
            <Text size="xs" c={decision.kind === 'change' ? 'indigo.7' : 'dimmed'} fw={decision.kind === 'change' ? 600 : 400} style={{ whiteSpace: 'nowrap' }}>
              {decision.kind === 'change' ? 'Will change' : 'Already done'}
            </Text>
          </Group>
          {decision.kind === 'noop' ? (
            <Text size="xs" c="dimmed">
              {decision.reason}
            </Text>
          ) : (
            <>
              <Stack gap={0} component="ul" style={{ margin: '2px 0 0', paddingLeft: 18 }}>
                {decision.changes.map((change, index) => (
                  <Text component="li" size="xs" key={index}>
                    {change.summary}
                  </Text>
                ))}
              </Stack>
              {commands.length > 0 && (
                <>
                  <UnstyledButton
                    mt={4}
                    onClick={() => setOpen((value) => !value)}
                    aria-expanded={open}
                    aria-controls={panelId}
                    aria-label={`Commands of ${step.title} on ${where}`}
                    className="lockstep-disclosure"
                  >
                    <Text size="xs" c="indigo.7" fw={500}>
                      {open ? '▾ Hide' : '▸ Show'} {plural(commands.length, 'command')}
                    </Text>
                  </UnstyledButton>
                  <Collapse expanded={open}>
                    <pre id={panelId} className="lockstep-commands">
                      {commands.join('\n')}
                    </pre>
                  </Collapse>
                </>
              )}
            </>
          )}
        </div>
      </Group>
    </li>
  );
}
