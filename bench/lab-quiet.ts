/**
 * The lab is shared with test runs (each holds a lease, `<lab dir>/leases/<pid>`). The
 * figures that break the pair on purpose (a node's Corosync stopped, a fresh install)
 * run only while no other live process holds a lease, so a test run never sees the
 * bench's fault; the bench holds a lease of its own so nobody takes the lab down under it.
 */
import { readdirSync } from 'node:fs';
import { leaseDir, releaseLease, takeLease } from '../provisioning/lab/leases';
import { processAlive } from '../provisioning/lab/processes';
import { sleep } from './types';

/** Live lease holders other than this process. */
export function otherLeaseHolders(labDir: string): number[] {
  let entries: string[] = [];
  try {
    entries = readdirSync(leaseDir(labDir));
  } catch {
    return [];
  }
  return entries
    .map(Number)
    .filter((pid) => Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid));
}

/** Waits (up to `maxMs`) until no other process holds a lease; returns the holders still there. */
export async function waitForQuietLab(labDir: string, maxMs: number, what: string): Promise<number[]> {
  const deadline = Date.now() + maxMs;
  let holders = otherLeaseHolders(labDir);
  if (holders.length > 0) process.stderr.write(`bench: ${what} waits for the lab's other users (pid ${holders.join(', ')})…\n`);
  while (holders.length > 0 && Date.now() < deadline) {
    await sleep(5000);
    holders = otherLeaseHolders(labDir);
  }
  return holders;
}

export function holdLab(labDir: string): () => void {
  takeLease(labDir, process.pid);
  return () => void releaseLease(labDir, process.pid);
}

