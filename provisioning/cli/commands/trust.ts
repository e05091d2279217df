import { Option, type Command } from 'commander';
import type { Endpoint } from '../../api/endpoint';
import { formatEndpoint, parseEndpoint, parsePort } from '../../api/endpoint-parse';
import { ExitCode, LockstepError } from '../../api/errors';
import { readHostKey, type HostKeyInfo } from '../../discovery/host-key';
import { normaliseFingerprint } from '../../ssh/fingerprint';
import { consoleFingerprintCommand, hostKeyError, hostKeyMismatchError } from '../../ssh/host-key-errors';
import { KnownHostsStore, knownHostsName } from '../../ssh/known-hosts';
import { defaultKnownHostsPath } from '../../util/paths';
import { action, type ActionContext } from '../action';
import { printJson, printLine, printNote } from '../output';
import { confirm, isInteractive } from '../prompt';
import { assertNever } from '../../util/assert-never';

/**
 * `lockstep trust HOST[:PORT]`: step 3 of the flow. The admin sees the server's key
 * type and SHA256 fingerprint, compares it with the server's console, and only then
 * is it pinned in Lockstep's own known_hosts. Nothing here ever trusts a key that a
 * person (or a `--fingerprint` taken from the console) has not vouched for.
 */
export function registerTrust(program: Command): void {
  program
    .command('trust')
    .description("pin a server's SSH host key in Lockstep's known_hosts")
    .argument('<host>', 'HOST, HOST:PORT, [IPV6]:PORT or an IPv6 address')
    .addOption(new Option('-p, --port <port>', 'SSH port (default: 22, or the one in HOST:PORT)'))
    .addOption(
      new Option(
        '--fingerprint <SHA256:...>',
        'pin only if the server offers exactly this key (from `ssh-keygen -lf` on its console)',
      ),
    )
    .addOption(
      new Option('--replace', 'replace a different pinned key for this host (requires --fingerprint)'),
    )
    .addHelpText(
      'after',
      `
Without --fingerprint, the key type and fingerprint are shown and you are asked to
confirm on a terminal; without a terminal (or with --json) trust refuses (exit 2) and
asks for --fingerprint. --yes never answers this question.

Check the fingerprint on the server's console first:
  ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub

If a different key is already pinned for the host, trust stops (exit 3): the server may
have been reinstalled, or someone may be intercepting the connection. Once you have
verified the new key on the console, replace the pin with
  lockstep trust HOST --replace --fingerprint SHA256:...
or remove the old line with  ssh-keygen -R HOST -f <known_hosts>  and trust again.

Exit codes: 0 pinned (or already pinned) · 2 usage, or no terminal to confirm ·
3 unreachable, key mismatch or revoked · 130 declined or cancelled.`,
    )
    .action(action(runTrust));
}

interface TrustFlags {
  readonly port?: string;
  readonly fingerprint?: string;
  readonly replace?: boolean;
}

