import type { Command } from 'commander';
import { registerDiscover } from './discover';
import { registerTrust } from './trust';
import { registerProbe } from './probe';
import { registerLab } from './lab';

/** The commands of the CLI contract, in the order of the flow. */
export function registerCommands(program: Command): void {
  registerDiscover(program);
  registerTrust(program);
  registerProbe(program);
  registerLab(program);
}
