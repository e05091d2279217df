import { Button, Card, Group, List, Text, Title } from '@mantine/core';
import { ErrorNotice } from '../components/error-notice';
import { StatusIcon } from '../components/status-icon';
import { useWizard } from '../store/store-context';

/** "Re-run checks": validation of the running pair, its warnings and failures with their fixes. */
export function ChecksPanel() {
  const checks = useWizard((state) => state.consoleChecks);
  const recheck = useWizard((state) => state.recheck);
  const result = checks.result;
  const notable = result?.findings.filter((finding) => finding.severity === 'fail' || finding.severity === 'warn') ?? [];
  const counts = result && {
    pass: result.findings.filter((finding) => finding.severity === 'pass').length,
    warn: result.findings.filter((finding) => finding.severity === 'warn').length,
    fail: result.findings.filter((finding) => finding.severity === 'fail').length,
  };
  return (
    <Card withBorder padding="lg" component="section" aria-labelledby="console-checks">
      <Group justify="space-between" mb="sm">
        <Title order={2} size="h4" id="console-checks">
          Checks
        </Title>
        <Button size="xs" variant="light" loading={checks.running} onClick={() => void recheck()}>
          Re-run checks
        </Button>
      </Group>
      {checks.error && <ErrorNotice error={checks.error} title="The checks could not run" />}
      {!result && !checks.running && !checks.error && (
        <Text size="sm" c="dimmed">
          Runs every validation check on both servers again (changes nothing), e.g. after replacing a cable or a disk.
        </Text>
      )}
      {counts && (
        <>
          <Text size="sm" role="status" aria-label="Checks summary" mb="xs">
            {counts.pass} passed, {counts.warn} warning{counts.warn === 1 ? '' : 's'}, {counts.fail} failed
            {result.connectionFailed ? ' (a server could not be reached)' : ''}.
          </Text>
          <List spacing={4} size="sm" listStyleType="none" aria-label="Check findings">
            {notable.map((finding, index) => (
              <List.Item
                key={`${finding.id}-${finding.node ?? ''}-${index}`}
                icon={<StatusIcon kind={finding.severity === 'fail' ? 'fail' : 'warn'} label={finding.severity === 'fail' ? 'Fail' : 'Warning'} size={16} />}
              >
                <Text size="sm">
                  <b>{finding.id}</b>
                  {finding.node ? ` (${finding.node})` : ''}: {finding.message}
                </Text>
                {finding.remedy && (
                  <Text size="xs" c="dimmed">
                    Fix: {finding.remedy}
                  </Text>
                )}
              </List.Item>
            ))}
          </List>
        </>
      )}
    </Card>
  );
}
