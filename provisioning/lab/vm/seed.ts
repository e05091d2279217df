import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { generateHostKeys, HOST_KEY_TYPES } from '../host-keys';
import { run } from '../run';
import { VM_MANAGEMENT_PREFIX, type VmNodeSpec } from './constants';

/** The files of one VM's seed, laid out as they land under the guest's `/`. */
function seedFiles(node: VmNodeSpec, rootPublicKey: string): { path: string; text: string; mode: number }[] {
  const network = (
    role: string,
    mac: string,
    body: string,
  ): { path: string; text: string; mode: number } => ({
    path: `etc/systemd/network/10-lockstep-${role}.network`,
    text: `# Lockstep VM lab: the ${role} NIC\n[Match]\nMACAddress=${mac}\n\n${body}`,
    mode: 0o644,
  });
  // NICs without an address are up with IPv6 link-local only, as the wire probe expects.
  const unaddressed =
    '[Network]\nLinkLocalAddressing=ipv6\nIPv6AcceptRA=no\n\n[Link]\nRequiredForOnline=no\n';
  return [
    { path: 'etc/hostname', text: `${node.hostname}\n`, mode: 0o644 },
    {
      path: 'etc/hosts',
      text: `127.0.0.1\tlocalhost\n127.0.1.1\t${node.hostname}\n\n::1\tlocalhost ip6-localhost ip6-loopback\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n`,
      mode: 0o644,
    },
    { path: 'root/.ssh/authorized_keys', text: `${rootPublicKey}\n`, mode: 0o600 },
    network(
      'management',
      node.nics.management.mac,
      `[Network]\nAddress=${node.address}/${VM_MANAGEMENT_PREFIX}\nIPv6AcceptRA=no\n`,
    ),
    network('business', node.nics.business.mac, unaddressed),
    network('private', node.nics.private.mac, unaddressed),
    { path: 'etc/lockstep/cable-mac', text: `${node.nics.private.mac}\n`, mode: 0o644 },
  ];
}

/** Where a VM's seed is staged on the host (its host keys are read from here to pin them). */
export function seedStaging(serverDir: string): string {
  return join(serverDir, 'seed');
}

/**
 * Builds a VM's seed: new host keys (generated here, so the lab knows them without
 * trusting the wire), hostname, root's authorized key, network files and the private
 * NIC's MAC, packed as a tar of files only (no directory entries, so unpacking over
 * `/` never changes a directory's owner or mode). QEMU hands it to the guest via fw_cfg.
 * Returns the tar's path.
 */
export async function buildSeed(serverDir: string, node: VmNodeSpec, rootPublicKey: string): Promise<string> {
  const staging = seedStaging(serverDir);
  rmSync(staging, { recursive: true, force: true });
  const files = seedFiles(node, rootPublicKey);
  for (const file of files) {
    const path = join(staging, file.path);
    mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
    writeFileSync(path, file.text);
    chmodSync(path, file.mode);
  }
  mkdirSync(join(staging, 'etc/ssh'), { recursive: true, mode: 0o755 });
  await generateHostKeys(staging, node.hostname);
  const keyFiles = HOST_KEY_TYPES.flatMap((type) => [
    `etc/ssh/ssh_host_${type}_key`,
    `etc/ssh/ssh_host_${type}_key.pub`,
  ]);
  const tarFile = join(serverDir, 'seed.tar');
  await run([
    'tar',
    '-c',
    '-f',
    tarFile,
    '--owner=0',
    '--group=0',
    '--numeric-owner',
    '--no-recursion',
    '-C',
    staging,
    ...files.map((file) => file.path),
    ...keyFiles,
  ]);
  chmodSync(tarFile, 0o600);
  return tarFile;
}
