/**
 * Every failure that reaches a user carries a stable code, a message saying what
 * happened, and a remedy saying what to do. The three front doors (CLI, IPC, web
 * bridge) all render this one shape, so it lives in the contract.
 */

/** Exit codes of the CLI contract (PRODUCT.md). */
export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  connection: 3,
  cancelled: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Stable error codes. `ssh.*` ids are shared with the check catalogue. */
export type ErrorCode =
  | 'usage'
  | 'config'
  | 'ssh.unreachable'
  | 'ssh.host-key-unknown'
  | 'ssh.host-key-mismatch'
  | 'ssh.host-key-revoked'
  | 'ssh.auth-failed'
  | 'ssh.sudo-unavailable'
  | 'ssh.timeout'
  | 'ssh.disconnected'
  | 'command.failed'
  /** A saved plan no longer matches the servers (apply --plan). */
  | 'plan.stale'
  /** Validation found a `fail` the command cannot continue past. */
  | 'checks.failed'
  /** A console action refused for safety (standby of the last online node, an `ft` level). */
  | 'action.refused'
  | 'lab.unsupported'
  | 'lab.failed'
  | 'cancelled'
  | 'internal';

/** The serialisable form of an error: what crosses IPC, HTTP and `--json`. */
export interface ErrorInfo {
  readonly code: ErrorCode;
  readonly message: string;
  readonly remedy: string;
  /** The input field at fault (`nodes[1].address`, `--port`), when there is one. */
  readonly field?: string;
  /** The host the error concerns, when there is one. */
  readonly host?: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

/** An error the product expects and explains; anything else is a bug (`internal`). */
export class LockstepError extends Error {
  readonly code: ErrorCode;
  readonly remedy: string;
  readonly field?: string;
  readonly host?: string;
  readonly details?: Readonly<Record<string, unknown>>;

  constructor(info: ErrorInfo, options?: { cause?: unknown }) {
    super(info.message, options);
    this.name = 'LockstepError';
    this.code = info.code;
    this.remedy = info.remedy;
    this.field = info.field;
    this.host = info.host;
    this.details = info.details;
  }

  toInfo(): ErrorInfo {
    return {
      code: this.code,
      message: this.message,
      remedy: this.remedy,
      ...(this.field !== undefined && { field: this.field }),
      ...(this.host !== undefined && { host: this.host }),
      ...(this.details !== undefined && { details: this.details }),
    };
  }
}

/** Maps an error code to the CLI exit code the contract promises. */
export function exitCodeFor(code: ErrorCode): ExitCode {
  if (code.startsWith('ssh.')) return ExitCode.connection;
  switch (code) {
    case 'usage':
    case 'config':
    case 'lab.unsupported':
      return ExitCode.usage;
    case 'cancelled':
      return ExitCode.cancelled;
    default:
      return ExitCode.failed;
  }
}

/** Turns anything thrown into the serialisable shape, keeping unknown errors recognisable as bugs. */
export function toErrorInfo(error: unknown): ErrorInfo {
  if (error instanceof LockstepError) return error.toInfo();
  const message = error instanceof Error ? error.message : String(error);
  return {
    code: 'internal',
    message: `Unexpected error: ${message}`,
    remedy: 'This is a bug in Lockstep. Re-run with -v and attach the support bundle to a bug report.',
  };
}
