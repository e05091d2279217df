import { readFile as readLocal } from 'node:fs/promises';
import { join } from 'node:path';
import { LockstepError } from '../api/errors';
import { MANIFEST_NAME, parseManifest, REMOTE_BUNDLE_DIR, type BundleManifest } from '../bundle/manifest';
import type { Change, Decision, NodeStep, NodeStepContext } from '../engine/types';
import { command, sh } from '../util/shell';
import { choiceNames, choosePackage, nodePackages, type PackageChoice } from './package-sets';
import { dpkgQueryCommand, parseAptPolicy, parseDpkgQuery } from './parse/dpkg';
import { marker, readFile, sha256, writeCommand, writeFileIfChanged } from './support/files';
import { notVerified, read, run, type RunTarget } from './support/run';

/**
 * Packages: where they come from (the servers' mirror, or the offline bundle uploaded
 * over SFTP and used as a local apt repository), then the install itself.
 */

export const BUNDLE_LIST_PATH = '/etc/apt/sources.list.d/lockstep-bundle.list';
const APT_ENV = 'DEBIAN_FRONTEND=noninteractive';

/** The apt options that make apt see only the bundle (a stale mirror index must not win). */
export function bundleOnlyOptions(): string[] {
  return ['-o', `Dir::Etc::SourceList=${BUNDLE_LIST_PATH}`, '-o', 'Dir::Etc::SourceParts=-', '-o', 'APT::Get::List-Cleanup=0'];
}

/** The sources line of the bundle, with the file's marker. */
export function bundleListContent(pairName: string): string {
  return `${marker(pairName)}\ndeb [trusted=yes] file:${REMOTE_BUNDLE_DIR} ./\n`;
}

/** Reads the bundle's manifest on the admin's computer. */
export async function loadManifest(dir: string): Promise<BundleManifest> {
  try {
    return parseManifest(await readLocal(join(dir, MANIFEST_NAME), 'utf8'));
  } catch (error) {
    throw new LockstepError(
      {
        code: 'config',
        field: 'packages.bundle',
        message: `${dir} is not an offline bundle Lockstep can use: ${(error as Error).message}.`,
        remedy: `Build it: \`lockstep bundle build --out ${dir}\`.`,
      },
      { cause: error },
    );
  }
}

/** Parses `sha256sum` output into name → sum (names relative to the folder). */
export function parseSha256sums(stdout: string): Map<string, string> {
  const sums = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const match = /^([0-9a-f]{64}) [ *](?:\.\/)?(.+)$/.exec(line.trim());
    if (match?.[1] && match[2]) sums.set(match[2], match[1]);
  }
  return sums;
}

/** What differs between the bundle and the server's copy. */
export function bundleDiff(manifest: BundleManifest, remote: ReadonlyMap<string, string>): { upload: string[]; remove: string[] } {
  const wanted = new Set(manifest.files.map((file) => file.name));
  return {
    upload: manifest.files.filter((file) => remote.get(file.name) !== file.sha256).map((file) => file.name),
    remove: [...remote.keys()].filter((name) => !wanted.has(name)).sort(),
  };
}

/** The apt index of the bundle as apt stored it (its sum equals the bundle's Packages when current). */
const BUNDLE_INDEX = '/var/lib/apt/lists/_var_lib_lockstep_bundle_._Packages';

async function serverRelease(target: RunTarget): Promise<string> {
  const result = await read(target, sh`. /etc/os-release && echo "$VERSION_CODENAME"`);
  return result.stdout.trim();
}

/** Decides the bundle step from what the server holds (pure, for tests). */
export function decideBundle(input: {
  readonly pairName: string;
  readonly manifest: BundleManifest;
  readonly remoteSums: ReadonlyMap<string, string>;
  readonly listContent: string | null;
  readonly indexSum: string | null;
}): Decision {
  const { upload, remove } = bundleDiff(input.manifest, input.remoteSums);
  const changes: Change[] = [];
  if (upload.length > 0 || remove.length > 0) {
    const bytes = input.manifest.files.filter((file) => upload.includes(file.name)).reduce((sum, file) => sum + file.size, 0);
    changes.push({
      summary: `upload ${upload.length} of ${input.manifest.files.length} bundle files (${(bytes / 1e6).toFixed(1)} MB) to ${REMOTE_BUNDLE_DIR}${remove.length ? `, remove ${remove.length} stale` : ''}`,
      commands: [
        sh`mkdir -p -m 0755 ${REMOTE_BUNDLE_DIR}`,
        ...upload.slice(0, 5).map((name) => `sftp put ${name} ${REMOTE_BUNDLE_DIR}/${name}`),
        ...(upload.length > 5 ? [`… and ${upload.length - 5} more files`] : []),
        ...remove.map((name) => sh`rm -f -- ${`${REMOTE_BUNDLE_DIR}/${name}`}`),
      ],
    });
  }
  const list = bundleListContent(input.pairName);
  if (input.listContent !== list) {
    changes.push({ summary: `write ${BUNDLE_LIST_PATH}`, commands: [writeCommand(BUNDLE_LIST_PATH)] });
  }
  const packagesSum = input.manifest.files.find((file) => file.name === 'Packages')?.sha256;
  if (changes.length > 0 || input.indexSum !== packagesSum) {
    changes.push({ summary: 'read the bundle into apt’s index', commands: [bundleUpdateCommand()] });
  }
  if (changes.length === 0) return { kind: 'noop', reason: `the offline bundle (${input.manifest.files.length} files) is on the server and in apt’s index` };
  return { kind: 'change', changes };
}

