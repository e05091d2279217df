import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { ExitCode, LockstepError } from '../../api/errors';
import { buildBundle, RELEASES, type Release } from '../../bundle/build';
import { action, type ActionContext } from '../action';
import { printJson, printLine, printNote } from '../output';

/**
 * `lockstep bundle build --out DIR [--release bookworm|trixie]`: the offline bundle for
 * servers without internet (packages.source: bundle). Runs on the admin's Debian
 * computer with its own apt state; the package step uploads it over SSH.
 */
export function registerBundle(program: Command): void {
  const bundle = program.command('bundle').description('offline package bundles for servers without internet');
  bundle
    .command('build')
    .description('gather every package the pair needs (and their dependencies) into a flat apt repository')
    .requiredOption('--out <dir>', 'the folder to write (reused: unchanged files are kept)')
    .addOption(new Option('--release <name>', 'Debian release of the servers').choices([...RELEASES]).default('bookworm'))
    .option('--mirror <url>', 'Debian mirror to read from', 'http://deb.debian.org/debian')
    .addHelpText(
      'after',
      `
Needs a Debian computer with apt (apt-utils is installed when missing and running as
root). This computer's own apt state is not read or changed. Then set in the site file:
  packages: { source: bundle, bundle: ./DIR }

Exit codes: 0 built · 1 apt failed (see its output) · 2 usage.`,
    )
    .action(action(runBundleBuild));
}

interface BuildFlags {
  readonly out: string;
  readonly release: string;
  readonly mirror: string;
}

async function runBundleBuild(context: ActionContext, flags: BuildFlags): Promise<number> {
  const { options, signal } = context;
  if (!(RELEASES as readonly string[]).includes(flags.release)) {
    throw new LockstepError({ code: 'usage', field: '--release', message: `unknown release ${flags.release}`, remedy: `Use one of: ${RELEASES.join(', ')}.` });
  }
  const out = resolve(flags.out);
  const started = Date.now();
  const result = await buildBundle({
    out,
    release: flags.release as Release,
    mirror: flags.mirror,
    signal,
    log: (line) => {
      if (!options.json) printNote(line);
    },
  });
  if (options.json) {
    printJson({ out, release: result.manifest.release, debs: result.debs, bytes: result.bytes, packages: result.manifest.packages });
  } else {
    printLine(`Bundle for Debian ${result.manifest.release}: ${result.debs} packages, ${(result.bytes / 1e6).toFixed(0)} MB in ${out} (${((Date.now() - started) / 1000).toFixed(0)} s).`);
    printLine(`Use it: packages: { source: bundle, bundle: ${flags.out} }`);
  }
  return ExitCode.ok;
}
