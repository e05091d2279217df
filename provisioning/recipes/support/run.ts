import type { ExecResult } from '../../ssh/types';
import { read as engineRead, type RunTarget } from '../../engine/run-command';

/**
 * The recipes run commands through the engine's helper (provisioning/engine/run-command):
 * one shape for every failure (command, exit, output tail, fix). `read` keeps the
 * recipes' short form with a timeout in milliseconds.
 */
export { run, commandFailed, notVerified, type RunOptions, type RunTarget } from '../../engine/run-command';

/** Runs a read-only command and returns its result whatever the exit code. */
export function read(target: RunTarget, command: string, timeoutMs = 60_000): Promise<ExecResult> {
  return engineRead(target, command, { timeoutMs });
}
