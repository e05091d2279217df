import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApplyEvent } from '../../provisioning/api/apply-events';
import { applySteps } from '../../provisioning/engine/apply';
import { openSession } from '../../provisioning/engine/open-session';
import type { VmLabInfo } from '../../provisioning/lab/vm/types';
import { parseProcDrbd } from '../../provisioning/recipes/parse/drbd';
import { vmDiskSteps, type VmDiskSpec } from '../../provisioning/recipes/vm-disk';
import { loadSiteFile } from '../../provisioning/site/load';
import { REPO_ROOT, labUnsupportedReason, runLockstep, runProcess } from '../helpers/lab';

/**
 * The pair on real kernels (the VM lab): `lockstep apply` installs everything for real
 * (LVM VG on the pool disk, DRBD configuration, a quorate two-member cluster), a second
 * apply changes nothing, and a protected VM disk (LV + DRBD resource, protocol C over the
 * private link) is created through the engine's vm-disk steps and syncs to
 * Connected, UpToDate/UpToDate — read from the servers' own `/proc/drbd`.
 *
 * The lab's VMs run under TCG: the private link's round trip (~6 ms) fails
 * `net.latency-high` (5 ms). That is the emulator, not the cabling, so the apply passes
 * `--allow-checks net.latency-high` and nothing else: memory and the pool disk pass.
 *
 * Uses `LOCKSTEP_STATE_DIR` when set (a lab already up there is reused and left up),
 * else a temporary state dir whose lab it brings up and takes down.
 */

const skipReason =
  labUnsupportedReason() ??
  (existsSync('/usr/bin/qemu-system-x86_64') ? undefined : 'qemu-system-x86 is not installed');

const ownStateDir = process.env.LOCKSTEP_STATE_DIR ? null : mkdtempSync(join(tmpdir(), 'lockstep-ha-'));
const env = { ...process.env, LOCKSTEP_STATE_DIR: process.env.LOCKSTEP_STATE_DIR ?? ownStateDir ?? '' };
/** Only the emulator's latency is accepted (see above). */
const ALLOW = ['net.latency-high'];
const DISK: VmDiskSpec = { name: 'vm-ha-test', sizeMiB: 256, minor: 1 };

let info: VmLabInfo;
let startedHere = false;

function ssh(address: string, command: string, timeoutMs = 120_000, stdin?: string) {
  return runProcess(
    'ssh',
    ['-F', '/dev/null', '-o', `UserKnownHostsFile=${info.knownHostsPath}`, '-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-o', 'ConnectTimeout=60', '-o', 'LogLevel=ERROR', '-i', info.identityFile, `root@${address}`, command],
    { timeoutMs, ...(stdin !== undefined && { stdin }) },
  );
}

function apply(allow: readonly string[], extra: readonly string[] = []) {
  return runProcess(process.execPath, [join(REPO_ROOT, 'bin/lockstep.mjs'), 'apply', '-c', info.siteFile, '--yes', '--allow-checks', allow.join(','), ...extra], { env, timeoutMs: 1_500_000 });
}

/** Runs the vm-disk steps through the engine, as the console's "create VM with level ha" will. */
async function applyVmDisk(spec: VmDiskSpec) {
  const controller = new AbortController();
  const opened = await openSession(loadSiteFile(info.siteFile).site, { knownHostsPath: info.knownHostsPath, signal: controller.signal, allowChecks: ALLOW });
  const events: ApplyEvent[] = [];
  try {
    const started = Date.now();
    const result = await applySteps({ steps: vmDiskSteps(spec), session: opened.session, signal: controller.signal, runsDir: join(env.LOCKSTEP_STATE_DIR, 'runs', 'vm-disk'), onEvent: (event) => events.push(event) });
    return { result, events, seconds: (Date.now() - started) / 1000 };
  } finally {
    await opened.close();
  }
}

