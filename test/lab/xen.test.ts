import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApplyEvent } from '../../provisioning/api/apply-events';
import type { VmLabInfo } from '../../provisioning/lab/vm/types';
import { REPO_ROOT, runLockstep, runProcess } from '../helpers/lab';
import { vmLabSkipReason, vmLabSsh, vmLabStateDir } from './vm-lab-support';

/**
 * The Xen profile on real kernels: `lab up --kind vm --hypervisor xen` gives two servers
 * that boot through GRUB from their own disks and a site file with `hypervisor: xen`.
 * `lockstep apply` installs Xen from the offline bundle, makes GRUB's Xen entry the
 * default with dom0's memory, reboots both servers and waits through the reboot, and
 * goes on with the cluster on dom0; the servers then run as Xen dom0 (`xl info`) with a
 * quorate two-member cluster, and a second apply — validation included, on dom0 —
 * changes nothing.
 *
 * As in the HA test, the emulator's latency fails `net.latency-high`; it is the only
 * check let through.
 */

const skipReason = vmLabSkipReason();
const { own: ownStateDir, env } = vmLabStateDir('lockstep-xen-');
const ALLOW = ['net.latency-high'];
let info: VmLabInfo;
let startedHere = false;

function apply(extra: readonly string[] = []) {
  return runProcess(process.execPath, [join(REPO_ROOT, 'bin/lockstep.mjs'), 'apply', '-c', info.siteFile, '--yes', '--allow-checks', ALLOW.join(','), ...extra], {
    env,
    timeoutMs: 2_400_000,
  });
}

function events(stdout: string): ApplyEvent[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as ApplyEvent);
}

describe.skipIf(skipReason !== undefined)('the Xen profile on the VM lab (servers booting through GRUB)', () => {
  beforeAll(async () => {
    const up = await runLockstep(['lab', 'up', '--kind', 'vm', '--hypervisor', 'xen', '--json'], { env });
    expect(up.code, up.stderr).toBe(0);
    info = JSON.parse(up.stdout) as VmLabInfo;
    expect(info.hypervisor).toBe('xen');
    startedHere = !/already up/.test(up.stderr) && ownStateDir !== null;
  });

  afterAll(async () => {
    if (startedHere) {
      const down = await runLockstep(['lab', 'down', '--kind', 'vm'], { env });
      expect(down.code, down.stderr).toBe(0);
    }
    if (ownStateDir) rmSync(ownStateDir, { recursive: true, force: true });
  });

  it('apply installs Xen, reboots both servers into it and resumes; a second apply changes nothing', async () => {
    for (const node of info.nodes) {
      const before = await vmLabSsh(info, node.address, 'cat /proc/xen/capabilities 2>/dev/null || echo bare');
      expect(before.stdout.trim(), 'the server starts on bare Linux').toBe('bare');
    }
    const first = await apply(['--json']);
    const run = events(first.stdout);
    const finished = run.find((event) => event.type === 'run-finished');
    const rebooted = run.filter((event) => event.type === 'step-finished' && event.step === 'hypervisor.xen-reboot');
    console.info(
      `apply: exit ${first.code} in ${(first.elapsedMs / 1000).toFixed(0)} s; ${JSON.stringify(finished)}\n` +
        run
          .filter((event) => event.type === 'step-finished')
          .map((event) => ('step' in event && 'outcome' in event ? `  ${event.step} [${event.target}] ${event.outcome} (${((event.durationMs ?? 0) / 1000).toFixed(1)} s)` : ''))
          .join('\n'),
    );
    expect(first.code, first.stderr + first.stdout.slice(-4000)).toBe(0);
    expect(rebooted.map((event) => 'outcome' in event && event.outcome)).toEqual(['changed', 'changed']);

    for (const node of info.nodes) {
      const dom0 = await vmLabSsh(info, node.address, "cat /proc/xen/capabilities; xl info | grep -E '^(xen_version|xen_caps|total_memory|xen_commandline)'; grep -m1 -o 'dom0_mem=[^ ]*' /boot/grub/grub.cfg; corosync-quorumtool -s | grep -E 'Quorate|Total votes'");
      console.info(`${node.hostname} after apply:\n${dom0.stdout}${dom0.stderr}`);
      expect(dom0.code, dom0.stderr).toBe(0);
      expect(dom0.stdout).toMatch(/^control_d$/m);
      expect(dom0.stdout).toMatch(/^xen_version\s+:\s+4\.\d+/m);
      expect(dom0.stdout).toMatch(/^xen_commandline\s+:.*dom0_mem=\d+M,max:\d+M/m);
      expect(dom0.stdout).toMatch(/Quorate:\s+Yes/);
      expect(dom0.stdout).toMatch(/Total votes:\s+2/);
    }

    const second = await apply(['--json']);
    const again = events(second.stdout).find((event) => event.type === 'run-finished');
    console.info(`second apply (${(second.elapsedMs / 1000).toFixed(0)} s): ${JSON.stringify(again)}`);
    expect(second.code, second.stderr + second.stdout.slice(-4000)).toBe(0);
    expect(again && 'counts' in again && again.counts.changed).toBe(0);
  }, 2_400_000); // on TCG: apply ~8 min (the reboot into Xen ~2 min), the rerun on PV dom0 ~5 min
});

it.skipIf(skipReason === undefined)(`VM lab Xen skipped: ${skipReason ?? ''}`, () => {
  expect(skipReason).toBeDefined();
});
