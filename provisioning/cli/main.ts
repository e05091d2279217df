import { Command, CommanderError, Option } from 'commander';
import { ExitCode } from '../api/errors';
import { reportError } from './output';
import { registerCommands } from './commands';

/**
 * `lockstep <command>`: the headless front door. Every command returns its exit code;
 * this file turns thrown errors into the contract's codes (2 usage, 3 connection, …).
 */
export function buildProgram(): Command {
  const program = new Command('lockstep')
    .description('Turn two servers into one fault-tolerant virtualization pair.')
    .version(process.env.LOCKSTEP_VERSION ?? '0.1.0')
    .addOption(new Option('--json', 'machine output on stdout (logs go to stderr)'))
    .addOption(new Option('-c, --config <file>', 'site file (YAML)'))
    .addOption(new Option('--known-hosts <path>', "Lockstep's own known_hosts for pinned host keys"))
    .addOption(new Option('--yes', 'answer yes to confirmations (never to trusting an unseen host key)'))
    .addOption(
      new Option('-v, --verbose', 'more detail on stderr (repeat for more)').argParser(
        (_value: string, previous: number | undefined) => (previous ?? 0) + 1,
      ),
    )
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerCommands(program);
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv as string[]);
    return process.exitCode === undefined ? ExitCode.ok : Number(process.exitCode);
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return ExitCode.ok;
      if (error.code === 'commander.help') return ExitCode.ok;
      return ExitCode.usage;
    }
    return reportError(error, argv.includes('--json'));
  }
}

// `lockstep … | head` closes stdout early: that is the reader's choice, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.exitCode = reportError(error, false);
  },
);
