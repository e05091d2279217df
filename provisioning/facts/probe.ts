/**
 * `probeHost`: the whole inventory of one server in ONE remote exec, so that probing
 * costs about one SSH round trip (see `frame.ts`), not one per fact.
 */
import { randomBytes } from 'node:crypto';
import type { Inventory } from '../api/inventory';
import type { Transport } from '../ssh/types';
import { quote } from '../util/shell';
import { INVENTORY_FACTS } from './catalogue';
import { buildInventory } from './inventory';
import { interpretAll, scriptFor } from './run';

export interface ProbeOptions {
  readonly signal?: AbortSignal;
  /** Limit for the whole probe (default 60 s); each command also has its own 20 s limit. */
  readonly timeoutMs?: number;
}

/** A fresh marker per probe, so no command output can imitate the framing. */
export function newMarker(): string {
  return `LOCKSTEP_${randomBytes(12).toString('hex')}`;
}

/** The one command line the probe sends (the script, run by `sh` whatever the login shell is). */
export function probeCommand(marker: string): string {
  return `sh -c ${quote(scriptFor(Object.values(INVENTORY_FACTS), marker))}`;
}

/** Reads the inventory of the server behind `transport`. Connection errors propagate. */
export async function probeHost(transport: Transport, options: ProbeOptions = {}): Promise<Inventory> {
  const marker = newMarker();
  const started = Date.now();
  const result = await transport.exec(probeCommand(marker), {
    timeoutMs: options.timeoutMs ?? 60_000,
    ...(options.signal && { signal: options.signal }),
  });
  const outcomes = interpretAll(INVENTORY_FACTS, result.stdout, marker);
  return buildInventory(outcomes, {
    collectedAt: new Date().toISOString(),
    durationMs: Date.now() - started,
  });
}
