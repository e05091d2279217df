import {
  Badge,
  Button,
  Card,
  Group,
  List,
  Loader,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import type { LabStatusView } from '../../../provisioning/api/contract';
import { ErrorNotice } from '../components/error-notice';
import { ScreenHeader } from '../components/screen-header';
import { useWizard } from '../store/store-context';

/** Start: a new pair, a pair from its site file, or the practice lab on this computer. */
export function StartScreen() {
  const goTo = useWizard((state) => state.goTo);
  const siteFile = useWizard((state) => state.siteFile);
  const setSitePath = useWizard((state) => state.setSitePath);
  const openSiteFile = useWizard((state) => state.openSiteFile);

  return (
    <section aria-labelledby="start-title">
      <ScreenHeader title="Start">
        Lockstep turns two servers into one fault-tolerant pair. Begin with two servers you have, a pair you
        described in a site file, or a practice pair on this computer.
      </ScreenHeader>
      <SimpleGrid cols={{ base: 1, md: 3 }} spacing="lg">
        <Card withBorder padding="lg" component="section" aria-labelledby="new-pair-title">
          <Title order={2} size="h4" id="new-pair-title">
            New pair
          </Title>
          <Text size="sm" c="dimmed" mt={6} mb="lg" style={{ flexGrow: 1 }}>
            Two Debian servers with SSH on and cabled to each other. Lockstep finds them, checks them and sets
            them up.
          </Text>
          <Button onClick={() => goTo('find')}>Set up a new pair</Button>
        </Card>

        <Card withBorder padding="lg" component="section" aria-labelledby="site-file-title">
          <Title order={2} size="h4" id="site-file-title">
            Open a site file
          </Title>
          <Text size="sm" c="dimmed" mt={6} mb="sm">
            A YAML file that names the pair and its two servers.
          </Text>
          <form
            onSubmit={(event) => {
              event.preventDefault();
              void openSiteFile();
            }}
          >
            <Stack gap="sm">
              <TextInput
                label="Site file path"
                placeholder="/home/me/pairs/site.yaml"
                value={siteFile.path}
                onChange={(event) => setSitePath(event.currentTarget.value)}
              />
              <Button
                type="submit"
                variant="light"
                loading={siteFile.loading}
                disabled={siteFile.path.trim() === ''}
              >
                Open site file
              </Button>
            </Stack>
          </form>
          {siteFile.error && (
            <div style={{ marginTop: 12 }}>
              <ErrorNotice error={siteFile.error} />
            </div>
          )}
        </Card>

        <PracticeLabCard />
      </SimpleGrid>
    </section>
  );
}

const LAB_STATE_LABEL: Record<LabStatusView['state'], { label: string; color: string }> = {
  running: { label: 'Running', color: 'teal' },
  down: { label: 'Not running', color: 'gray' },
  degraded: { label: 'Partly running', color: 'orange' },
  unsupported: { label: 'Not available here', color: 'gray' },
};

function PracticeLabCard() {
  const lab = useWizard((state) => state.lab);
  const startLab = useWizard((state) => state.startLab);
  const refreshLab = useWizard((state) => state.refreshLab);
  const useLab = useWizard((state) => state.useLab);
  const status = lab.status;
  const state = status ? LAB_STATE_LABEL[status.state] : undefined;

  return (
    <Card withBorder padding="lg" component="section" aria-labelledby="lab-title">
      <Group justify="space-between" align="flex-start">
        <Title order={2} size="h4" id="lab-title">
          Practice lab
        </Title>
        {lab.busy === 'checking' && !status ? (
          <Loader size="xs" aria-label="Checking the practice lab" />
        ) : state ? (
          <Badge color={state.color} variant="light" aria-label={`Practice lab status: ${state.label}`}>
            {state.label}
          </Badge>
        ) : null}
      </Group>
      <Text size="sm" c="dimmed" mt={6} mb="sm">
        Two practice servers in containers on this computer, to try every step safely.
      </Text>
      {status && status.nodes.length > 0 && (
        <List size="sm" spacing={2} mb="sm" aria-label="Practice servers">
          {status.nodes.map((node) => (
            <List.Item key={node.name}>
              <Text span fw={500}>
                {node.hostname}
              </Text>{' '}
              <Text span size="xs" c="dimmed">
                {node.address} · {node.sshReady ? 'SSH answers' : node.running ? 'starting' : 'stopped'}
              </Text>
            </List.Item>
          ))}
        </List>
      )}
      {status?.reason && (
        <Text size="sm" c="dimmed" mb="sm">
          {status.reason}
        </Text>
      )}
      <Group gap="xs">
        {status?.state === 'running' ? (
          <Button onClick={useLab}>Use the practice lab</Button>
        ) : (
          <Button
            onClick={() => void startLab()}
            loading={lab.busy === 'starting'}
            disabled={status?.state === 'unsupported' || lab.busy === 'checking'}
          >
            Start practice lab
          </Button>
        )}
        <Button
          variant="subtle"
          size="sm"
          px="xs"
          onClick={() => void refreshLab()}
          disabled={lab.busy !== 'idle'}
        >
          Refresh status
        </Button>
      </Group>
      {lab.progress.length > 0 && (
        <div role="log" aria-label="Practice lab progress" className="lockstep-log" style={{ marginTop: 12 }}>
          {lab.progress.join('\n')}
        </div>
      )}
      {lab.error && (
        <div style={{ marginTop: 12 }}>
          <ErrorNotice error={lab.error} />
        </div>
      )}
    </Card>
  );
}
