/**
 * All facts of a probe run in ONE remote exec (one SSH channel, one round trip): the
 * facts' commands are composed into a single POSIX sh script whose output frames each
 * command's stdout, stderr and exit code between lines carrying a random marker, and
 * `splitSections` cuts that output back into one section per fact.
 */
import { quote } from '../util/shell';

/** A command to run inside the composed script. */
export interface ScriptPart {
  readonly id: string;
  readonly command: string;
}

/** What one command produced inside the composed script. */
export interface Section {
  readonly stdout: string;
  readonly stderr: string;
  /** null when the script ended before this command reported its exit code. */
  readonly code: number | null;
}

export interface ComposeOptions {
  /** A random token that the commands' output cannot contain by chance (e.g. 16 random bytes in hex). */
  readonly marker: string;
  /** Per-command limit, enforced with coreutils `timeout` where it exists. */
  readonly timeoutSeconds?: number;
  /** Bytes of each command's stderr kept (the rest is cut). */
  readonly stderrLimit?: number;
}

const ID = /^[a-z0-9][a-z0-9-]*$/;
const MARKER = /^[A-Za-z0-9_]{8,}$/;

/**
 * Builds the script. Each command runs in its own `sh -c` with stdin from /dev/null (so
 * no command can swallow the rest of the script) under the C locale (so parsers see
 * English field names), its stderr goes to a temporary file that is printed after it.
 */
export function composeScript(parts: readonly ScriptPart[], options: ComposeOptions): string {
  if (!MARKER.test(options.marker)) throw new Error(`marker must be 8+ word characters: ${options.marker}`);
  const seen = new Set<string>();
  for (const part of parts) {
    if (!ID.test(part.id)) throw new Error(`bad fact id: ${part.id}`);
    if (seen.has(part.id)) throw new Error(`duplicate fact id: ${part.id}`);
    seen.add(part.id);
  }
  const timeout = options.timeoutSeconds ?? 20;
  const stderrLimit = options.stderrLimit ?? 4096;
  const lines = [
    'export LC_ALL=C',
    `LS_M=${options.marker}`,
    'LS_E=$(mktemp 2>/dev/null) || LS_E=/tmp/lockstep-probe-$$.err',
    'LS_T=',
    `if command -v timeout >/dev/null 2>&1; then LS_T="timeout ${timeout}"; fi`,
    'ls_run() {',
    '  printf \'%s begin %s\\n\' "$LS_M" "$1"',
    '  $LS_T sh -c "$2" </dev/null 2>"$LS_E"',
    '  ls_rc=$?',
    '  printf \'\\n%s stderr %s %s\\n\' "$LS_M" "$1" "$ls_rc"',
    `  head -c ${stderrLimit} "$LS_E" 2>/dev/null`,
    '  printf \'\\n%s end %s\\n\' "$LS_M" "$1"',
    '}',
    ...parts.map((part) => `ls_run ${part.id} ${quote(part.command)}`),
    'rm -f "$LS_E"',
    'exit 0',
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * Cuts the script's output into sections by fact id. A fact whose section is missing
 * or cut short (the script was killed, the connection dropped) is absent or has a null
 * code; the caller reports it as a per-fact error.
 */
export function splitSections(output: string, marker: string): Map<string, Section> {
  const sections = new Map<string, Section>();
  const beginTag = `${marker} begin `;
  let cursor = 0;
  for (;;) {
    const begin = output.indexOf(beginTag, cursor);
    if (begin < 0) break;
    const idEnd = output.indexOf('\n', begin);
    if (idEnd < 0) break;
    const id = output.slice(begin + beginTag.length, idEnd);
    const bodyStart = idEnd + 1;
    const stderrTag = `\n${marker} stderr ${id} `;
    const stderrAt = output.indexOf(stderrTag, idEnd);
    if (stderrAt < 0) {
      sections.set(id, { stdout: output.slice(bodyStart), stderr: '', code: null });
      break;
    }
    const codeEnd = output.indexOf('\n', stderrAt + stderrTag.length);
    const codeText = output.slice(stderrAt + stderrTag.length, codeEnd < 0 ? undefined : codeEnd);
    const code = /^\d+$/.test(codeText) ? Number(codeText) : null;
    const endTag = `\n${marker} end ${id}\n`;
    const endAt = codeEnd < 0 ? -1 : output.indexOf(endTag, codeEnd);
    const stdout = output.slice(bodyStart, stderrAt);
    if (endAt < 0) {
      sections.set(id, { stdout, stderr: codeEnd < 0 ? '' : output.slice(codeEnd + 1), code });
      break;
    }
    sections.set(id, { stdout, stderr: output.slice(codeEnd + 1, endAt), code });
    cursor = endAt + endTag.length;
  }
  return sections;
}
