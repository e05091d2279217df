/**
 * A fact is one read-only command run on a server plus a pure parser of its output.
 * Facts never change anything; they feed the inventory, the checks and the recipes.
 */

/** What the runner knows about the command besides its stdout. */
export interface FactContext {
  /** Exit status; null when the command was killed (e.g. by the per-fact timeout). */
  readonly code: number | null;
  readonly stderr: string;
}

export interface Fact<T> {
  readonly id: string;
  /** A POSIX sh command line using stock Debian 12/13 tools; runs as a normal user where possible. */
  readonly command: string;
  /**
   * Exit codes whose output the parser still understands (default: only 0). Anything
   * else becomes a `FactError` before the parser is called.
   */
  readonly acceptExitCodes?: readonly number[];
  /** Pure: output in, value out. Throws `FactParseError` when the output makes no sense. */
  parse(stdout: string, context: FactContext): T;
}

/** Raised by a parser on output it cannot read; the runner turns it into a per-fact error. */
export class FactParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FactParseError';
  }
}

/** Exit status of a shell whose command was not found (POSIX). */
export const COMMAND_NOT_FOUND = 127;
/** Exit status of coreutils `timeout` when the command ran out of time. */
export const TIMED_OUT = 124;
