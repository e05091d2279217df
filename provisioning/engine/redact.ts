/**
 * Secrets never reach an event, a journal or a log (PRODUCT.md "Secrets"). Recipes pass
 * secrets on stdin only, but a server may echo one back (a failing `chpasswd`, a verbose
 * tool): every string of every event goes through the run's redactor first.
 */
export type Redactor = <T>(value: T) => T;

/** Replaced text. */
export const REDACTED = '[redacted]';

/** Secrets shorter than this are not searched for: they would mangle ordinary words. */
const MIN_SECRET_LENGTH = 4;

/** A redactor that replaces every occurrence of the given secrets in every string of a value. */
export function redactor(secrets: readonly (string | undefined)[]): Redactor {
  const words = [...new Set(secrets.filter((secret): secret is string => !!secret && secret.length >= MIN_SECRET_LENGTH))].sort(
    (x, y) => y.length - x.length,
  );
  const text = (value: string): string => words.reduce((out, word) => out.split(word).join(REDACTED), value);
  const walk = (value: unknown): unknown => {
    if (typeof value === 'string') return text(value);
    if (Array.isArray(value)) return value.map(walk);
    if (value !== null && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, walk(inner)]));
    return value;
  };
  return <T>(value: T): T => (words.length === 0 ? value : (walk(value) as T));
}
