import { Alert, Button, Card, Group, Loader, Text, Title } from '@mantine/core';
import { useEffect, useRef, useState } from 'react';
import { ErrorNotice } from '../components/error-notice';
import { ScreenHeader } from '../components/screen-header';
import { StatusIcon, type StatusKind } from '../components/status-icon';
import { RunFailure, RunSteps } from '../components/step-list';
import { formatDuration, plural } from '../format';
import type { InstallState } from '../store/pair-flow';
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
      <RunFailure run={install} idPrefix="install" />
      <RunSteps run={install} idPrefix="install" />

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
