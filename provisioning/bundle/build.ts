import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LockstepError } from '../api/errors';
import { parseAptPolicy } from '../recipes/parse/dpkg';
import { allPackages, choiceNames, choosePackage } from '../recipes/package-sets';
import { hostCommand } from './host-command';
import { MANIFEST_NAME, type BundleFile, type BundleManifest } from './manifest';

/**
 * `lockstep bundle build`: gathers the package closure of the whole stack for one
 * Debian release on the admin's computer, with an apt state of its own (so this
 * computer's own apt is neither read nor changed), and writes it as a flat apt
 * repository that the package step uploads to servers without internet.
 */

export const RELEASES = ['bookworm', 'trixie'] as const;
export type Release = (typeof RELEASES)[number];

export interface BundleBuildOptions {
  readonly out: string;
  readonly release: Release;
  /** Debian mirror; default deb.debian.org. */
  readonly mirror?: string;
  readonly securityMirror?: string;
  readonly signal?: AbortSignal;
  readonly log?: (line: string) => void;
}

export interface BundleBuildResult {
  readonly out: string;
  readonly manifest: BundleManifest;
  readonly debs: number;
  readonly bytes: number;
}

/** Builds (or refreshes) the bundle in `out`. Files of an older build that are no longer needed are removed. */
export async function buildBundle(options: BundleBuildOptions): Promise<BundleBuildResult> {
  const log = options.log ?? (() => undefined);
  await ensureTools(log);
  const mirror = options.mirror ?? 'http://deb.debian.org/debian';
  const security = options.securityMirror ?? 'http://deb.debian.org/debian-security';
  const work = await mkdtemp(join(tmpdir(), 'lockstep-bundle-'));
  try {
    const aptOptions = await aptState(work, options.release, mirror, security);
    const apt = (...args: string[]): string[] => ['apt-get', ...aptOptions, ...args];
    log(`Reading the ${options.release} package index from ${mirror} …`);
    await hostCommand(apt('update'), { signal: options.signal });
    const known = await knownPackages(aptOptions, choiceNames(allPackages()), options.signal);
    const packages = allPackages().map((choice) => choosePackage(choice, known));
    log(`Gathering ${packages.length} packages and their dependencies (--no-install-recommends) …`);
    await hostCommand(apt('install', '--download-only', '--yes', '--no-install-recommends', ...packages), {
      signal: options.signal,
      env: { DEBIAN_FRONTEND: 'noninteractive' },
    });
    const archives = join(work, 'cache', 'archives');
    const debs = (await readdir(archives)).filter((name) => name.endsWith('.deb')).sort();
    await mkdir(options.out, { recursive: true });
    for (const name of await readdir(options.out)) {
      if (name.endsWith('.deb') && !debs.includes(name)) await rm(join(options.out, name));
    }
    for (const name of debs) await copyIfChanged(join(archives, name), join(options.out, name));
    log(`Writing the repository index for ${debs.length} packages …`);
    const index = await hostCommand(['apt-ftparchive', 'packages', '.'], { signal: options.signal, ...cwd(options.out) });
    await writeFile(join(options.out, 'Packages'), index.stdout);
    await hostCommand(['sh', '-c', 'gzip -9nc Packages > Packages.gz'], cwd(options.out));
    const release = await hostCommand(
      ['apt-ftparchive', '-o', `APT::FTPArchive::Release::Suite=${options.release}`, 'release', '.'],
      cwd(options.out),
    );
    await writeFile(join(options.out, 'Release'), release.stdout);
    const files: BundleFile[] = [];
    for (const name of [...debs, 'Packages', 'Packages.gz', 'Release']) {
      const path = join(options.out, name);
      files.push({ name, sha256: await sha256File(path), size: (await stat(path)).size });
    }
    const manifest: BundleManifest = {
      format: 1,
      release: options.release,
      architecture: 'amd64',
      created: new Date().toISOString(),
      packages,
      files,
    };
    await writeFile(join(options.out, MANIFEST_NAME), `${JSON.stringify(manifest, null, 2)}\n`);
    return { out: options.out, manifest, debs: debs.length, bytes: files.reduce((sum, file) => sum + file.size, 0) };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

function cwd(dir: string): { cwd: string } {
  return { cwd: dir };
}

/** The `-o` options that give apt-get a state, cache and sources list of its own under `work`. */
async function aptState(work: string, release: Release, mirror: string, security: string): Promise<string[]> {
  for (const dir of ['state/lists/partial', 'cache/archives/partial', 'etc/apt.conf.d', 'etc/preferences.d', 'etc/sources.list.d']) {
    await mkdir(join(work, dir), { recursive: true });
  }
  await writeFile(join(work, 'state', 'status'), '');
  await writeFile(
    join(work, 'etc', 'sources.list'),
    [
      `deb ${mirror} ${release} main`,
      `deb ${mirror} ${release}-updates main`,
      `deb ${security} ${release}-security main`,
      '',
    ].join('\n'),
  );
  return [
    '-o', `Dir::State=${join(work, 'state')}`,
    '-o', `Dir::State::status=${join(work, 'state', 'status')}`,
    '-o', `Dir::Cache=${join(work, 'cache')}`,
    '-o', `Dir::Etc::SourceList=${join(work, 'etc', 'sources.list')}`,
    '-o', `Dir::Etc::SourceParts=${join(work, 'etc', 'sources.list.d')}`,
    '-o', `Dir::Etc::Preferences=${join(work, 'etc', 'preferences')}`,
    '-o', `Dir::Etc::PreferencesParts=${join(work, 'etc', 'preferences.d')}`,
    '-o', 'APT::Architecture=amd64',
    '-o', 'APT::Architectures::=amd64',
    '-o', 'APT::Install-Recommends=false',
    '-o', 'Debug::NoLocking=true',
  ];
}

/** Which of `names` the fresh index knows (for packages renamed between releases). */
async function knownPackages(aptOptions: readonly string[], names: readonly string[], signal?: AbortSignal): Promise<Set<string>> {
  const result = await hostCommand(['apt-cache', ...aptOptions, 'policy', ...names], { allowFailure: true, signal });
  const known = new Set<string>();
  for (const [name, entry] of parseAptPolicy(result.stdout)) if (entry.candidate !== null) known.add(name);
  return known;
}

/** apt-ftparchive writes the index; offer to install it (apt-utils) when missing. */
async function ensureTools(log: (line: string) => void): Promise<void> {
  const found = await hostCommand(['sh', '-c', 'command -v apt-get && command -v apt-ftparchive'], { allowFailure: true });
  if (found.code === 0) return;
  const apt = await hostCommand(['sh', '-c', 'command -v apt-get'], { allowFailure: true });
  if (apt.code !== 0) {
    throw new LockstepError({
      code: 'command.failed',
      message: 'Building an offline bundle needs apt (a Debian or Ubuntu computer); apt-get was not found here.',
      remedy: 'Run `lockstep bundle build` on a Debian computer, or use packages.source: mirror.',
    });
  }
  if (process.getuid?.() !== 0) {
    throw new LockstepError({
      code: 'command.failed',
      message: 'apt-ftparchive (Debian package apt-utils) is needed to write the bundle’s repository index.',
      remedy: 'Install it: `sudo apt-get install --no-install-recommends apt-utils`, then run the build again.',
    });
  }
  log('Installing apt-utils (apt-ftparchive writes the bundle’s repository index) …');
  await hostCommand(['apt-get', 'install', '--yes', '--no-install-recommends', 'apt-utils'], {
    env: { DEBIAN_FRONTEND: 'noninteractive' },
  });
}

async function copyIfChanged(from: string, to: string): Promise<void> {
  const existing = await stat(to).catch(() => undefined);
  const source = await stat(from);
  if (existing && existing.size === source.size && (await sha256File(to)) === (await sha256File(from))) return;
  await copyFile(from, `${to}.tmp`);
  await rename(`${to}.tmp`, to);
}

/** SHA-256 of a file, streamed. */
export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}
