import { Button, Group, NativeSelect, Text } from '@mantine/core';
import { isNotifyLevel, NOTIFY_LEVELS } from './alert-notices';
import { useWizard } from '../store/store-context';

/**
 * The alerts panel's "Desktop notifications" choice, and what stands in its way: a
 * browser that has not been asked yet, one that said no, or a page without the API.
 */
export function NotifyControl() {
  const { level, permission } = useWizard((state) => state.notifications);
  const setLevel = useWizard((state) => state.setNotifyLevel);
  const allow = useWizard((state) => state.allowNotifications);
  const wanted = level !== 'off';
  return (
    <Group gap="xs" align="center" wrap="wrap" justify="flex-end">
      <NativeSelect
        size="xs"
        label="Desktop notifications"
        styles={{ root: { display: 'flex', alignItems: 'center', gap: 8 }, label: { fontWeight: 400 } }}
        data={NOTIFY_LEVELS.map(({ value, label }) => ({ value, label }))}
        value={level}
        onChange={(event) => {
          const next = event.currentTarget.value;
          if (isNotifyLevel(next)) void setLevel(next);
        }}
      />
      {wanted && permission === 'default' && (
        <Button size="compact-xs" variant="light" onClick={() => void allow()}>
          Allow notifications
        </Button>
      )}
      {wanted && permission === 'denied' && (
        <Text size="xs" c="orange.8" role="note" aria-label="Notifications blocked">
          Blocked by the browser or the system: allow notifications for Lockstep in its settings.
        </Text>
      )}
      {wanted && permission === 'unsupported' && (
        <Text size="xs" c="dimmed" role="note" aria-label="Notifications unavailable">
          This window cannot show desktop notifications; alerts stay in this list.
        </Text>
      )}
    </Group>
  );
}
