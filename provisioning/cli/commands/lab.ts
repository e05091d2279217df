import type { Command } from 'commander';

/** Placeholder until the lab command lands. */
export function registerLab(program: Command): void {
  program.command('lab').description('not yet built');
}
