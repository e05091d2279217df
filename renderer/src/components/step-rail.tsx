import { Stack, Text, ThemeIcon, UnstyledButton, Group, Divider } from '@mantine/core';
import { STEPS, lockedReason, stepState, type StepDefinition, type StepState } from '../steps';
import { validationPassed } from '../store/pair-flow';
import { useWizard } from '../store/store-context';

/** The left rail: every step of the flow, where the user is, and what is not reachable yet. */
export function StepRail() {
  const current = useWizard((state) => state.step);
  const selected = useWizard((state) => state.selected);
  const servers = useWizard((state) => state.servers);
  const inventory = useWizard((state) => state.inventory);
  const goTo = useWizard((state) => state.goTo);
  const siteKnown = useWizard((state) => !!state.sitePath);
  const passed = useWizard((state) => validationPassed(state));
  const planMade = useWizard((state) => !!state.planning.result);
  const installDone = useWizard((state) => state.install.result?.outcome === 'ok');
  const siteCommitted = useWizard((state) => state.siteSaving.committed);
  const siteEdited = useWizard((state) => state.siteSaving.dirty);
  const verified = useWizard((state) => !!state.verify.result?.passed);
  const trustedCount = selected.filter((key) => servers[key]?.phase === 'trusted').length;
  const progress = {
    current,
    selectedCount: selected.length,
    trustedCount,
    inventoryRead: !!inventory.nodes,
    siteKnown,
    validationPassed: passed,
    planMade,
    installDone,
    siteCommitted,
    siteEdited,
    verified,
  };
  const built = STEPS.filter((step) => step.built);
  const later = STEPS.filter((step) => !step.built);

  return (
    <nav aria-label="Steps">
      <Stack gap={4} component="ol" style={{ listStyle: 'none', margin: 0, padding: 0 }}>
        {built.map((step, index) => (
          <StepItem
            key={step.id}
            step={step}
            number={index + 1}
            state={stepState(step, progress)}
            reason={lockedReason(step.id, progress)}
            onOpen={() => goTo(step.id)}
          />
        ))}
      </Stack>
      {later.length > 0 && (
        <>
          <Divider my="sm" label="Coming later" labelPosition="left" />
          <Stack gap={2} component="ol" style={{ listStyle: 'none', margin: 0, padding: 0 }}>
            {later.map((step, index) => (
              <StepItem
                key={step.id}
                step={step}
                number={built.length + index + 1}
                state="unbuilt"
                onOpen={() => undefined}
              />
            ))}
          </Stack>
        </>
      )}
    </nav>
  );
}

const ICON_COLOR: Record<StepState, string> = {
  current: 'indigo',
  done: 'teal',
  available: 'gray',
  locked: 'gray',
  unbuilt: 'gray',
};

function StepItem({
  step,
  number,
  state,
  reason,
  onOpen,
}: {
  step: StepDefinition;
  number: number;
  state: StepState;
  /** Why the step is locked, when it is. */
  reason?: string;
  onOpen: () => void;
}) {
  const disabled = state === 'locked' || state === 'unbuilt';
  const describedBy = `step-${step.id}-hint`;
  const hint =
    state === 'unbuilt' ? 'Not yet available' : state === 'locked' ? (reason ?? lockedReason(step.id)) : step.hint;
  return (
    <li>
      <UnstyledButton
        className="lockstep-step"
        data-state={state}
        onClick={onOpen}
        disabled={disabled}
        aria-current={state === 'current' ? 'step' : undefined}
        aria-describedby={describedBy}
        w="100%"
        p={state === 'unbuilt' ? 6 : 8}
        style={{
          borderRadius: 8,
          background: state === 'current' ? 'var(--mantine-color-indigo-0)' : undefined,
          cursor: disabled ? 'not-allowed' : 'pointer',
        }}
      >
        <Group gap="sm" wrap="nowrap" align="flex-start">
          <ThemeIcon
            size={state === 'unbuilt' ? 22 : 26}
            radius="xl"
            color={ICON_COLOR[state]}
            variant={state === 'current' || state === 'done' ? 'filled' : 'light'}
            aria-hidden
          >
            <Text size="xs" fw={700} span>
              {state === 'done' ? '✓' : number}
            </Text>
          </ThemeIcon>
          <div>
            <Text size="sm" fw={state === 'current' ? 700 : 500} c={disabled ? 'dimmed' : undefined}>
              {step.title}
            </Text>
            <Text id={describedBy} size="xs" c="dimmed">
              {hint}
            </Text>
          </div>
        </Group>
      </UnstyledButton>
    </li>
  );
}
