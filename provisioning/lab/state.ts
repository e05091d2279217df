import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabState } from './types';

/** `<lab dir>/state.json`: what `lab up` started, for `status`, `down` and `labExec`. */
export function statePath(labDirectory: string): string {
  return join(labDirectory, 'state.json');
}

/** Reads the lab's state; `undefined` when no lab was built (or the file is unreadable). */
export function readLabState(labDirectory: string): LabState | undefined {
  const file = statePath(labDirectory);
  if (!existsSync(file)) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as LabState;
    return parsed.version === 1 ? parsed : undefined;
  } catch {
    return undefined;
  }
}

export function writeLabState(labDirectory: string, state: LabState): void {
  writeFileSync(statePath(labDirectory), `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}

export function removeLabState(labDirectory: string): void {
  rmSync(statePath(labDirectory), { force: true });
}

/** The log file of one server's console. */
export function consoleLogPath(labDirectory: string, hostname: string): string {
  return join(labDirectory, 'logs', `${hostname}.log`);
}
