import { Alert, Group, Loader, Text } from '@mantine/core';
import { ErrorNotice } from '../components/error-notice';
import { useWizard } from '../store/store-context';
import { actionWords } from './confirm-action';

/**
 * The running action, then how it ended: a status named by the action's title with the
 * engine's own sentence, or its error with the fix.
 */
export function ActionStatus() {
  const action = useWizard((state) => state.consoleAction);
  if (action.running)
    return (
      <Group gap="xs" role="status" aria-label="Action status">
        <Loader size="xs" />
        <Text size="sm">{actionWords(action.running.request).confirm}: working (the cluster is checked again afterwards)…</Text>
      </Group>
    );
  const last = action.last;
  if (!last) return null;
  if (last.error) return <ErrorNotice error={last.error} title={`${actionWords(last.request).confirm} did not succeed`} />;
  if (!last.result) return null;
  return (
    <Alert color={last.result.outcome === 'changed' ? 'teal' : 'gray'} variant="light" role="status" title={last.result.title}>
      <Text size="sm">{last.result.message}</Text>
    </Alert>
  );
}
