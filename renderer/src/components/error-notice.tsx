import { Alert, Code, Text } from '@mantine/core';
import type { ErrorInfo } from '../../../provisioning/api/errors';

/** An engine error as a user reads it: what happened, what to do, and its stable code. */
export function ErrorNotice({ error, title }: { error: ErrorInfo; title?: string }) {
  return (
    <Alert color="red" variant="light" title={title ?? error.message} role="alert">
      {title && <Text size="sm">{error.message}</Text>}
      {error.remedy && (
        <Text size="sm" mt={4}>
          <Text span fw={600}>
            What to do:{' '}
          </Text>
          {error.remedy}
        </Text>
      )}
      <Text size="xs" c="dimmed" mt={6}>
        Error code <Code>{error.code}</Code>
        {error.field ? (
          <>
            {' '}
            · field <Code>{error.field}</Code>
          </>
        ) : null}
      </Text>
    </Alert>
  );
}
