import { Alert, Button, Group, List, Loader, Modal, Stack, Text } from '@mantine/core';
import type { ActionRequest } from '../../../provisioning/api/actions';
import { ErrorNotice } from '../components/error-notice';
import { useWizard } from '../store/store-context';

/** What a disruptive action does to the VMs, in words, before the plan is back. */
export function actionWords(request: ActionRequest): { title: string; risk: string; confirm: string } {
  switch (request.kind) {
    case 'node-mode':
      return request.mode === 'standby'
        ? { title: `Put ${request.node} into maintenance?`, risk: `Pacemaker moves every VM off ${request.node} to the other node first. Until you bring ${request.node} back online, the pair is unprotected.`, confirm: 'Put into maintenance' }
        : { title: `Bring ${request.node} back online?`, risk: `${request.node} can run VMs again.`, confirm: 'Bring online' };
    case 'vm-migrate':
      return { title: `Migrate ${request.vm}?`, risk: `${request.vm} moves to ${request.node ?? 'the other node'}; without live migration it restarts there.`, confirm: 'Migrate' };
    case 'vm-level':
      return request.level === 'none'
        ? { title: `Remove ${request.vm} from the cluster?`, risk: `${request.vm} keeps running, but is no longer restarted on the other node when its node fails.`, confirm: 'Set level none' }
        : { title: `Make ${request.vm} ${request.level}?`, risk: `The cluster takes over running ${request.vm}.`, confirm: `Set level ${request.level}` };
  }
}

/**
 * The confirmation of a disruptive action: what it risks, then the engine's own plan
 * (a dry run: the changes, or why nothing is needed) before anything is changed.
 */
export function ConfirmAction() {
  const proposal = useWizard((state) => state.consoleAction.proposal);
  const running = useWizard((state) => state.consoleAction.running);
  const confirmAction = useWizard((state) => state.confirmAction);
  const dismissAction = useWizard((state) => state.dismissAction);
  if (!proposal) return null;
  const words = actionWords(proposal.request);
  const plan = proposal.plan;
  const nothing = plan?.decision.kind === 'noop';
  return (
    <Modal opened onClose={dismissAction} title={words.title} centered size="lg">
      <Stack gap="sm">
        <Text size="sm">{words.risk}</Text>
        {proposal.planning && (
          <Group gap="xs" role="status" aria-label="Action plan">
            <Loader size="xs" />
            <Text size="sm">Looking at the cluster…</Text>
          </Group>
        )}
        {proposal.error && <ErrorNotice error={proposal.error} title="This cannot be done now" />}
        {plan && (
          <Alert color={nothing ? 'gray' : 'blue'} variant="light" title={nothing ? 'Nothing to change' : 'What will change'} role="status">
            {plan.decision.kind === 'noop' ? (
              <Text size="sm">{plan.decision.reason}.</Text>
            ) : (
              <List size="sm">
                {plan.decision.changes.map((change) => (
                  <List.Item key={change.summary}>{change.summary}</List.Item>
                ))}
              </List>
            )}
          </Alert>
        )}
        <Group justify="flex-end" mt="sm">
          <Button variant="default" onClick={dismissAction}>
            Cancel
          </Button>
          <Button
            color="orange"
            onClick={() => void confirmAction()}
            disabled={proposal.planning || !!proposal.error || nothing}
            loading={!!running}
          >
            {words.confirm}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