/** The trust command's body: returns the exit code, throws LockstepErrors. */
export async function runTrust(context: ActionContext, hostText: string, flags: TrustFlags): Promise<number> {
  const { options, signal } = context;
  const endpoint = endpointFrom(hostText, flags.port);
  const expected = flags.fingerprint === undefined ? undefined : fingerprintFrom(flags.fingerprint);
  if (flags.replace && !expected) {
    throw new LockstepError({
      code: 'usage',
      field: '--replace',
      message: '--replace needs --fingerprint: a pinned key is only replaced by a key you have verified.',
      remedy:
        "Run `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` on the server's console and pass its SHA256:… value with --fingerprint.",
    });
  }
  const knownHostsPath = options.knownHosts ?? defaultKnownHostsPath();
  const address = formatEndpoint(endpoint);

  const offered = await readHostKey(endpoint, { signal });
  const shown = { keyType: offered.keyType, fingerprint: offered.fingerprint };
  const store = await KnownHostsStore.load(knownHostsPath);
  const lookup = store.lookup(endpoint, { keyType: offered.keyType, key: offered.publicKey });

  if (expected && expected !== offered.fingerprint) throw wrongFingerprint(endpoint, offered, expected);

  switch (lookup.status) {
    case 'match':
      report(
        options.json,
        offered,
        knownHostsPath,
        'already-pinned',
        `${address} is already trusted: ${offered.keyType} ${offered.fingerprint} is pinned in ${knownHostsPath}.`,
      );
      return ExitCode.ok;
    case 'revoked':
      throw hostKeyError(endpoint, shown, lookup, knownHostsPath);
    case 'mismatch':
      if (!flags.replace)
        throw hostKeyMismatchError(endpoint, shown, lookup.pinned, lookup.reason, knownHostsPath);
      await store.unpin(endpoint);
      await store.pin(endpoint, { keyType: offered.keyType, key: offered.publicKey });
      report(
        options.json,
        offered,
        knownHostsPath,
        'replaced',
        `Replaced the pinned key of ${address} with ${offered.keyType} ${offered.fingerprint} in ${knownHostsPath}.`,
      );
      return ExitCode.ok;
    case 'unknown':
      break;
    default:
      return assertNever(lookup);
  }

  if (!expected) {
    if (options.json || !isInteractive()) {
      throw new LockstepError({
        code: 'usage',
        field: '--fingerprint',
        host: endpoint.host,
        message: `${address} offers ${offered.keyType} ${offered.fingerprint}; trusting it needs a confirmation and there is no terminal to ask on${options.json ? ' (--json)' : ''}.`,
        remedy: `On the server's console run \`${consoleFingerprintCommand(offered.keyType)}\`; if it prints the same value, run \`lockstep trust ${address} --fingerprint <that value>\`.`,
        details: { keyType: offered.keyType, fingerprint: offered.fingerprint },
      });
    }
    printNote(`${address} (${offered.banner || 'no banner'}) offers this host key:`);
    printNote(`  ${offered.keyType} ${offered.fingerprint}`);
    printNote(`Check it on the server's console: ${consoleFingerprintCommand(offered.keyType)}`);
    const yes = await confirm('Trust this key? Type yes (or paste the fingerprint) to pin it: ', {
      alsoAccept: [offered.fingerprint],
    });
    if (!yes) {
      printNote('Not trusted; nothing was written.');
      return ExitCode.cancelled;
    }
  }

  await store.pin(endpoint, { keyType: offered.keyType, key: offered.publicKey });
  report(
    options.json,
    offered,
    knownHostsPath,
    'pinned',
    `Pinned ${offered.keyType} ${offered.fingerprint} for ${address} in ${knownHostsPath}.`,
  );
  return ExitCode.ok;
}

function report(
  json: boolean,
  offered: HostKeyInfo,
  knownHostsPath: string,
  outcome: 'pinned' | 'already-pinned' | 'replaced',
  text: string,
): void {
  if (!json) {
    printLine(text);
    return;
  }
  printJson({
    ok: true,
    outcome,
    host: offered.endpoint.host,
    port: offered.endpoint.port,
    name: knownHostsName(offered.endpoint),
    banner: offered.banner,
    keyType: offered.keyType,
    fingerprint: offered.fingerprint,
    knownHosts: knownHostsPath,
  });
}

function endpointFrom(hostText: string, portText: string | undefined): Endpoint {
  const port = portText === undefined ? undefined : parsePort(portText, '--port');
  const written = parseEndpoint(hostText, 0, 'host');
  if (written.port !== 0 && port !== undefined && written.port !== port) {
    throw new LockstepError({
      code: 'usage',
      field: '--port',
      message: `The port is given twice and differs: ${written.port} in "${hostText}" and ${port} with --port.`,
      remedy: 'Give the port once: HOST:PORT or --port PORT.',
    });
  }
  return { host: written.host, port: written.port || port || 22 };
}

function fingerprintFrom(text: string): string {
  const fingerprint = normaliseFingerprint(text);
  if (!fingerprint) {
    throw new LockstepError({
      code: 'usage',
      field: '--fingerprint',
      message: `"${text}" is not a SHA256 fingerprint.`,
      remedy:
        "Copy it from `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` on the server's console: it looks like SHA256: followed by 43 characters.",
    });
  }
  return fingerprint;
}

function wrongFingerprint(endpoint: Endpoint, offered: HostKeyInfo, expected: string): LockstepError {
  const address = formatEndpoint(endpoint);
  return new LockstepError({
    code: 'ssh.host-key-mismatch',
    host: endpoint.host,
    message: `${address} offers ${offered.keyType} ${offered.fingerprint}, not the expected ${expected}; nothing was pinned. This can mean a wrong address, a reinstalled server, or someone intercepting the connection.`,
    remedy: `Check the address, and run \`${consoleFingerprintCommand(offered.keyType)}\` on the server's console (other key types: ssh_host_ecdsa_key.pub, ssh_host_rsa_key.pub). Pin only a value the console shows.`,
    details: { expected, offered: { keyType: offered.keyType, fingerprint: offered.fingerprint } },
  });
}