describe.skipIf(skipReason !== undefined)('the pair on the VM lab (real kernels, DRBD 8.4)', () => {
  beforeAll(async () => {
    const up = await runLockstep(['lab', 'up', '--kind', 'vm', '--json'], { env });
    expect(up.code, up.stderr).toBe(0);
    info = JSON.parse(up.stdout) as VmLabInfo;
    startedHere = !/already up/.test(up.stderr) && ownStateDir !== null;
  });

  afterAll(async () => {
    if (startedHere) {
      const down = await runLockstep(['lab', 'down', '--kind', 'vm'], { env });
      expect(down.code, down.stderr).toBe(0);
    }
    if (ownStateDir) rmSync(ownStateDir, { recursive: true, force: true });
  });

  it('apply installs storage and the cluster for real; a second apply changes nothing', async () => {
    const first = await apply(ALLOW);
    console.info(`apply: exit ${first.code} in ${(first.elapsedMs / 1000).toFixed(0)} s\n${first.stdout.split('\n').filter((line) => /^(✓|✗|Applying|Done|nothing)/.test(line) || /steps/.test(line)).join('\n')}`);
    expect(first.code, first.stderr + first.stdout).toBe(0);
    for (const node of info.nodes) {
      const vg = await ssh(node.address, 'vgs --noheadings -o vg_name,pv_count,vg_size lockstep; pvs --noheadings -o pv_name,vg_name');
      expect(vg.code, vg.stderr).toBe(0);
      expect(vg.stdout).toMatch(/lockstep\s+1\s+<?12\.00g/);
      expect(vg.stdout).toMatch(/\/dev\/vdb\s+lockstep/);
      const drbd = await ssh(node.address, 'drbdadm dump all >/dev/null && grep -c "protocol C" /etc/drbd.d/global_common.conf && head -n1 /proc/drbd');
      expect(drbd.code, drbd.stderr).toBe(0);
      expect(drbd.stdout).toMatch(/^version: 8\.4\./m);
      const quorum = await ssh(node.address, 'corosync-quorumtool -s');
      console.info(`${node.hostname}: corosync-quorumtool -s\n${quorum.stdout}`);
      expect(quorum.stdout).toMatch(/Quorate:\s+Yes/);
      expect(quorum.stdout).toMatch(/Total votes:\s+2/);
    }
    const second = await apply(ALLOW, ['--json']);
    expect(second.code, second.stderr).toBe(0);
    const finished = second.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as ApplyEvent)
      .find((event) => event.type === 'run-finished');
    console.info(`second apply (${(second.elapsedMs / 1000).toFixed(0)} s): ${JSON.stringify(finished)}`);
    expect(finished && 'counts' in finished && finished.counts.changed).toBe(0);
  });

  it('a protected VM disk: LV + DRBD resource (protocol C, private link) syncs to Connected UpToDate/UpToDate', async () => {
    const { result, seconds, events } = await applyVmDisk(DISK);
    const logs = events.flatMap((event) => (event.type === 'step-log' ? [`[${event.target}] ${event.line}`] : []));
    console.info(`vm-disk steps (${DISK.sizeMiB} MiB) took ${seconds.toFixed(1)} s, outcome ${result.outcome}\n${logs.join('\n')}`);
    expect(result.outcome, JSON.stringify(result.failure)).toBe('ok');
    expect(result.counts.changed).toBe(3);
    for (const node of info.nodes) {
      const proc = await ssh(node.address, 'cat /proc/drbd; cat /etc/drbd.d/vm-ha-test.res');
      console.info(`${node.hostname}: /proc/drbd and the resource file\n${proc.stdout}`);
      const device = parseProcDrbd(proc.stdout).get(DISK.minor);
      expect(device).toMatchObject({ cstate: 'Connected', disk: 'UpToDate', peerDisk: 'UpToDate', protocol: 'C', role: 'Secondary', peerRole: 'Secondary', outOfSyncKiB: 0 });
      // Replicated over the private link, not the management network.
      expect(proc.stdout).not.toContain('10.212.0.1');
    }
    // The same request again finds everything done: what the console needs for a retry.
    const again = await applyVmDisk(DISK);
    expect(again.result.outcome).toBe('ok');
    expect(again.result.counts.changed).toBe(0);
  });

  it('failover: SIGKILL the primary\'s QEMU; the survivor is promoted with the data intact; the node comes back and resyncs', async () => {
    // Pacemaker runs the resource as a promotable ocf:linbit:drbd clone (the lab has no
    // fencing: stonith is off and acknowledged in the site file).
    const cib = await ssh(info.nodes[0]!.address, 'cibadmin -C -o resources --xml-pipe', 60_000, CLONE_XML);
    expect(cib.code, cib.stderr).toBe(0);
    const primaryOf = async (): Promise<number | undefined> => {
      for (const [index, node] of info.nodes.entries()) {
        const device = parseProcDrbd((await ssh(node.address, 'cat /proc/drbd')).stdout).get(DISK.minor);
        if (device?.role === 'Primary' && device.cstate === 'Connected' && device.peerDisk === 'UpToDate') return index;
      }
      return undefined;
    };
    const promoted = await poll(primaryOf, 300_000);
    const primary = info.nodes[promoted]!;
    const survivor = info.nodes[1 - promoted]!;
    // 16 MiB of random data straight onto the replicated device (protocol C: on both disks when dd returns).
    const write = await ssh(primary.address, `head -c 16M /dev/urandom > /root/blob && dd if=/root/blob of=/dev/drbd${DISK.minor} bs=1M oflag=direct conv=fsync status=none && sha256sum < /root/blob`);
    expect(write.code, write.stderr).toBe(0);
    const sum = write.stdout.split(' ')[0];
    const pid = (await runProcess('pgrep', ['-f', `guest=${primary.hostname},process=lskv-${primary.name}`])).stdout.trim();
    expect(pid).toMatch(/^\d+$/);
    const killed = Date.now();
    process.kill(Number(pid), 'SIGKILL');
    const read = `dd if=/dev/drbd${DISK.minor} bs=1M count=16 iflag=direct status=none | sha256sum`;
    await poll(async () => {
      const device = parseProcDrbd((await ssh(survivor.address, 'cat /proc/drbd', 20_000)).stdout).get(DISK.minor);
      if (device?.role !== 'Primary') return undefined;
      return (await ssh(survivor.address, read, 30_000)).stdout.split(' ')[0] === sum ? true : undefined;
    }, 300_000);
    const failoverSeconds = (Date.now() - killed) / 1000;
    const after = await ssh(survivor.address, 'cat /proc/drbd; crm_mon -1 -r | sed -n "/Node List/,$p"');
    console.info(`failover: ${survivor.hostname} is Primary with the data intact ${failoverSeconds.toFixed(1)} s after SIGKILL of ${primary.hostname}'s QEMU\n${after.stdout}`);
    expect(parseProcDrbd(after.stdout).get(DISK.minor)).toMatchObject({ role: 'Primary', disk: 'UpToDate' });

    // The killed server comes back on its own disks (`lab up` restarts only the stopped VM).
    const back = await runLockstep(['lab', 'up', '--kind', 'vm'], { env });
    expect(back.code, back.stderr).toBe(0);
    // Progress notes go to stderr: only the stopped VM is restarted, the survivor keeps running.
    expect(back.stderr).toContain(`Restarting ${primary.hostname}`);
    const returned = Date.now();
    await poll(async () => {
      const states = await Promise.all(info.nodes.map(async (node) => parseProcDrbd((await ssh(node.address, 'cat /proc/drbd', 20_000)).stdout).get(DISK.minor)));
      return states.every((device) => device?.cstate === 'Connected' && device.disk === 'UpToDate' && device.peerDisk === 'UpToDate') ? true : undefined;
    }, 600_000);
    const resyncSeconds = (Date.now() - returned) / 1000;
    for (const node of info.nodes) {
      const proc = await ssh(node.address, 'cat /proc/drbd');
      console.info(`${node.hostname} after the return (${resyncSeconds.toFixed(1)} s after SSH answered; lab up took ${(back.elapsedMs / 1000).toFixed(0)} s):\n${proc.stdout}`);
      expect(parseProcDrbd(proc.stdout).get(DISK.minor)).toMatchObject({ cstate: 'Connected', disk: 'UpToDate', peerDisk: 'UpToDate' });
    }
    // The data the dead primary wrote is what the survivor serves, and what the returned node now mirrors.
    expect((await ssh(survivor.address, read)).stdout.split(' ')[0]).toBe(sum);
  });
});

