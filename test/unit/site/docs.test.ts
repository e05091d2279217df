import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describeSiteFormat, fieldRows } from '../../../provisioning/site/describe';

describe('docs/site-file.md', () => {
  it('is generated from the schema and up to date', async () => {
    const committed = readFileSync(
      fileURLToPath(new URL('../../../docs/site-file.md', import.meta.url)),
      'utf8',
    );
    // On failure: npx tsx provisioning/site/describe.ts > docs/site-file.md
    expect(committed).toBe(await describeSiteFormat());
  });

  it('documents every field', () => {
    const undocumented = fieldRows()
      .filter((row) => row.doc === undefined)
      .map((row) => row.field);
    expect(undocumented).toEqual([]);
  });
});
