import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LockstepError } from '../../../provisioning/api/errors';
import type { DiscoveredSite } from '../../../provisioning/api/site';
import type { LocatedSiteProblem } from '../../../provisioning/site/load';
import { loadSiteFile } from '../../../provisioning/site/load';

/** A temp folder with a private key file, where site files are written as `site.yaml`. */
export function siteFolder(): { dir: string; home: string; write: (text: string, name?: string) => string } {
  const dir = mkdtempSync(join(tmpdir(), 'lockstep-site-'));
  const home = join(dir, 'home');
  writeFileSync(join(dir, 'id_test'), 'not really a key\n');
  return {
    dir,
    home,
    write: (text, name = 'site.yaml') => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    },
  };
}

/** Loads a file that must fail, and returns the error and its structured problems. */
export function loadError(
  path: string,
  homeDir?: string,
): { error: LockstepError; problems: LocatedSiteProblem[] } {
  try {
    loadSiteFile(path, { homeDir });
  } catch (error) {
    if (!(error instanceof LockstepError)) throw error;
    const problems = (error.details?.problems ?? []) as LocatedSiteProblem[];
    return { error, problems };
  }
  throw new Error(`expected ${path} to be refused`);
}

/** What probing might find on a typical pair, for filling `auto` fields. */
export const DISCOVERED = {
  nodeNames: { a: 'node-a', b: 'node-b' },
  management: { a: 'enp1s0', b: 'enp1s0' },
  private: { a: 'enp3s0', b: 'enp2s0', subnet: '10.99.0.0/30', mtu: 9000 },
  business: [{ bridge: 'br-biz', a: 'enp2s0', b: 'enp3s0' }],
  disks: { a: ['/dev/disk/by-id/nvme-A'], b: ['/dev/disk/by-id/nvme-B'] },
} satisfies DiscoveredSite;
