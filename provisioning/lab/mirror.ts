import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Debian's own redirector, used when the host names no mirror for the release. */
export const FALLBACK_MIRROR = 'http://deb.debian.org/debian';

/**
 * The lab's servers are built from the Debian mirror this computer already uses (the
 * only one reachable on locked-down networks): the first `deb` source, one-line or
 * deb822, that serves `release` with the `main` component.
 */
export function hostMirror(release: string, aptDir = '/etc/apt'): string {
  const texts: { name: string; text: string }[] = [];
  const read = (path: string): void => {
    try {
      texts.push({ name: path, text: readFileSync(path, 'utf8') });
    } catch {
      // an unreadable or missing source file names no mirror
    }
  };
  read(join(aptDir, 'sources.list'));
  try {
    for (const entry of readdirSync(join(aptDir, 'sources.list.d')).sort())
      read(join(aptDir, 'sources.list.d', entry));
  } catch {
    // no sources.list.d
  }
  for (const { name, text } of texts) {
    const found = name.endsWith('.sources') ? fromDeb822(text, release) : fromOneLine(text, release);
    if (found) return found;
  }
  return FALLBACK_MIRROR;
}

function fromOneLine(text: string, release: string): string | undefined {
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    const words = line
      .replace(/\[[^\]]*\]/, ' ')
      .split(/\s+/)
      .filter(Boolean);
    const [type, uri, suite, ...components] = words;
    if (type === 'deb' && uri && suite === release && components.includes('main'))
      return uri.replace(/\/+$/, '');
  }
  return undefined;
}

function fromDeb822(text: string, release: string): string | undefined {
  const stanzas = text.split(/\n\s*\n/);
  for (const stanza of stanzas) {
    const fields = new Map<string, string>();
    for (const raw of stanza.split('\n')) {
      if (raw.startsWith('#')) continue;
      const match = /^([A-Za-z-]+):\s*(.*)$/.exec(raw);
      if (match?.[1] && match[2] !== undefined) fields.set(match[1].toLowerCase(), match[2]);
    }
    if (fields.get('enabled')?.trim() === 'no') continue;
    const list = (key: string): string[] => (fields.get(key) ?? '').split(/\s+/).filter(Boolean);
    const uri = list('uris')[0];
    if (
      uri &&
      list('types').includes('deb') &&
      list('suites').includes(release) &&
      list('components').includes('main')
    ) {
      return uri.replace(/\/+$/, '');
    }
  }
  return undefined;
}
