import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LockstepError } from '../api/errors';
import { processAlive } from './processes';

/** One lab per computer (fixed names and addresses), so `up` and `down` take turns machine-wide. */
export const LAB_LOCK_DIR = '/run/lock/lockstep-lab.lock';

function owner(lockDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(lockDir, 'pid'), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs `body` holding the machine-wide lab lock (a directory made atomically with
 * mkdir, holding the owner's pid). A lock whose owner died is taken over; a live
 * owner is waited for up to `timeoutMs` (a first `lab up` builds for about a minute).
 */
export async function withLabLock<T>(
  body: () => Promise<T>,
  options: { lockDir?: string; timeoutMs?: number; onWait?: (pid: number) => void } = {},
): Promise<T> {
  const lockDir = options.lockDir ?? LAB_LOCK_DIR;
  const deadline = Date.now() + (options.timeoutMs ?? 10 * 60_000);
  let announced = false;
  for (;;) {
    try {
      mkdirSync(lockDir, { mode: 0o700 });
      writeFileSync(join(lockDir, 'pid'), `${process.pid}\n`);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const pid = owner(lockDir);
    if (pid === undefined || !processAlive(pid)) {
      // The owner died (or is between mkdir and writing its pid: give it a moment first).
      await new Promise((resolve) => setTimeout(resolve, 200));
      const again = owner(lockDir);
      if (again === undefined || !processAlive(again)) rmSync(lockDir, { recursive: true, force: true });
      continue;
    }
    if (!announced) {
      options.onWait?.(pid);
      announced = true;
    }
    if (Date.now() > deadline) {
      throw new LockstepError({
        code: 'lab.failed',
        message: `Another lab command (pid ${pid}) has been running for too long.`,
        remedy: `Wait for it to finish, or stop it (kill ${pid}), then retry.`,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  try {
    return await body();
  } finally {
    if (owner(lockDir) === process.pid) rmSync(lockDir, { recursive: true, force: true });
  }
}
