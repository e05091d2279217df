import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A capture from the lab runs (fixtures/PROVENANCE.md). */
export function fixture(name: string): string {
  return readFileSync(join(__dirname, 'fixtures', name), 'utf8');
}

/** A command the driver sent, as a wire log (`<ms> -> <json>`) shows it. */
export interface SentCommand {
  readonly execute: string;
  readonly arguments?: Record<string, unknown>;
  readonly id: number;
}

/** Every command a wire log shows the driver sent, in order. */
export function sentCommands(name: string): SentCommand[] {
  return fixture(name)
    .split('\n')
    .filter((line) => line.includes(' -> '))
    .map((line) => JSON.parse(line.slice(line.indexOf(' -> ') + 4)) as SentCommand);
}
