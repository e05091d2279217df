import type { Command } from 'commander';

/** Placeholder until the trust command lands. */
export function registerTrust(program: Command): void {
  program.command('trust').description('not yet built');
}