function bundleUpdateCommand(): string {
  return command('apt-get', ...bundleOnlyOptions(), 'update');
}

/**
 * What the offline bundle needs on one server (a node, or the quorum witness): its
 * files, the apt source line, apt's index of it. Refuses a bundle of another release.
 */
export async function inspectBundle(target: RunTarget, bundleDir: string, pairName: string): Promise<Decision> {
  const manifest = await loadManifest(bundleDir);
  const release = await serverRelease(target);
  if (release !== manifest.release) {
    throw new LockstepError({
      code: 'config',
      field: 'packages.bundle',
      host: target.label,
      message: `The offline bundle holds ${manifest.release} packages but ${target.label} runs Debian ${release || 'unknown'}.`,
      remedy: `Build a bundle for it: \`lockstep bundle build --release ${release || 'bookworm'} --out DIR\`.`,
    });
  }
  const sums = await read(target, sh`cd ${REMOTE_BUNDLE_DIR} 2>/dev/null && find . -maxdepth 1 -type f ! -name '*.tmp' -print0 | xargs -0r sha256sum`, 120_000);
  const index = await read(target, sh`sha256sum -- ${BUNDLE_INDEX}`);
  return decideBundle({
    pairName,
    manifest,
    remoteSums: parseSha256sums(sums.stdout),
    listContent: await readFile(target, BUNDLE_LIST_PATH),
    indexSum: index.code === 0 ? (index.stdout.split(' ')[0] ?? null) : null,
  });
}

/** Uploads what differs of the bundle over SFTP, writes the apt source and reads it into apt's index. */
export async function applyBundle(target: RunTarget, bundleDir: string, pairName: string): Promise<void> {
  const manifest = await loadManifest(bundleDir);
  await run(target, sh`mkdir -p -m 0755 ${REMOTE_BUNDLE_DIR}`);
  const sums = await read(target, sh`cd ${REMOTE_BUNDLE_DIR} && find . -maxdepth 1 -type f -print0 | xargs -0r sha256sum`, 120_000);
  const { upload, remove } = bundleDiff(manifest, parseSha256sums(sums.stdout));
  target.log?.(`uploading ${upload.length} bundle files over SFTP`);
  for (const name of upload) {
    target.signal?.throwIfAborted();
    const data = await readLocal(join(bundleDir, name));
    const expected = manifest.files.find((file) => file.name === name)?.sha256;
    if (sha256(data) !== expected) {
      throw new LockstepError({
        code: 'config',
        field: 'packages.bundle',
        message: `${join(bundleDir, name)} does not match the bundle’s manifest (changed or damaged).`,
        remedy: `Rebuild the bundle: \`lockstep bundle build --release ${manifest.release} --out ${bundleDir}\`.`,
      });
    }
    await uploadWithin(target, data, `${REMOTE_BUNDLE_DIR}/${name}`, 5 * 60_000);
  }
  for (const name of remove) await run(target, sh`rm -f -- ${`${REMOTE_BUNDLE_DIR}/${name}`}`, { quiet: true });
  await writeFileIfChanged(target, BUNDLE_LIST_PATH, bundleListContent(pairName));
  await run(target, bundleUpdateCommand(), { fix: `Check ${BUNDLE_LIST_PATH} and the files in ${REMOTE_BUNDLE_DIR}.` });
}

/** Throws unless apt's index of the bundle is the bundle's current one. */
export async function verifyBundle(target: RunTarget, bundleDir: string): Promise<void> {
  const manifest = await loadManifest(bundleDir);
  const packagesSum = manifest.files.find((file) => file.name === 'Packages')?.sha256;
  const index = await read(target, sh`sha256sum -- ${BUNDLE_INDEX}`);
  if (index.code !== 0 || index.stdout.split(' ')[0] !== packagesSum) {
    throw notVerified(target.label, 'apt has not read the offline bundle’s index.', `Run \`${bundleUpdateCommand()}\` on the server and look at its output.`);
  }
}

/** `packages.source`: the offline bundle as a local apt repository (bundle sites only). */
export const bundleSourceStep: NodeStep = {
  id: 'packages.source',
  title: 'Offline package bundle',
  group: 'packages',
  scope: 'node',
  applicable: (site) => site.packages.source === 'bundle',
  inspect: (context) => inspectBundle(context, bundlePath(context), context.pair.pairName),
  apply: (context) => applyBundle(context, bundlePath(context), context.pair.pairName),
  verify: (context) => verifyBundle(context, bundlePath(context)),
};

