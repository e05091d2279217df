import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type { YAMLError } from 'yaml';
import { LockstepError } from '../api/errors';
import type { ResolvedSite, SiteFile, SiteProblem } from '../api/site';
import { fieldName, problemText, validateSite } from '../api/site';
import { locate } from './positions';
import { resolveSite, resolveSitePath, type ResolveOptions } from './resolve';

/** A problem with its place in the file: what `details.problems` carries for the UI. */
export interface LocatedSiteProblem {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly field: string;
  readonly message: string;
  readonly expected: string;
  readonly got: string;
  readonly fix: string;
  /** The whole line as the CLI prints it: `site.yaml:7:5: nodes[1].address: expected …. Fix: …` */
  readonly text: string;
}

/** A site file read from disk: what it says and what it means once defaults are applied. */
export interface LoadedSite {
  /** Absolute path of the file. */
  readonly path: string;
  readonly file: SiteFile;
  readonly site: ResolvedSite;
}

/** Options for reading a site; `homeDir` is for tests. */
export interface LoadOptions {
  readonly homeDir?: string;
}

/**
 * Reads, parses, validates and resolves a site file. Every problem found is reported
 * at once, as one `config` LockstepError whose `details.problems` lists them with
 * file, line and column.
 */
export function loadSiteFile(path: string, options: LoadOptions = {}): LoadedSite {
  const absolute = resolve(path);
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (error) {
    throw unreadable(path, error);
  }
  const file = parseSiteText(text, { file: path, baseDir: dirname(absolute), homeDir: options.homeDir });
  return {
    path: absolute,
    file,
    site: resolveSite(file, { baseDir: dirname(absolute), homeDir: options.homeDir }),
  };
}

/** Where the text came from (`file` names it in messages) and where its relative paths start. */
export interface ParseOptions extends ResolveOptions {
  readonly file: string;
}

/** Parses and validates site file text (the loader's core, also for text from the UI). */
export function parseSiteText(text: string, options: ParseOptions): SiteFile {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw siteError(
      options.file,
      document.errors.map((error) => yamlProblem(options.file, error, lineCounter)),
    );
  }
  const value: unknown = document.toJS({ maxAliasCount: 100 });
  const result = validateSite(value);
  const located = (problem: SiteProblem): LocatedSiteProblem => {
    const position = locate(document, lineCounter, problem.path);
    const related = problem.related ? locate(document, lineCounter, problem.related) : undefined;
    const message = related
      ? `${problem.message} (${fieldName(problem.related ?? [])} is at ${options.file}:${related.line}:${related.column})`
      : problem.message;
    return withText({ ...problem, message, file: options.file, ...position });
  };
  const problems = result.ok ? [] : [...result.problems];
  const identity = identityFileOf(value);
  const identityProblem = identity === undefined ? undefined : identityFileProblem(identity, options);
  if (identityProblem) problems.push(identityProblem);
  if (!result.ok || problems.length > 0) throw siteError(options.file, problems.map(located));
  return result.site;
}

function identityFileOf(value: unknown): string | undefined {
  const ssh = (value as { ssh?: { identityFile?: unknown } } | null)?.ssh;
  const identity = ssh !== null && typeof ssh === 'object' ? ssh.identityFile : undefined;
  return typeof identity === 'string' && identity !== '' ? identity : undefined;
}

function identityFileProblem(written: string, options: ResolveOptions): SiteProblem | undefined {
  const path = resolveSitePath(written, options);
  let reason: string | undefined;
  let fix =
    'write the path of your private key (e.g. `~/.ssh/id_ed25519`), or remove `identityFile:` to use ssh-agent.';
  try {
    if (statSync(path).isDirectory()) reason = `${path} is a folder`;
    else accessSync(path, constants.R_OK);
  } catch (error) {
    reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? `${path} does not exist`
        : `${path} cannot be read`;
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      fix = `make ${path} readable by you, or name another key.`;
  }
  if (reason === undefined && path.endsWith('.pub')) {
    reason = `${path} is a public key`;
    fix = `name the private key: \`${written.slice(0, -'.pub'.length)}\`.`;
  }
  if (reason === undefined) return undefined;
  return {
    path: ['ssh', 'identityFile'],
    field: 'ssh.identityFile',
    message: `expected a readable private key file, got ${JSON.stringify(written)} (${reason})`,
    expected: 'a readable private key file',
    got: JSON.stringify(written),
    fix,
  };
}

const YAML_FIXES: Partial<Record<YAMLError['code'], string>> = {
  DUPLICATE_KEY: 'each field may appear once in a mapping; remove or rename one of them.',
  TAB_AS_INDENT: 'indent with spaces, not tabs.',
  BAD_INDENT: 'indent the lines of one mapping or list by the same number of spaces.',
  MULTIPLE_DOCS: 'a site file holds one document; remove the extra `---`.',
};

function yamlProblem(file: string, error: YAMLError, lineCounter: LineCounter): LocatedSiteProblem {
  const { line, col } = lineCounter.linePos(error.pos[0]);
  const message = error.message.split('\n')[0]?.replace(/ at line \d+, column \d+.*$/, '') ?? error.message;
  return withText({
    file,
    line,
    column: col,
    field: '',
    message: `YAML syntax error: ${message.replace(/\.$/, '')}`,
    expected: 'valid YAML',
    got: error.code,
    fix:
      YAML_FIXES[error.code] ??
      'check the indentation (spaces only) and quoting near this place; a value containing `: ` or ` #` needs quotes.',
  });
}

function withText(problem: Omit<LocatedSiteProblem, 'text'> & Partial<SiteProblem>): LocatedSiteProblem {
  const core = { field: problem.field, message: problem.message, fix: problem.fix };
  const text = `${problem.file}:${problem.line}:${problem.column}: ${problemText({ ...core, path: [], expected: '', got: '' })}`;
  return {
    file: problem.file,
    line: problem.line,
    column: problem.column,
    field: problem.field,
    message: problem.message,
    expected: problem.expected,
    got: problem.got,
    fix: problem.fix,
    text,
  };
}

function siteError(file: string, problems: readonly LocatedSiteProblem[]): LockstepError {
  const sorted = [...problems].sort((x, y) => x.line - y.line || x.column - y.column);
  const first = sorted[0];
  const message =
    sorted.length === 1 && first
      ? first.text
      : `${file} has ${sorted.length} problems:\n${sorted.map((problem) => `  ${problem.text}`).join('\n')}`;
  return new LockstepError({
    code: 'config',
    message,
    remedy:
      'Correct the site file as each line says and run the command again; docs/site-file.md describes every field.',
    ...(first && first.field !== '' && { field: first.field }),
    details: { file, problems: sorted },
  });
}

function unreadable(path: string, error: unknown): LockstepError {
  const code = (error as NodeJS.ErrnoException).code;
  const what =
    code === 'ENOENT'
      ? `Site file not found: ${path}`
      : code === 'EISDIR'
        ? `The site file ${path} is a folder, not a file`
        : `The site file ${path} cannot be read (${code ?? String(error)})`;
  return new LockstepError(
    {
      code: 'config',
      message: what,
      remedy:
        code === 'ENOENT'
          ? 'Check the path given to -c/--config, or write one with `lockstep init HOST HOST --out site.yaml`.'
          : 'Give the path of a readable YAML file to -c/--config.',
      field: '--config',
      details: { file: path },
    },
    { cause: error },
  );
}
