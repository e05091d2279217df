import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../provisioning/api/finding';
import type { ProbeReport } from '../../provisioning/api/inventory';
import type { VmLabInfo, VmLabStatus } from '../../provisioning/lab/vm/types';
import { runLockstep, runProcess } from '../helpers/lab';
import { vmLabSkipReason, vmLabSsh } from './vm-lab-support';

/**
 * The VM lab end to end, as a user runs it: `lab up --kind vm` (two QEMU VMs, TCG on
 * this kind of machine), `probe` sees three NICs and three disks on each (the data disk
 * in use), DRBD loads inside, `validate` finds the private link by probing the wire and
 * passes the DRBD and disk checks, and `lab down --kind vm` leaves nothing behind.
 */

const skipReason = vmLabSkipReason();

/** A state dir of the test's own: its key, known_hosts and site file do not touch the user's. */
const stateDir = mkdtempSync(join(tmpdir(), 'lockstep-vm-lab-'));
const env = { ...process.env, LOCKSTEP_STATE_DIR: stateDir };
let info: VmLabInfo;
let upSeconds = 0;

function parse<T>(stdout: string, what: string): T {
  try {
    return JSON.parse(stdout) as T;
  } catch {
    throw new Error(`${what} printed no JSON:\n${stdout}`);
  }
}

function ssh(address: string, command: string) {
  return vmLabSsh(info, address, command);
}

describe.skipIf(skipReason !== undefined)('VM lab (QEMU)', () => {
  beforeAll(async () => {
    const up = await runLockstep(['lab', 'up', '--kind', 'vm', '--json'], { env });
    expect(up.code, up.stderr).toBe(0);
    info = parse<VmLabInfo>(up.stdout, 'lab up --kind vm');
    upSeconds = up.elapsedMs / 1000;
    console.info(`lab up --kind vm took ${upSeconds.toFixed(1)} s (accelerator ${info.accelerator})`);
  });

  afterAll(async () => {
    const down = await runLockstep(['lab', 'down', '--kind', 'vm'], { env });
    rmSync(stateDir, { recursive: true, force: true });
    expect(down.code, down.stderr).toBe(0);
  });

  it('brings up two VMs that answer SSH, with their site file', async () => {
    expect(info.nodes.map((node) => node.address)).toEqual(['10.212.0.11', '10.212.0.12']);
    const site = readFileSync(info.siteFile, 'utf8');
    expect(site).toContain('name: vmlab');
    expect(site).toMatch(/fencing:\n\s+mode: none\n\s+acknowledgeNoFencing: true/);
    const status = await runLockstep(['lab', 'status', '--kind', 'vm', '--json'], { env });
    const parsed = parse<VmLabStatus>(status.stdout, 'lab status --kind vm');
    expect(parsed.state).toBe('running');
    // A second `up` finds the lab healthy and changes nothing.
    const again = await runLockstep(['lab', 'up', '--kind', 'vm'], { env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('already up');
  });

  it('probe shows three NICs and three disks on each VM, the data disk in use', async () => {
    const probe = await runLockstep(['probe', '-c', info.siteFile, '--json'], { env });
    expect(probe.code, probe.stderr).toBe(0);
    const report = parse<ProbeReport>(probe.stdout, 'probe');
    expect(report.nodes).toHaveLength(2);
    for (const [index, node] of report.nodes.entries()) {
      const spec = info.nodes[index];
      const inventory = node.inventory;
      if (!inventory || !Array.isArray(inventory.nics) || !Array.isArray(inventory.disks))
        throw new Error(`no inventory for ${node.host}: ${JSON.stringify(node.error ?? node.inventory)}`);
      const nics = inventory.nics.filter((nic) => nic.name !== 'lo').map((nic) => nic.name);
      expect(nics.sort()).toEqual(Object.values(spec?.nics ?? {}).sort());
      const disks = Object.fromEntries(inventory.disks.map((disk) => [disk.name, disk]));
      expect(Object.keys(disks).sort()).toEqual(['vda', 'vdb', 'vdc']);
      expect(disks.vda?.inUse.map((use) => use.reason)).toContain('system');
      expect(disks.vdb?.inUse).toEqual([]);
      expect(disks.vdc?.inUse.map((use) => use.reason)).toContain('filesystem');
    }
  });

  it('loads DRBD inside the VMs (their own kernel)', async () => {
    for (const node of info.nodes) {
      const result = await ssh(node.address, 'modprobe drbd && cat /proc/drbd');
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/^version: 8\.4\./m);
    }
  });

  it('validate finds the private link and passes the DRBD and disk checks', async () => {
    const validate = await runLockstep(['validate', '-c', info.siteFile, '--json'], { env });
    const findings = parse<{ findings: Finding[] }>(validate.stdout, 'validate').findings;
    const of = (id: string) => findings.filter((finding) => finding.id === id);
    const link = of('net.no-private-link');
    expect(link.map((finding) => finding.severity)).toEqual(['pass']);
    expect(link[0]?.message).toContain('confirmed by the carrier test');
    const [a, b] = info.nodes;
    expect(link[0]?.message).toContain(`${a?.address}:${a?.nics.private}`);
    expect(link[0]?.message).toContain(`${b?.address}:${b?.nics.private}`);
    for (const id of ['kmod.drbd-unavailable', 'disk.none-available']) {
      const found = of(id);
      expect(found, id).toHaveLength(2);
      expect(
        found.map((finding) => finding.severity),
        id,
      ).toEqual(['pass', 'pass']);
    }
  });

  it('lab down leaves no process, TAP, bridge, socket or disk behind', async () => {
    const down = await runLockstep(['lab', 'down', '--kind', 'vm'], { env });
    expect(down.code, down.stderr).toBe(0);
    const qemus = await runProcess('pgrep', ['-f', 'guest=lockstep-v[ab],process=lskv-']);
    expect(qemus.stdout.trim()).toBe('');
    expect(readdirSync('/sys/class/net').filter((name) => name.startsWith('lskv-'))).toEqual([]);
    expect(existsSync('/run/lockstep-vm-lab')).toBe(false);
    expect(existsSync(join(stateDir, 'vm-lab', 'servers', 'lockstep-va', 'system.qcow2'))).toBe(false);
    const status = await runLockstep(['lab', 'status', '--kind', 'vm', '--json'], { env });
    expect(parse<VmLabStatus>(status.stdout, 'lab status').state).toBe('down');
  });
});

it.skipIf(skipReason === undefined)(`VM lab skipped: ${skipReason ?? ''}`, () => {
  expect(skipReason).toBeDefined();
});
