import type { Command } from 'commander';
import { ExitCode } from '../api/errors';
import { globalOptions, type GlobalOptions } from './context';
import { reportError } from './output';

/**
 * Wraps a command body: the body returns its exit code or throws a LockstepError,
 * Ctrl-C aborts the signal and exits 130, and the process exit code is set once.
 */
export function action<Args extends unknown[]>(
  body: (context: ActionContext, ...args: Args) => Promise<number>,
): (...args: unknown[]) => Promise<void> {
  return async (...raw: unknown[]) => {
    const command = raw[raw.length - 1] as Command;
    const args = raw.slice(0, -1) as Args;
    const controller = new AbortController();
    const onInterrupt = (): void => controller.abort(new Error('cancelled by the user (Ctrl-C)'));
    process.once('SIGINT', onInterrupt);
    const options = globalOptions(command);
    try {
      process.exitCode = await body({ options, command, signal: controller.signal }, ...args);
    } catch (error) {
      process.exitCode = controller.signal.aborted ? ExitCode.cancelled : reportError(error, options.json);
    } finally {
      process.off('SIGINT', onInterrupt);
    }
  };
}

export interface ActionContext {
  readonly options: GlobalOptions;
  /** The commander command, for its own options: `command.opts()`. */
  readonly command: Command;
  readonly signal: AbortSignal;
}
