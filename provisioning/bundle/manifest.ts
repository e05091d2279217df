/**
 * `lockstep-bundle.json`: what an offline bundle holds. The package step reads it to
 * upload only the files whose checksum differs on the server, and to refuse a bundle
 * built for another Debian release.
 */
export const MANIFEST_NAME = 'lockstep-bundle.json';

/** Where the bundle lives on each server (a flat apt repository). */
export const REMOTE_BUNDLE_DIR = '/var/lib/lockstep/bundle';

export interface BundleFile {
  readonly name: string;
  readonly sha256: string;
  readonly size: number;
}

export interface BundleManifest {
  readonly format: 1;
  /** Debian codename the packages belong to (`bookworm`, `trixie`). */
  readonly release: string;
  readonly architecture: string;
  readonly created: string;
  /** The package names asked for; the files are their closure. */
  readonly packages: readonly string[];
  /** Every file of the repository: the .debs, Packages, Packages.gz, Release. */
  readonly files: readonly BundleFile[];
}

/** Parses and checks a manifest's shape; throws a plain Error naming what is wrong. */
export function parseManifest(text: string): BundleManifest {
  const data = JSON.parse(text) as Partial<BundleManifest>;
  if (data.format !== 1) throw new Error(`unknown bundle format ${String(data.format)}`);
  if (typeof data.release !== 'string' || !Array.isArray(data.files) || !Array.isArray(data.packages)) {
    throw new Error('the manifest lacks release, packages or files');
  }
  for (const file of data.files) {
    if (typeof file.name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.+~%-]*$/.test(file.name) || !/^[0-9a-f]{64}$/.test(file.sha256)) {
      throw new Error(`bad file entry ${JSON.stringify(file)}`);
    }
  }
  return data as BundleManifest;
}