/** SFTP has no timeout of its own: a connection that died mid-file must fail the step, not hang it. */
async function uploadWithin(target: RunTarget, data: Buffer, path: string, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(notVerified(target.label, `uploading ${path} took longer than ${ms / 60_000} minutes.`, 'Check the connection to the server and run apply again: files already uploaded are kept.')), ms);
  });
  try {
    await Promise.race([target.transport.upload(data, path, { mode: 0o644, sudo: true }), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function bundlePath(context: NodeStepContext): string {
  const packages = context.site.packages;
  if (packages.source !== 'bundle') throw new Error('packages.source step on a mirror site');
  return packages.bundle;
}


/** Decides the install from dpkg's view and apt's candidates (pure, for tests). */
export function decideInstall(input: {
  readonly wanted: readonly PackageChoice[];
  readonly dpkg: ReadonlyMap<string, { installed: boolean }>;
  readonly aptKnown: ReadonlySet<string>;
  readonly source: 'mirror' | 'bundle';
}): Decision {
  const installedNames = new Set([...input.dpkg].filter(([, entry]) => entry.installed).map(([name]) => name));
  const missing: string[] = [];
  for (const choice of input.wanted) {
    const names = typeof choice === 'string' ? [choice] : choice;
    if (names.some((name) => installedNames.has(name))) continue;
    missing.push(choosePackage(choice, input.aptKnown));
  }
  if (missing.length === 0) return { kind: 'noop', reason: `all ${input.wanted.length} packages are installed` };
  return {
    kind: 'change',
    changes: [{ summary: `install ${missing.join(', ')} (${missing.length} packages, without recommends)`, commands: installCommands(missing, input.source) }],
  };
}

/** The apt commands that install `names` without questions or recommends. */
export function installCommands(names: readonly string[], source: 'mirror' | 'bundle'): string[] {
  const only = source === 'bundle' ? bundleOnlyOptions() : [];
  return [
    ...(source === 'mirror' ? [`${APT_ENV} ${command('apt-get', '-q', 'update')}`] : []),
    `${APT_ENV} ${command('apt-get', ...only, '-q', '-y', '--no-install-recommends', '-o', 'Dpkg::Options::=--force-confdef', '-o', 'Dpkg::Options::=--force-confold', 'install', '--', ...names)}`,
  ];
}

async function installFacts(context: NodeStepContext): Promise<{ dpkg: Map<string, { installed: boolean }>; known: Set<string> }> {
  const names = choiceNames(nodePackages(context.site));
  const dpkg = parseDpkgQuery((await read(context, dpkgQueryCommand(names))).stdout);
  const alternatives = nodePackages(context.site).filter((choice) => typeof choice !== 'string').flat();
  const policy = alternatives.length ? parseAptPolicy((await read(context, command('apt-cache', 'policy', '--', ...alternatives))).stdout) : new Map();
  const known = new Set([...policy].filter(([, entry]) => entry.candidate !== null).map(([name]) => name));
  return { dpkg, known };
}

/** `packages.install`: the stack of the chosen profile. */
export const installStep: NodeStep = {
  id: 'packages.install',
  title: 'Install packages',
  group: 'packages',
  scope: 'node',
  applicable: () => true,
  async inspect(context) {
    const { dpkg, known } = await installFacts(context);
    return decideInstall({ wanted: nodePackages(context.site), dpkg, aptKnown: known, source: context.site.packages.source });
  },
  async apply(context) {
    // Re-decide: a run killed half-way may have installed some already.
    const { dpkg, known } = await installFacts(context);
    const decision = decideInstall({ wanted: nodePackages(context.site), dpkg, aptKnown: known, source: context.site.packages.source });
    if (decision.kind === 'noop') return;
    // A previous run killed inside dpkg leaves it half-configured: finish that first.
    await run(context, `${APT_ENV} dpkg --configure -a`, { timeoutMs: 20 * 60_000 });
    for (const line of decision.changes.flatMap((change) => change.commands)) {
      await run(context, line, {
        timeoutMs: 30 * 60_000,
        fix:
          context.site.packages.source === 'bundle'
            ? 'The offline bundle may lack a package this server needs: rebuild it with `lockstep bundle build` for this release.'
            : 'Check that the server reaches its Debian mirror (`apt-get update`), then run apply again.',
      });
    }
  },
  async verify(context) {
    const { dpkg } = await installFacts(context);
    const missing = nodePackages(context.site).filter((choice) => !(typeof choice === 'string' ? [choice] : choice).some((name) => dpkg.get(name)?.installed));
    if (missing.length > 0) {
      throw notVerified(context.label, `packages not installed: ${choiceNames(missing).join(', ')}.`, 'Run `dpkg --configure -a` and `apt-get -f install` on the server, then apply again.');
    }
  },
};
