import { ExitCode, exitCodeFor, toErrorInfo, type ErrorInfo } from '../api/errors';

/**
 * Human text goes to stdout for people; with `--json` stdout carries only the
 * machine document and everything else goes to stderr (CLI contract).
 */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printLine(text = ''): void {
  process.stdout.write(`${text}\n`);
}

/** Diagnostics and progress: always stderr, so `--json` stdout stays parseable. */
export function printNote(text: string): void {
  process.stderr.write(`${text}\n`);
}

/** Renders an error for a person: what happened, then what to do. */
export function formatError(info: ErrorInfo): string {
  const where = [info.host && `host ${info.host}`, info.field && `field ${info.field}`]
    .filter(Boolean)
    .join(', ');
  const head = `error [${info.code}]${where ? ` (${where})` : ''}: ${info.message}`;
  return info.remedy ? `${head}\n  fix: ${info.remedy}` : head;
}

/** Reports an error in the chosen mode and returns the contract's exit code for it. */
export function reportError(error: unknown, json: boolean): ExitCode {
  const info = toErrorInfo(error);
  // One line: valid both as the single JSON document of a command and as the last
  // line of an NDJSON event stream (apply --json, status --watch --json).
  if (json) process.stdout.write(`${JSON.stringify({ ok: false, error: info })}\n`);
  process.stderr.write(`${formatError(info)}\n`);
  if (info.code === 'internal' && error instanceof Error && error.stack && process.env.LOCKSTEP_DEBUG) {
    process.stderr.write(`${error.stack}\n`);
  }
  return exitCodeFor(info.code);
}

export { ExitCode };
