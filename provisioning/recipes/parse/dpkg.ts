import { command } from '../../util/shell';

/** One package as dpkg knows it. */
export interface DpkgPackage {
  readonly name: string;
  readonly version: string;
  /** `ii`: installed and configured; anything else (`rc`, `iU`, `iF`) needs apt. */
  readonly installed: boolean;
  readonly status: string;
}

/** The query `parseDpkgQuery` reads; exit 1 just means some names are unknown to dpkg. */
export function dpkgQueryCommand(names: readonly string[]): string {
  return command('dpkg-query', '-W', '-f=${Package}\t${db:Status-Abbrev}\t${Version}\n', '--', ...names);
}

/** Parses `dpkg-query -W -f='${Package}\t${db:Status-Abbrev}\t${Version}\n'`. */
export function parseDpkgQuery(stdout: string): Map<string, DpkgPackage> {
  const packages = new Map<string, DpkgPackage>();
  for (const line of stdout.split('\n')) {
    const [name, status = '', version = ''] = line.split('\t');
    if (!name) continue;
    const abbrev = status.trim();
    packages.set(name, { name, version, status: abbrev, installed: abbrev === 'ii' });
  }
  return packages;
}

/** Parses `apt-cache policy NAME…`: each name apt knows with its candidate version (null: none). */
export function parseAptPolicy(stdout: string): Map<string, { installed: string | null; candidate: string | null }> {
  const result = new Map<string, { installed: string | null; candidate: string | null }>();
  let current: string | undefined;
  for (const line of stdout.split('\n')) {
    const header = /^(\S+):$/.exec(line);
    if (header?.[1]) {
      current = header[1];
      result.set(current, { installed: null, candidate: null });
      continue;
    }
    const field = /^\s+(Installed|Candidate): (.+)$/.exec(line);
    if (!current || !field) continue;
    const entry = result.get(current);
    if (!entry) continue;
    const value = field[2] === '(none)' ? null : (field[2] ?? null);
    if (field[1] === 'Installed') entry.installed = value;
    else entry.candidate = value;
  }
  return result;
}
