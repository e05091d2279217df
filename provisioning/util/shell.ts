/**
 * Remote commands are built from quoted words, never by string concatenation of
 * user input: a hostname or path with a space or `;` must stay one argument.
 */

const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quotes one word for a POSIX shell. */
export function quote(word: string): string {
  if (word !== '' && SAFE_WORD.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** Joins words into one command line, each quoted. */
export function command(...words: readonly string[]): string {
  return words.map(quote).join(' ');
}

/**
 * Tagged template: interpolated values are quoted, literal parts are kept as written.
 * `sh\`ip -j addr show dev ${nic}\``
 */
export function sh(literals: TemplateStringsArray, ...values: readonly (string | number)[]): string {
  let out = literals[0] ?? '';
  values.forEach((value, index) => {
    out += quote(String(value)) + (literals[index + 1] ?? '');
  });
  return out;
}
