import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { labExec, pinRunningLab, rekeyServer } from '../../provisioning/lab';
import {
  injectedLab,
  readLabCredentials,
  runLockstep,
  runProcess,
  sshAsRoot,
  sshWithPassword,
  type LabInfo,
  type LabNodeInfo,
} from '../helpers/lab';

/**
 * The practice lab as its user meets it: two Debian servers that answer SSH with their
 * own names and pinned keys, wired as designed, with the practice users, and a
 * `lab up`/`lab down` that is idempotent and leaves nothing behind.
 */
const { lab, skipReason } = injectedLab();

function requireLab(): LabInfo {
  if (!lab) throw new Error('the practice lab is not up');
  return lab;
}

interface IpLink {
  ifname: string;
  addr_info?: { family: string; local: string; scope: string }[];
}

async function links(node: LabNodeInfo): Promise<IpLink[]> {
  const result = await sshAsRoot(requireLab(), node, 'ip -j addr show');
  expect(result.code, result.stderr).toBe(0);
  return (JSON.parse(result.stdout) as IpLink[]).filter((link) => link.ifname !== 'lo');
}

function linkLocal(link: IpLink | undefined): string {
  const address = link?.addr_info?.find((info) => info.family === 'inet6' && info.scope === 'link')?.local;
  if (!address) throw new Error(`${link?.ifname} has no IPv6 link-local address`);
  return address;
}

/** Everything of the lab visible on this machine: namespaces, links, overlay mounts, nspawn processes. */
async function labTraces(): Promise<string[]> {
  const netns = (await runProcess('ip', ['netns', 'list'])).stdout
    .split('\n')
    .filter((line) => line.startsWith('lsk-'));
  const ipLinks = (await runProcess('ip', ['-o', 'link', 'show'])).stdout
    .split('\n')
    .filter((line) => /: lsk-/.test(line));
  const mounts = readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .filter((line) => line.includes('/var/cache/lockstep/lab') || line.includes('/lab/servers/'));
  const processes = (await runProcess('ps', ['-eo', 'pid=,args='])).stdout
    .split('\n')
    .filter((line) => line.includes('systemd-nspawn') && line.includes('/run/netns/lsk-'));
  return [...netns, ...ipLinks, ...mounts, ...processes];
}

