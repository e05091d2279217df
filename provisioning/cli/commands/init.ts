import { existsSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { formatEndpoint, parseEndpoint, parsePort } from '../../api/endpoint-parse';
import { ExitCode, LockstepError } from '../../api/errors';
import { formatSiteFile } from '../../site/format';
import { defaultKnownHostsPath } from '../../util/paths';
import { initSite } from '../../validation/init-site';
import { action, type ActionContext } from '../action';
import { addConnectOptions } from '../context';
import { countFindings, formatCounts } from '../format/findings';
import { printJson, printLine, printNote } from '../output';
import { isInteractive, sshPassword, sudoPassword } from '../prompt';

/**
 * `lockstep init HOST HOST [--out site.yaml]`: writes a fully resolved site file from
 * discovery, probing and the automatic roles, each choice commented. It never
 * overwrites an existing file unless asked to.
 */
export function registerInit(program: Command): void {
  addConnectOptions(
    program
      .command('init')
      .description('write a resolved site file from what the two servers are (roles, private link, disks)')
      .argument('<host-a>', 'first server: HOST, HOST:PORT or [IPV6]:PORT')
      .argument('<host-b>', 'second server'),
  )
    .addOption(new Option('--out <file>', 'where to write the site file').default('site.yaml'))
    .addOption(
      new Option('--name <pair>', 'the pair name (lowercase letters, digits, hyphens)').default('pair1'),
    )
    .addOption(new Option('--force', 'overwrite the output file if it exists'))
    .action(action(runInit));
}

interface InitFlags {
  readonly out: string;
  readonly name: string;
  readonly force?: boolean;
  readonly user?: string;
  readonly identity?: string;
  readonly port?: string;
}

async function runInit(
  context: ActionContext,
  hostA: string,
  hostB: string,
  flags: InitFlags,
): Promise<number> {
  const { options, signal } = context;
  const out = resolve(flags.out);
  if (existsSync(out) && !flags.force)
    throw new LockstepError({
      code: 'usage',
      field: '--out',
      message: `${flags.out} already exists; init does not overwrite a site file.`,
      remedy: 'Choose another name with --out, or pass --force to replace it.',
    });
  const port = flags.port === undefined ? 22 : parsePort(flags.port, '--port');
  const hosts = [parseEndpoint(hostA, port, 'host-a'), parseEndpoint(hostB, port, 'host-b')];
  const user = flags.user ?? 'root';
  const ask = isInteractive() && !options.json;
  const label = hosts.map(formatEndpoint).join(', ');
  const password = await sshPassword(user, label, {
    ask: !flags.identity && !process.env.SSH_AUTH_SOCK && ask,
  });
  const sudo = user === 'root' ? undefined : await sudoPassword(user, label, { ask });
  const result = await initSite({
    name: flags.name,
    hosts,
    user,
    ...(flags.identity && { identityFile: resolve(flags.identity) }),
    baseDir: dirname(out),
    knownHostsPath: options.knownHosts ?? defaultKnownHostsPath(),
    secrets: {
      ...(password !== undefined && { password }),
      ...(sudo !== undefined && { sudoPassword: sudo }),
    },
    signal,
    progress: (message) => {
      if (!options.json) printNote(`… ${message}`);
    },
  });
  const text = formatSiteFile(result.site, result.notes, {
    baseDir: dirname(out),
    header: `Site file for pair "${result.site.name}", written by \`lockstep init\` from probing ${label}.`,
  });
  writeFileSync(out, text, { mode: 0o644 });
  const counts = countFindings(result.report.findings);
  if (options.json) {
    printJson({ ok: true, file: out, site: result.site, summary: counts });
    return ExitCode.ok;
  }
  printLine(`Wrote ${flags.out}.`);
  for (const [field, note] of Object.entries(result.notes)) printLine(`  ${field}: ${note}`);
  printLine(`Checks: ${formatCounts(counts)}. Next: lockstep validate -c ${flags.out}`);
  return ExitCode.ok;
}
