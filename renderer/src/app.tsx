import { AppShell, Badge, Group, Loader, Text, Title } from '@mantine/core';
import { Suspense, lazy, useEffect, useRef } from 'react';
import { StepRail } from './components/step-rail';
import { ConsoleScreen } from './screens/console-screen';
import { FindServersScreen } from './screens/find-servers-screen';
import { InstallScreen } from './screens/install-screen';
import { PlanScreen } from './screens/plan-screen';
import { InventoryScreen } from './screens/inventory-screen';
import { StartScreen } from './screens/start-screen';
import { TrustScreen } from './screens/trust-screen';
import { ValidateScreen } from './screens/validate-screen';
import { useWizard } from './store/store-context';
import type { StepId } from './steps';

// Steps 5–7 and 11 load when first opened, so that the first paint (Start) stays small.
const RolesScreen = lazy(() => import('./screens/roles-screen').then((module) => ({ default: module.RolesScreen })));
const DisksScreen = lazy(() => import('./screens/disks-screen').then((module) => ({ default: module.DisksScreen })));
const OptionsScreen = lazy(() => import('./screens/options-screen').then((module) => ({ default: module.OptionsScreen })));
const VerifyScreen = lazy(() => import('./screens/verify-screen').then((module) => ({ default: module.VerifyScreen })));

/** The window: a header with the pair's name, the step rail, and the current screen. */
export function App() {
  const step = useWizard((state) => state.step);
  const pairName = useWizard((state) => state.pairName);
  const app = useWizard((state) => state.app);
  const main = useRef<HTMLElement>(null);

  // Moving to another step moves the keyboard focus to its heading, as a page change would.
  useEffect(() => {
    const root = main.current;
    if (!root) return;
    // While a screen loaded on first use arrives, the previous one stays in the page, hidden.
    const focus = (): boolean => {
      const heading = [...root.querySelectorAll<HTMLElement>('h1')].find((each) => each.getClientRects().length > 0);
      heading?.focus();
      return !!heading;
    };
    if (focus()) return;
    const observer = new MutationObserver(() => {
      if (focus()) observer.disconnect();
    });
    observer.observe(root, { childList: true, subtree: true });
    return () => observer.disconnect();
  }, [step]);

  return (
    <AppShell header={{ height: 60 }} navbar={{ width: 264, breakpoint: 0 }} padding="xl">
      <AppShell.Header>
        <Group h="100%" px="lg" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Logo />
            <Text fw={700} size="lg" c="indigo.8">
              Lockstep
            </Text>
            <Text c="dimmed" aria-hidden>
              /
            </Text>
            <Title order={2} size="h4" fw={600} aria-label={`Pair: ${pairName}`}>
              {pairName}
            </Title>
          </Group>
          {app && (
            <Group gap="xs">
              <Badge variant="light" color="gray" radius="sm">
                {app.door === 'web' ? 'Browser session on this computer' : 'Desktop app'}
              </Badge>
              <Text size="xs" c="dimmed">
                v{app.version}
              </Text>
            </Group>
          )}
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="md">
        <StepRail />
      </AppShell.Navbar>
      <AppShell.Main ref={main}>
        <div style={{ maxWidth: 1120 }}>
          <Suspense fallback={<Loader size="sm" aria-label="Loading the screen" />}>
            <Screen step={step} />
          </Suspense>
        </div>
      </AppShell.Main>
    </AppShell>
  );
}

function Screen({ step }: { step: StepId }) {
  switch (step) {
    case 'start':
      return <StartScreen />;
    case 'find':
      return <FindServersScreen />;
    case 'trust':
      return <TrustScreen />;
    case 'inventory':
      return <InventoryScreen />;
    case 'roles':
      return <RolesScreen />;
    case 'disks':
      return <DisksScreen />;
    case 'options':
      return <OptionsScreen />;
    case 'validate':
      return <ValidateScreen />;
    case 'plan':
      return <PlanScreen />;
    case 'install':
      return <InstallScreen />;
    case 'verify':
      return <VerifyScreen />;
    case 'console':
      return <ConsoleScreen />;
    default:
      return <StartScreen />;
  }
}

function Logo() {
  return (
    <svg width="28" height="28" viewBox="0 0 32 32" aria-hidden focusable="false">
      <rect x="3" y="6" width="11" height="20" rx="3" fill="var(--mantine-color-indigo-6)" />
      <rect x="18" y="6" width="11" height="20" rx="3" fill="var(--mantine-color-indigo-3)" />
      <rect x="12" y="14" width="8" height="4" rx="2" fill="var(--mantine-color-indigo-8)" />
    </svg>
  );
}