/** The promotable DRBD clone of the test disk (Pacemaker 2.1 role names). */
const CLONE_XML = `<clone id="ms-${DISK.name}">
  <meta_attributes id="ms-${DISK.name}-meta">
    <nvpair id="ms-${DISK.name}-promotable" name="promotable" value="true"/>
    <nvpair id="ms-${DISK.name}-promoted-max" name="promoted-max" value="1"/>
    <nvpair id="ms-${DISK.name}-clone-max" name="clone-max" value="2"/>
    <nvpair id="ms-${DISK.name}-notify" name="notify" value="true"/>
  </meta_attributes>
  <primitive id="drbd-${DISK.name}" class="ocf" provider="linbit" type="drbd">
    <instance_attributes id="drbd-${DISK.name}-ia"><nvpair id="drbd-${DISK.name}-res" name="drbd_resource" value="${DISK.name}"/></instance_attributes>
    <operations>
      <op id="drbd-${DISK.name}-mon-p" name="monitor" interval="10s" role="Promoted" timeout="60s"/>
      <op id="drbd-${DISK.name}-mon-u" name="monitor" interval="20s" role="Unpromoted" timeout="60s"/>
      <op id="drbd-${DISK.name}-start" name="start" interval="0s" timeout="240s"/>
      <op id="drbd-${DISK.name}-promote" name="promote" interval="0s" timeout="120s"/>
    </operations>
  </primitive>
</clone>`;

/** Polls until `probe` returns a value (not undefined), or fails after `timeoutMs`. */
async function poll<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up after ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

it.skipIf(skipReason === undefined)(`VM lab HA skipped: ${skipReason ?? ''}`, () => {
  expect(skipReason).toBeDefined();
});
