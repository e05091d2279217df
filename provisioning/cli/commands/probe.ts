import type { Command } from 'commander';
import type { Endpoint } from '../../api/endpoint';
import { formatEndpoint, parseEndpoint, parsePort } from '../../api/endpoint-parse';
import { ExitCode, exitCodeFor, toErrorInfo, LockstepError, type ErrorInfo } from '../../api/errors';
import type { ProbeReport } from '../../api/inventory';
import { probeHost } from '../../facts/probe';
import { connect } from '../../ssh/connect';
import { defaultKnownHostsPath } from '../../util/paths';
import { action, type ActionContext } from '../action';
import { addConnectOptions } from '../context';
import { formatInventories } from '../format/inventory';
import { formatError, printJson, printLine, printNote } from '../output';
import { loadSiteFile } from '../../site/load';
import { sshPassword } from '../prompt';

/**
 * `lockstep probe HOST…`: step 4 of the flow. Reads every server's inventory (OS, CPU,
 * memory, disks, NICs, time, packages) in one SSH command per server, all servers at
 * once, and prints them side by side; `--json` prints `{ nodes: [{ host, inventory }] }`.
 */
export function registerProbe(program: Command): void {
  addConnectOptions(
    program
      .command('probe')
      .description('inventory of servers, side by side: OS, CPU, memory, disks, NICs')
      .argument(
        '[hosts...]',
        'HOST, HOST:PORT or [IPV6]:PORT (default: the servers of the site file; host keys must be pinned with `lockstep trust`)',
      ),
  )
    .addHelpText(
      'after',
      `
Nothing is changed on the servers: the probe only reads. The login password, if one
is needed, comes from LOCKSTEP_SSH_PASSWORD.

Exit codes: 0 every server probed · 2 usage · 3 a server unreachable, its host key not
pinned or changed, or the login refused (the others are still printed).`,
    )
    .action(action(runProbe));
}

interface ProbeFlags {
  readonly user?: string;
  readonly identity?: string;
  readonly port?: string;
}

type NodeResult = ProbeReport['nodes'][number] & { readonly failure?: ErrorInfo };

/** The probe command's body: returns the exit code. */
export async function runProbe(
  context: ActionContext,
  hosts: readonly string[],
  flags: ProbeFlags,
): Promise<number> {
  const { options, signal } = context;
  // With -c the servers and the login come from the site file; HOST arguments and
  // -u/-i/-p still win, so one server of a pair can be probed on its own.
  const site = options.config ? loadSiteFile(options.config).site : undefined;
  if (!site && hosts.length === 0)
    throw new LockstepError({
      code: 'usage',
      field: 'HOST',
      message: 'probe needs the servers to look at.',
      remedy:
        'Name them (lockstep probe 10.0.0.11 10.0.0.12) or give the site file (lockstep probe -c site.yaml).',
    });
  const defaultPort = flags.port === undefined ? (site?.ssh.port ?? 22) : parsePort(flags.port, '--port');
  const endpoints: Endpoint[] =
    hosts.length > 0
      ? hosts.map((host) => parseEndpoint(host, defaultPort, 'host'))
      : (site?.nodes ?? []).map((node) => ({
          host: node.address,
          port: flags.port === undefined ? node.port : defaultPort,
        }));
  const user = flags.user ?? site?.ssh.user ?? 'root';
  const identity = flags.identity ?? site?.ssh.identityFile ?? undefined;
  const knownHostsPath = options.knownHosts ?? defaultKnownHostsPath();
  const password = await sshPassword(user, endpoints.map(formatEndpoint).join(', '), { ask: false });

  const results = await Promise.all(
    endpoints.map(async (endpoint): Promise<NodeResult> => {
      const host = formatEndpoint(endpoint);
      try {
        const transport = await connect(
          {
            endpoint,
            login: { user, ...(identity !== undefined && { identityFile: identity }) },
            ...(password !== undefined && { secrets: { password } }),
            knownHostsPath,
          },
          { signal, label: host },
        );
        try {
          return { host, inventory: await probeHost(transport, { signal }) };
        } finally {
          await transport.close();
        }
      } catch (error) {
        if (signal.aborted) throw error;
        const info = toErrorInfo(error);
        return {
          host,
          error: { code: info.code, message: info.message, remedy: info.remedy },
          failure: info,
        };
      }
    }),
  );

  if (options.json) {
    const report: ProbeReport = { nodes: results.map(({ failure: _failure, ...node }) => node) };
    printJson(report);
  } else if (results.some((result) => result.inventory)) {
    process.stdout.write(formatInventories(results));
    printLine();
  }
  const failures = results.flatMap((result) => (result.failure ? [result.failure] : []));
  for (const failure of failures) printNote(formatError(failure));
  const first = failures[0];
  return first ? exitCodeFor(first.code) : ExitCode.ok;
}