/** Other live test runs holding a lease on the lab (global-setup.ts); this run's lease is its main process's. */
function otherLabUsers(info: LabInfo): number[] {
  const leases = join(dirname(info.siteFile), 'leases');
  const pids = existsSync(leases) ? readdirSync(leases).map(Number) : [];
  return pids.filter((pid) => pid !== process.ppid && pid !== process.pid && processExists(pid));
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!lab)(`practice lab${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  it('each server answers SSH as root with its own hostname, under its pinned host key', async () => {
    const info = requireLab();
    expect(info.nodes.map((node) => node.hostname)).toEqual(['lockstep-a', 'lockstep-b']);
    for (const node of info.nodes) {
      const result = await sshAsRoot(
        info,
        node,
        'hostname; cat /etc/debian_version; systemctl is-system-running || true',
      );
      expect(result.code, result.stderr).toBe(0);
      const [hostname, version, systemState] = result.stdout.trim().split('\n');
      expect(hostname).toBe(node.hostname);
      expect(version).toMatch(/^12\./);
      expect(systemState).toMatch(/running|degraded/);
    }
    const pins = readFileSync(info.knownHostsPath, 'utf8');
    for (const node of info.nodes) {
      for (const type of ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ssh-rsa']) {
        expect(pins).toMatch(new RegExp(`^${node.address.replaceAll('.', '\\.')} ${type} `, 'm'));
      }
    }
  });

  it('the site file names both servers and the lab key', () => {
    const info = requireLab();
    const site = parse(readFileSync(info.siteFile, 'utf8')) as Record<string, unknown>;
    expect(site.name).toBe('lab');
    expect(site.nodes).toEqual([{ address: '10.211.0.11' }, { address: '10.211.0.12' }]);
    expect(site.ssh).toEqual({ user: 'root', identityFile: info.identityFile });
  });

  it('has the designed NICs: role-free names in a different order, management addressed, private cable direct', async () => {
    const info = requireLab();
    const [nodeA, nodeB] = info.nodes;
    if (!nodeA || !nodeB) throw new Error('two nodes expected');
    const linksA = await links(nodeA);
    const linksB = await links(nodeB);
    for (const [node, nodeLinks] of [
      [nodeA, linksA],
      [nodeB, linksB],
    ] as const) {
      expect(nodeLinks.map((link) => link.ifname).sort()).toEqual(['enp1s0', 'enp2s0', 'enp3s0']);
      const ipv4 = nodeLinks.flatMap((link) =>
        (link.addr_info ?? []).filter((a) => a.family === 'inet').map((a) => `${link.ifname}=${a.local}`),
      );
      expect(ipv4).toEqual([`${node.nics.management}=${node.address}`]);
    }
    for (const node of [nodeA, nodeB]) {
      // What probe reads from sysfs must be the server's own NICs, not this computer's.
      const sysfs = await sshAsRoot(info, node, 'ls /sys/class/net');
      expect(sysfs.stdout.trim().split('\n').sort()).toEqual(['enp1s0', 'enp2s0', 'enp3s0', 'lo']);
    }
    expect(nodeA.nics.private).not.toBe(nodeB.nics.private);
    expect(nodeA.nics.business).not.toBe(nodeB.nics.business);

    // The private cable joins A's private NIC to B's private NIC and nothing else.
    const bPrivate = linkLocal(linksB.find((link) => link.ifname === nodeB.nics.private));
    const bBusiness = linkLocal(linksB.find((link) => link.ifname === nodeB.nics.business));
    const overCable = await sshAsRoot(info, nodeA, `ping -c 1 -W 3 ${bPrivate}%${nodeA.nics.private}`);
    expect(overCable.code, overCable.stdout + overCable.stderr).toBe(0);
    const overBusiness = await sshAsRoot(info, nodeA, `ping -c 1 -W 3 ${bBusiness}%${nodeA.nics.business}`);
    expect(overBusiness.code, overBusiness.stdout + overBusiness.stderr).toBe(0);
    const wrongWire = await sshAsRoot(info, nodeA, `ping -c 1 -W 1 ${bPrivate}%${nodeA.nics.business}`);
    expect(wrongWire.code).not.toBe(0);
  });

  it('admin can sudo with its password (sudo asks for it); nosudo cannot', async () => {
    const info = requireLab();
    const credentials = readLabCredentials(info);
    const node = info.nodes[0];
    if (!node) throw new Error('no node');
    const { admin, nosudo } = credentials;

    const noPassword = await sshWithPassword(info, node, admin.user, admin.password, 'sudo -n true');
    expect(noPassword.code).not.toBe(0);
    expect(noPassword.stderr).toMatch(/password is required/);

    const withPassword = await sshWithPassword(
      info,
      node,
      admin.user,
      admin.password,
      "sudo -S -p '' id -un",
      `${admin.password}\n`,
    );
    expect(withPassword.code, withPassword.stderr).toBe(0);
    expect(withPassword.stdout.trim()).toBe('root');

    const refused = await sshWithPassword(
      info,
      node,
      nosudo.user,
      nosudo.password,
      "whoami; sudo -S -p '' id -un",
      `${nosudo.password}\n`,
    );
    expect(refused.stdout.trim()).toBe('nosudo');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/not in the sudoers file/);

    const wrongPassword = await sshWithPassword(info, node, admin.user, 'not-the-password', 'true');
    expect(wrongPassword.code).toBe(255);
  });

  it('labExec reaches inside a server (fault injection): an MTU change shows over SSH', async () => {
    const info = requireLab();
    const node = info.nodes[1];
    if (!node) throw new Error('no node');
    const nic = node.nics.private;
    await labExec(node.name, ['ip', 'link', 'set', 'dev', nic, 'mtu', '1400']);
    try {
      const seen = await sshAsRoot(info, node, `cat /sys/class/net/${nic}/mtu`);
      expect(seen.stdout.trim(), seen.stderr).toBe('1400');
    } finally {
      await labExec(node.name, ['ip', 'link', 'set', 'dev', nic, 'mtu', '1500']);
    }
    const hostname = await labExec(node.name, ['hostname']);
    expect(hostname.stdout.trim()).toBe(node.hostname);
  });

  it('rekeyServer makes SSH meet a changed host key; re-pinning trusts it again', async () => {
    const info = requireLab();
    const node = info.nodes[1];
    if (!node) throw new Error('no node');
    const fingerprint = await rekeyServer(node.name);
    expect(fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    const listed = await labExec(node.name, ['ssh-keygen', '-lf', '/etc/ssh/ssh_host_ed25519_key.pub']);
    expect(listed.stdout).toContain(fingerprint);

    const refused = await sshAsRoot(info, node, 'hostname');
    expect(refused.code).toBe(255);
    expect(refused.stderr).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED/);

    expect(pinRunningLab(info.knownHostsPath)).toBe(true);
    const trusted = await sshAsRoot(info, node, 'hostname');
    expect(trusted.code, trusted.stderr).toBe(0);
    expect(trusted.stdout.trim()).toBe(node.hostname);
  });

  it('lab status reports both servers running', async () => {
    const result = await runLockstep(['lab', 'status', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const status = JSON.parse(result.stdout) as {
      state: string;
      nodes: { sshReady: boolean; running: boolean }[];
    };
    expect(status.state).toBe('running');
    expect(status.nodes.every((node) => node.running && node.sshReady)).toBe(true);
    const human = await runLockstep(['lab', 'status']);
    expect(human.stdout).toMatch(/Lab: running/);
  });

  it('a second lab up is fast and changes nothing', async () => {
    const info = requireLab();
    const before = JSON.parse((await runLockstep(['lab', 'status', '--json'])).stdout) as {
      nodes: { pid: number }[];
    };
    const pinsBefore = readFileSync(info.knownHostsPath, 'utf8');
    const credentialsBefore = readFileSync(info.credentialsFile, 'utf8');

    const again = await runLockstep(['lab', 'up', '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.elapsedMs).toBeLessThan(10_000);
    expect(JSON.parse(again.stdout)).toEqual(info);
    expect(again.stderr).toMatch(/already up/);

    const after = JSON.parse((await runLockstep(['lab', 'status', '--json'])).stdout) as {
      nodes: { pid: number }[];
    };
    expect(after.nodes.map((node) => node.pid)).toEqual(before.nodes.map((node) => node.pid));
    expect(readFileSync(info.knownHostsPath, 'utf8')).toBe(pinsBefore);
    expect(readFileSync(info.credentialsFile, 'utf8')).toBe(credentialsBefore);
  });

  it('lab down leaves no namespace, mount, bridge, veth or process behind; lab up brings fresh servers back', async (context) => {
    const info = requireLab();
    const others = otherLabUsers(info);
    if (others.length > 0) {
      context.skip(
        `another test run (pid ${others.join(', ')}) is using the practice lab; not taking it down`,
      );
    }
    const node = info.nodes[0];
    if (!node) throw new Error('no node');
    const marker = await sshAsRoot(info, node, 'touch /root/left-by-the-test && echo ok');
    expect(marker.stdout.trim()).toBe('ok');
    // The optional witness too: `lab down` removes it with the servers.
    const witness = await runLockstep(['lab', 'witness', 'up']);
    expect(witness.code, witness.stderr).toBe(0);
    expect((await runProcess('ip', ['netns', 'list'])).stdout).toContain('lsk-w');

    const down = await runLockstep(['lab', 'down']);
    expect(down.code, down.stderr).toBe(0);
    expect(down.stdout).toMatch(/The lab is down/);
    expect(await labTraces()).toEqual([]);

    const downAgain = await runLockstep(['lab', 'down']);
    expect(downAgain.code, downAgain.stderr).toBe(0);
    expect(downAgain.stdout).toMatch(/already down/);

    // A crashed `lab up` leaves pieces behind: status calls it degraded, and up cleans and rebuilds.
    await runProcess('ip', ['netns', 'add', 'lsk-a']);
    await runProcess('ip', ['link', 'add', 'name', 'lsk-mgmt', 'type', 'bridge']);
    const halfUp = JSON.parse((await runLockstep(['lab', 'status', '--json'])).stdout) as { state: string };
    expect(halfUp.state).toBe('degraded');

    // Other integration tests follow: the lab must be up again when this test ends.
    const up = await runLockstep(['lab', 'up', '--json']);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stderr).toMatch(/half-built lab/);
    expect(up.elapsedMs).toBeLessThan(30_000);
    expect(JSON.parse(up.stdout)).toEqual(info);
    const fresh = await sshAsRoot(
      info,
      node,
      'hostname; test -e /root/left-by-the-test && echo stale || echo fresh',
    );
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(fresh.stdout.trim().split('\n')).toEqual([node.hostname, 'fresh']);
  });
});

describe.skipIf(!lab)('practice lab refuses to run without root', () => {
  it('exits 2 with lab.unsupported, saying why and what to do', async () => {
    const result = await runProcess(
      'setpriv',
      [
        '--reuid=65534',
        '--regid=65534',
        '--clear-groups',
        '--',
        process.execPath,
        'bin/lockstep.mjs',
        'lab',
        'status',
      ],
      { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent' } },
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/error \[lab\.unsupported\]: .*needs root/);
    expect(result.stderr).toMatch(/fix: .*sudo lockstep lab up/);
  });
});
