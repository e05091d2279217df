import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { LabNodeSpec } from './constants';

/** `<lab dir>/site.yaml`. */
export function siteFilePath(labDirectory: string): string {
  return join(labDirectory, 'site.yaml');
}

/** The lab pair's site file, the minimal one a user would write: name, nodes, SSH as root with the lab key. */
export function siteFileText(nodes: readonly LabNodeSpec[], identityFile: string): string {
  return stringify({
    name: 'lab',
    nodes: nodes.map((node) => ({ address: node.address })),
    ssh: { user: 'root', identityFile },
  });
}

/** Writes the lab's site file and returns its path. */
export function writeSiteFile(
  labDirectory: string,
  nodes: readonly LabNodeSpec[],
  identityFile: string,
): string {
  const file = siteFilePath(labDirectory);
  writeFileSync(file, siteFileText(nodes, identityFile), { mode: 0o644 });
  return file;
}
