import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { allChecks, runChecks } from '../../../provisioning/checks/registry';
import { labContext } from './context';

const here = dirname(fileURLToPath(import.meta.url));

describe('check tests', () => {
  it('cover every check of the registry by its id', () => {
    const text = readdirSync(here)
      .filter(
        (name) => name.endsWith('.test.ts') && name !== 'catalogue.test.ts' && name !== 'coverage.test.ts',
      )
      .map((name) => readFileSync(join(here, name), 'utf8'))
      .join('\n');
    const missing = allChecks.map((check) => check.id).filter((id) => !text.includes(`'${id}'`));
    expect(missing).toEqual([]);
  });

  it('run on the lab pair without any check crashing', () => {
    const findings = runChecks(labContext());
    expect(findings.filter((finding) => finding.message.startsWith('This check could not run'))).toEqual([]);
    expect(new Set(findings.map((finding) => finding.id)).size).toBeGreaterThan(25);
  });
});
