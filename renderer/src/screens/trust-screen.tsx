import {
  Alert,
  Badge,
  Button,
  Card,
  Code,
  Group,
  Loader,
  PasswordInput,
  Radio,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { checkSiteField } from '../../../provisioning/api/contract';
import { ErrorNotice } from '../components/error-notice';
import { Fingerprint } from '../components/fingerprint';
import { ScreenHeader } from '../components/screen-header';
import { bannerSoftware, endpointLabel, formatRtt, keyTypeLabel } from '../format';
import { useWizard } from '../store/store-context';
import type { LoginForm, ServerTrust } from '../store/wizard-store';

/** Whether the login form can be used, with the message of each field that cannot. */
export function loginProblems(login: LoginForm): { user?: string; identityFile?: string; password?: string } {
  const user = checkSiteField('ssh.user', login.user.trim());
  const identityFile =
    login.method === 'key' ? checkSiteField('ssh.identityFile', login.identityFile.trim()) : undefined;
  return {
    ...(!user.valid && { user: user.message }),
    ...(login.method === 'key' &&
      login.identityFile.trim() === '' && { identityFile: 'Give the path of the private key file.' }),
    ...(identityFile &&
      !identityFile.valid &&
      login.identityFile.trim() !== '' && { identityFile: identityFile.message }),
    ...(login.method === 'password' &&
      login.password === '' && { password: 'Give the password of this user.' }),
  };
}

/** Connect and trust: how to log in, and each server's host key for the user to confirm. */
export function TrustScreen() {
  const selected = useWizard((state) => state.selected);
  const servers = useWizard((state) => state.servers);
  const login = useWizard((state) => state.login);
  const readInventory = useWizard((state) => state.readInventory);
  const readHostKeys = useWizard((state) => state.readHostKeys);
  const problems = loginProblems(login);
  const chosen = selected
    .map((key) => ({ key, server: servers[key] }))
    .filter((each): each is { key: string; server: ServerTrust } => !!each.server);
  const allTrusted = chosen.length === 2 && chosen.every(({ server }) => server.phase === 'trusted');
  const loginReady = Object.keys(problems).length === 0;

  return (
    <section>
      <ScreenHeader title="Connect and trust">
        Tell Lockstep how to log in, then check each server&apos;s host key. Lockstep remembers a key only
        after you confirm it, and refuses to connect if it ever changes.
      </ScreenHeader>
      <LoginCard problems={problems} />
      <Group justify="space-between" mt="xl" mb="sm">
        <Title order={2} size="h3">
          Host keys
        </Title>
        <Button variant="subtle" onClick={() => void readHostKeys()}>
          Read host keys again
        </Button>
      </Group>
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
        {chosen.map(({ key, server }) => (
          <HostKeyCard key={key} id={key} server={server} />
        ))}
      </SimpleGrid>
      <Group justify="space-between" mt="xl">
        <Text size="sm" c="dimmed">
          {allTrusted ? 'Both servers are trusted.' : 'Trust both servers to continue.'}
        </Text>
        <Button disabled={!allTrusted || !loginReady} onClick={() => void readInventory()}>
          Read inventory
        </Button>
      </Group>
    </section>
  );
}

function LoginCard({ problems }: { problems: ReturnType<typeof loginProblems> }) {
  const login = useWizard((state) => state.login);
  const setLogin = useWizard((state) => state.setLogin);
  return (
    <Card withBorder padding="lg" component="section" aria-labelledby="login-title">
      <Title order={2} size="h4" id="login-title" mb="md">
        Login
      </Title>
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
        <Stack gap="md">
          <TextInput
            label="User"
            description="The same user on both servers; root, or a user with sudo."
            value={login.user}
            error={problems.user}
            onChange={(event) => setLogin({ user: event.currentTarget.value })}
          />
          {login.user.trim() !== 'root' && (
            <PasswordInput
              label="Sudo password"
              description="Only if sudo asks for one. Kept in memory for this session only."
              value={login.sudoPassword}
              onChange={(event) => setLogin({ sudoPassword: event.currentTarget.value })}
            />
          )}
        </Stack>
        <Stack gap="md">
          <Radio.Group
            label="Authentication"
            value={login.method}
            onChange={(value) => setLogin({ method: value as typeof login.method })}
          >
            <Group mt={6} gap="lg">
              <Radio value="agent" label="SSH agent" />
              <Radio value="key" label="Key file" />
              <Radio value="password" label="Password" />
            </Group>
          </Radio.Group>
          {login.method === 'key' && (
            <>
              <TextInput
                label="Key file"
                placeholder="~/.ssh/id_ed25519"
                value={login.identityFile}
                error={problems.identityFile}
                onChange={(event) => setLogin({ identityFile: event.currentTarget.value })}
              />
              <PasswordInput
                label="Key passphrase"
                description="Leave empty if the key has none."
                value={login.passphrase}
                onChange={(event) => setLogin({ passphrase: event.currentTarget.value })}
              />
            </>
          )}
          {login.method === 'password' && (
            <PasswordInput
              label="Password"
              description="Kept in memory for this session only; never written to disk."
              value={login.password}
              error={problems.password}
              onChange={(event) => setLogin({ password: event.currentTarget.value })}
            />
          )}
        </Stack>
      </SimpleGrid>
    </Card>
  );
}

function HostKeyCard({ id, server }: { id: string; server: ServerTrust }) {
  const trust = useWizard((state) => state.trust);
  const knownHostsPath = useWizard((state) => state.app?.knownHostsPath);
  const label = endpointLabel(server.endpoint);
  const key = server.hostKey;
  const titleId = `hostkey-${id.replace(/[^A-Za-z0-9]/g, '-')}`;
  const mismatch = key?.trust === 'mismatch' || server.error?.code === 'ssh.host-key-mismatch';

  return (
    <Card withBorder padding="lg" component="section" aria-labelledby={titleId}>
      <Group justify="space-between" mb="xs">
        <Title order={3} size="h4" id={titleId}>
          {label}
        </Title>
        <PhaseBadge server={server} mismatch={mismatch} />
      </Group>
      {server.phase === 'reading' && (
        <Group gap={6}>
          <Loader size="xs" />
          <Text size="sm">Reading the host key…</Text>
        </Group>
      )}
      {key && (
        <Stack gap={6}>
          <Text size="sm" c="dimmed">
            {bannerSoftware(key.banner)} · answered in {formatRtt(key.rttMs)}
          </Text>
          <Text size="sm">
            <Text span fw={600}>
              {keyTypeLabel(key.keyType)}
            </Text>{' '}
            <Text span c="dimmed">
              ({key.keyType})
            </Text>
          </Text>
          <Fingerprint value={key.fingerprint} />
        </Stack>
      )}
      {mismatch ? (
        <Alert
          color="red"
          variant="filled"
          mt="md"
          title="Host key changed: Lockstep will not connect"
          role="alert"
        >
          <Text size="sm">
            {label} offers a different key from the one trusted before
            {key?.pinnedFingerprint ? (
              <>
                {' '}
                (<span className="lockstep-break">{key.pinnedFingerprint}</span>)
              </>
            ) : null}
            . The server may have been reinstalled, or someone may be intercepting the connection. This is a
            hard stop.
          </Text>
          <Text size="sm" mt={6}>
            {server.error?.remedy ??
              `On the server's own console, run ssh-keygen -lf /etc/ssh/ssh_host_${keyFile(key?.keyType ?? '')}_key.pub. Only if it prints the key shown above, remove the old pin (ssh-keygen -R ${server.endpoint.host}${knownHostsPath ? ` -f ${knownHostsPath}` : ''}) and read the host keys again. If it does not, do not connect.`}
          </Text>
        </Alert>
      ) : (
        server.error && (
          <div style={{ marginTop: 12 }}>
            <ErrorNotice error={server.error} />
          </div>
        )
      )}
      {key && !mismatch && server.phase !== 'trusted' && (
        <Stack gap="sm" mt="md">
          <Text size="sm">
            Compare it with the server&apos;s console:{' '}
            <Code>ssh-keygen -lf /etc/ssh/ssh_host_{keyFile(key.keyType)}_key.pub</Code>
          </Text>
          <Button onClick={() => void trust(id)} loading={server.phase === 'trusting'} color="teal">
            Trust {label}
          </Button>
        </Stack>
      )}
      {server.phase === 'trusted' && (
        <Text size="sm" c="teal.8" mt="md">
          Trusted: this key is pinned in Lockstep&apos;s known hosts.
        </Text>
      )}
    </Card>
  );
}

function PhaseBadge({ server, mismatch }: { server: ServerTrust; mismatch: boolean }) {
  if (mismatch) return <Badge color="red">Key changed</Badge>;
  switch (server.phase) {
    case 'trusted':
      return <Badge color="teal">Trusted</Badge>;
    case 'failed':
      return (
        <Badge color="red" variant="light">
          Problem
        </Badge>
      );
    case 'read':
    case 'trusting':
      return (
        <Badge color="yellow" variant="light">
          Not trusted yet
        </Badge>
      );
    default:
      return null;
  }
}

function keyFile(keyType: string): string {
  if (keyType.startsWith('ecdsa')) return 'ecdsa';
  if (keyType === 'ssh-rsa' || keyType.startsWith('rsa-')) return 'rsa';
  return 'ed25519';
}
