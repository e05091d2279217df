import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** A captured output, by `<fact>/<sample>.<ext>` (see each folder's PROVENANCE.md). */
export function fixture(path: string): string {
  return readFileSync(join(root, path), 'utf8');
}

/** The context of a command that exited 0 with nothing on stderr. */
export const OK = { code: 0, stderr: '' } as const;
