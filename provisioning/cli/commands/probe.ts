import type { Command } from 'commander';

/** Placeholder until the probe command lands. */
export function registerProbe(program: Command): void {
  program.command('probe').description('not yet built');
}
