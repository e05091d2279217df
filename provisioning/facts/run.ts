/**
 * Runs facts: one composed script in one exec, then each section through its parser.
 * A fact that fails (missing tool, non-zero exit, unreadable output, timeout) becomes a
 * `FactError`; it never stops the other facts.
 */
import type { FactError } from '../api/inventory';
import { composeScript, splitSections, type Section } from './frame';
import { COMMAND_NOT_FOUND, FactParseError, TIMED_OUT, type Fact } from './types';

/** A fact's value or why it is missing. */
export type FactOutcome<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: FactError };

function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .find((line) => line.trim() !== '')
      ?.trim() ?? ''
  );
}

/** Applies one fact's parser to its section (pure; exported for tests of the error paths). */
export function interpret<T>(fact: Fact<T>, section: Section | undefined): FactOutcome<T> {
  const fail = (error: string, code?: number | null): FactOutcome<T> => ({
    ok: false,
    error: { fact: fact.id, error, ...(code !== undefined && { code }) },
  });
  if (!section) return fail('no output: the probe script ended before this command ran');
  const { code, stderr, stdout } = section;
  const accepted = fact.acceptExitCodes ?? [0];
  if (code === null) return fail('the command did not finish (the probe script was cut short)', null);
  if (!accepted.includes(code)) {
    const detail = firstLine(stderr);
    if (code === COMMAND_NOT_FOUND) return fail(`command not found${detail ? `: ${detail}` : ''}`, code);
    if (code === TIMED_OUT) return fail('timed out', code);
    return fail(`exited with status ${code}${detail ? `: ${detail}` : ''}`, code);
  }
  try {
    return { ok: true, value: fact.parse(stdout, { code, stderr }) };
  } catch (error) {
    if (error instanceof FactParseError) return fail(`unreadable output: ${error.message}`, code);
    throw error;
  }
}

/** The probe's script for these facts. */
export function scriptFor(facts: readonly Fact<unknown>[], marker: string, timeoutSeconds?: number): string {
  return composeScript(
    facts.map((fact) => ({ id: fact.id, command: fact.command })),
    { marker, ...(timeoutSeconds !== undefined && { timeoutSeconds }) },
  );
}

/** Splits the script's output and interprets every fact, keyed like the input record. */
export function interpretAll<F extends Record<string, Fact<unknown>>>(
  facts: F,
  output: string,
  marker: string,
): { [K in keyof F]: FactOutcome<F[K] extends Fact<infer T> ? T : never> } {
  const sections = splitSections(output, marker);
  const result: Record<string, FactOutcome<unknown>> = {};
  for (const [key, fact] of Object.entries(facts)) result[key] = interpret(fact, sections.get(fact.id));
  return result as { [K in keyof F]: FactOutcome<F[K] extends Fact<infer T> ? T : never> };
}
