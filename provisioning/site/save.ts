import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LockstepError } from '../api/errors';
import { problemText, validateSite, type ResolvedSite } from '../api/site';
import { stateDir } from '../util/paths';
import { formatSiteFile, type SiteNotes } from './format';
import { parseSiteText } from './load';
import { resolveSite } from './resolve';

/**
 * Writes the site the wizard edited (Network roles, Disks, Options) as a commented site
 * file that Lockstep owns, under `<stateDir>/sites/<pair>.yaml`. Validate, Plan and
 * Install then read that file like any other, and the admin can keep it in git or hand
 * it to the CLI (`lockstep apply -c …`): the wizard and the CLI share one format.
 */
export interface SaveSiteOptions {
  /** Where the file goes; default `<stateDir>/sites`. */
  readonly directory?: string;
  /** Why values were chosen, by field name, written as comments. */
  readonly notes?: SiteNotes;
  readonly homeDir?: string;
}

export interface SavedSite {
  readonly path: string;
  readonly site: ResolvedSite;
}

/** The folder of the wizard's site files. */
export function wizardSitesDir(): string {
  return join(stateDir(), 'sites');
}

export function saveSite(value: unknown, options: SaveSiteOptions = {}): SavedSite {
  const checked = validateSite(value);
  if (!checked.ok) {
    const first = checked.problems[0];
    throw new LockstepError({
      code: 'config',
      message:
        checked.problems.length === 1 && first
          ? `The site cannot be saved: ${problemText(first)}`
          : `The site cannot be saved: ${checked.problems.length} problems.\n${checked.problems.map((problem) => `  ${problemText(problem)}`).join('\n')}`,
      remedy: 'Correct the fields named on the Network roles, Disks and Options screens, then continue again.',
      ...(first && { field: first.field }),
      details: { problems: checked.problems.map((problem) => ({ field: problem.field, message: problemText(problem) })) },
    });
  }
  const directory = options.directory ?? wizardSitesDir();
  const path = join(directory, `${checked.site.name}.yaml`);
  const resolveOptions = { baseDir: directory, ...(options.homeDir && { homeDir: options.homeDir }) };
  const site = resolveSite(checked.site, resolveOptions);
  const text = formatSiteFile(site, options.notes ?? {}, {
    baseDir: directory,
    ...(options.homeDir && { homeDir: options.homeDir }),
    header: `Site file for pair "${site.name}", written by the Lockstep wizard.`,
  });
  // The same checks as reading the file back (a key file that does not exist, …), before anything is written.
  parseSiteText(text, { file: path, ...resolveOptions });
  mkdirSync(directory, { recursive: true });
  writeFileSync(path, text, { mode: 0o644 });
  return { path, site };
}
