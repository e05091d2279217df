import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { processAlive } from './processes';

/**
 * The lab is one per machine, and several test runs may share it: each holds a lease
 * (`<lab dir>/leases/<pid>`), and a run that ends takes the lab down only when no
 * other live run holds one. Leases are taken and released under the lab lock.
 */
export function leaseDir(labDirectory: string): string {
  return join(labDirectory, 'leases');
}

export function takeLease(labDirectory: string, holder: number): void {
  mkdirSync(leaseDir(labDirectory), { recursive: true, mode: 0o700 });
  writeFileSync(join(leaseDir(labDirectory), String(holder)), '');
}

/** Releases `holder`'s lease; returns the other holders still alive (stale leases are dropped). */
export function releaseLease(labDirectory: string, holder: number): number[] {
  const dir = leaseDir(labDirectory);
  rmSync(join(dir, String(holder)), { force: true });
  let entries: string[] = [];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  const alive: number[] = [];
  for (const entry of entries) {
    const pid = Number(entry);
    if (Number.isInteger(pid) && pid > 0 && processAlive(pid)) alive.push(pid);
    else rmSync(join(dir, entry), { force: true });
  }
  return alive;
}
