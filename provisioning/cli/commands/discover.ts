import type { Command } from 'commander';

/** Placeholder until the discover command lands. */
export function registerDiscover(program: Command): void {
  program.command('discover').description('not yet built');
}
