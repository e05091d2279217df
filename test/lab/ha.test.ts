import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApplyEvent } from '../../provisioning/api/apply-events';
import type { Alert, PairState } from '../../provisioning/api/monitor';
import type { VmLabInfo } from '../../provisioning/lab/vm/types';
import { parseProcDrbd } from '../../provisioning/recipes/parse/drbd';
import { consoleLogPath } from '../../provisioning/recipes/vm/domain-xml';
import { REPO_ROOT, runLockstep, runProcess } from '../helpers/lab';
import { BOOT_LINE, TICK_LINE, buildTinyGuest, lastMatch } from './tiny-guest/build';
import { vmLabSkipReason, vmLabSsh, vmLabStateDir } from './vm-lab-support';

/**
 * The pair on real kernels (the VM lab): `lockstep apply` installs everything for real
 * (LVM VG on the pool disk, DRBD configuration, a quorate two-member cluster), a second
 * apply changes nothing. Then `lockstep vm create` makes a protected VM at level ha: a
 * tiny guest (a boot sector that stores a tick on its disk every second and prints it
 * once the write returned, test/lab/tiny-guest) on an LV + DRBD resource (protocol C
 * over the private link) that Pacemaker promotes and runs. The test kills the QEMU of
 * the server running it (no clean shutdown) and measures how long until the VM runs on
 * the survivor, checks that the guest resumes at a tick at least as high as the last one
 * it printed and that 16 MiB the test wrote before the kill read back intact, watches
 * the console (`lockstep status --watch --json`) raise node-lost and failover and show the
 * disk's states as they change, then brings the server back, waits for the resync and
 * Protected, and moves the VM back with `lockstep vm migrate`. DRBD states come from
 * the servers' own `/proc/drbd`.
 *
 * The lab's VMs run under TCG: the private link's round trip (~6 ms) fails
 * `net.latency-high` (5 ms). That is the emulator, not the cabling, so the apply passes
 * `--allow-checks net.latency-high` and nothing else: memory and the pool disk pass.
 *
 * Uses `LOCKSTEP_STATE_DIR` when set (a lab already up there is reused and left up),
 * else a temporary state dir whose lab it brings up and takes down.
 */

const skipReason = vmLabSkipReason();
const { own: ownStateDir, env } = vmLabStateDir('lockstep-ha-');
/** Only the emulator's latency is accepted (see above). */
const ALLOW = ['net.latency-high'];
/** The protected test VM (its disk has the same name). */
const VM = 'guest1';
const workDir = mkdtempSync(join(tmpdir(), 'lockstep-ha-guest-'));
let minor = 0;
/** The console (`lockstep status --watch --json`), watching from before the VM exists to the end. */
let watcher: ReturnType<typeof watchStatus> | undefined;

let info: VmLabInfo;
let startedHere = false;

function ssh(address: string, command: string, timeoutMs = 120_000, stdin?: string) {
  return vmLabSsh(info, address, command, { timeoutMs, ...(stdin !== undefined && { stdin }) });
}

function apply(allow: readonly string[], extra: readonly string[] = []) {
  return runProcess(process.execPath, [join(REPO_ROOT, 'bin/lockstep.mjs'), 'apply', '-c', info.siteFile, '--yes', '--allow-checks', allow.join(','), ...extra], { env, timeoutMs: 1_500_000 });
}

describe.skipIf(skipReason !== undefined)('the pair on the VM lab (real kernels, DRBD 8.4)', () => {
  beforeAll(async () => {
    const up = await runLockstep(['lab', 'up', '--kind', 'vm', '--json'], { env });
    expect(up.code, up.stderr).toBe(0);
    info = JSON.parse(up.stdout) as VmLabInfo;
    startedHere = !/already up/.test(up.stderr) && ownStateDir !== null;
  });

  afterAll(async () => {
    await watcher?.stop();
    if (startedHere) {
      const down = await runLockstep(['lab', 'down', '--kind', 'vm'], { env });
      expect(down.code, down.stderr).toBe(0);
    }
    if (ownStateDir) rmSync(ownStateDir, { recursive: true, force: true });
    rmSync(workDir, { recursive: true, force: true });
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

  it('vm create: a tiny guest on a mirrored disk, started by the cluster; a rerun changes nothing', async () => {
    const image = buildTinyGuest(workDir);
    const watch = watchStatus();
    watcher = watch;
    const created = await createVm(image);
    console.info(`vm create ${VM} (exit ${created.code}, ${(created.elapsedMs / 1000).toFixed(0)} s):\n${created.stdout}${created.stderr}`);
    expect(created.code, created.stderr + created.stdout).toBe(0);
    const host = await runningNode();
    const disk = await drbdStates();
    console.info(`${VM} runs on ${host.hostname}; /dev/drbd${minor} ${JSON.stringify(disk)}`);
    for (const [index, device] of disk.entries()) {
      expect(device).toMatchObject({ cstate: 'Connected', disk: 'UpToDate', peerDisk: 'UpToDate', protocol: 'C' });
      expect(device?.role).toBe(info.nodes[index] === host ? 'Primary' : 'Secondary');
    }
    // The guest really runs: it printed its first boot and ticks it stored on its disk.
    const console1 = await poll(async () => {
      const text = await consoleLog(host);
      return (lastMatch(text, TICK_LINE)?.[0] ?? 0) >= 2 ? text : undefined;
    }, 600_000);
    expect(lastMatch(console1, BOOT_LINE)).toEqual([1, 0]);
    // The console showed the new disk's first sync as it happened, with its progress.
    const sync = watch.storageSince(0);
    console.info(`console: ${VM}'s disk from its creation\n${sync.map((entry) => `  ${new Date(entry.at).toISOString().slice(11, 19)} ${entry.text}`).join('\n')}`);
    expect(sync.some((entry) => /sync \d+(\.\d+)?%/.test(entry.text)), 'the console showed the first sync with its progress').toBe(true);
    const again = await createVm(image, ['--json']);
    expect(again.code, again.stderr).toBe(0);
    const finished = again.stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as ApplyEvent).find((event) => event.type === 'run-finished');
    expect(finished && 'counts' in finished && finished.counts.changed).toBe(0);
  });

  it('failover: SIGKILL the QEMU of the server running the VM; the VM runs on the survivor with every acknowledged write; the server returns and resyncs to Protected', async () => {
    const primary = await runningNode();
    const survivor = info.nodes.find((node) => node !== primary)!;
    const watch = watcher;
    if (!watch) throw new Error('the console watch did not start (vm create failed)');
    try {
      await poll(async () => (watch.states().some((state) => protectedButUnfenced(state)) ? true : undefined), 300_000);
      // 16 MiB from the test onto the VM's disk, beyond the guest's sectors (protocol C: on both disks when dd returns).
      const write = await ssh(primary.address, `head -c 16M /dev/urandom > /root/blob && dd if=/root/blob of=/dev/drbd${minor} bs=1M seek=32 oflag=direct conv=notrunc,fsync status=none && sha256sum < /root/blob`);
      expect(write.code, write.stderr).toBe(0);
      const sum = write.stdout.split(' ')[0];
      // The last tick the guest printed is a write its disk acknowledged.
      const acknowledged = lastMatch(await consoleLog(primary), TICK_LINE)![0]!;
      const pid = (await runProcess('pgrep', ['-f', `guest=${primary.hostname},process=lskv-${primary.name}`])).stdout.trim();
      expect(pid).toMatch(/^\d+$/);
      const killed = Date.now();
      process.kill(Number(pid), 'SIGKILL');
      console.info(`killed ${primary.hostname}'s QEMU (pid ${pid}); the guest had acknowledged tick ${acknowledged}`);

      await poll(async () => ((await ssh(survivor.address, `virsh -c qemu:///system domstate ${VM}`, 20_000)).stdout.trim() === 'running' ? true : undefined), 600_000);
      const runningSeconds = (Date.now() - killed) / 1000;
      const resumed = await poll(async () => lastMatch(await consoleLog(survivor), BOOT_LINE) ?? undefined, 600_000);
      const bootedSeconds = (Date.now() - killed) / 1000;
      const after = await ssh(survivor.address, `cat /proc/drbd; crm_mon -1 -r | sed -n '/Node List/,$p'; tail -n 3 ${consoleLogPath(VM)}`);
      console.info(`failover: ${VM} running on ${survivor.hostname} ${runningSeconds.toFixed(1)} s after the kill; the guest booted there and printed "boot ${resumed[0]} resumed at tick ${resumed[1]}" ${bootedSeconds.toFixed(1)} s after the kill\n${after.stdout}`);
      expect(resumed[0]).toBe(2);
      expect(resumed[1]).toBeGreaterThanOrEqual(acknowledged);
      expect(parseProcDrbd(after.stdout).get(minor)).toMatchObject({ role: 'Primary', disk: 'UpToDate' });
      expect(after.stdout).toMatch(new RegExp(`vm-${VM}\\s.*Started ${survivor.hostname}`));
      expect((await ssh(survivor.address, `dd if=/dev/drbd${minor} bs=1M skip=32 count=16 iflag=direct status=none | sha256sum`)).stdout.split(' ')[0]).toBe(sum);
      console.info(`console alerts after the kill:\n${watch.alertsAfter(killed).map((alert) => `  +${((Date.parse(alert.at) - killed) / 1000).toFixed(1)} s ${alert.kind}: ${alert.message}`).join('\n')}`);
      expect(watch.alertAfter(killed, (alert) => alert.kind === 'node-lost'), 'the console raised node-lost').toBeDefined();
      expect(watch.alertAfter(killed, (alert) => alert.kind === 'failover'), 'the console raised failover').toBeDefined();

      // The killed server comes back on its own disks (`lab up` restarts only the stopped VM).
      const back = await runLockstep(['lab', 'up', '--kind', 'vm'], { env });
      expect(back.code, back.stderr).toBe(0);
      expect(back.stderr).toContain(`Restarting ${primary.hostname}`);
      const returned = Date.now();
      await poll(async () => ((await drbdStates()).every((device) => device?.cstate === 'Connected' && device.disk === 'UpToDate' && device.peerDisk === 'UpToDate') ? true : undefined), 600_000);
      const resyncSeconds = (Date.now() - returned) / 1000;
      const protectedAgain = await poll(async () => watch.states().find((state) => Date.parse(state.at) > returned && protectedButUnfenced(state)), 600_000);
      for (const node of info.nodes) console.info(`${node.hostname} after the return (DRBD in sync ${resyncSeconds.toFixed(1)} s after lab up):\n${(await ssh(node.address, 'cat /proc/drbd')).stdout}`);
      console.info(`console: ${protectedAgain.level} (${protectedAgain.reasons.map((reason) => reason.code).join(', ')}) with ${VM} protected at +${((Date.parse(protectedAgain.at) - returned) / 1000).toFixed(1)} s after lab up; alerts since the return:\n${watch.alertsAfter(returned).map((alert) => `  ${alert.kind}: ${alert.message}`).join('\n')}`);
      expect(watch.alertAfter(returned, (alert) => alert.kind === 'node-back')).toBeDefined();
      // The console showed the disk's states as they changed: replicated, then the survivor alone, then replicated again.
      const storage = watch.storageSince(killed - 60_000);
      console.info(`console: ${VM}'s disk as the console showed it\n${storage.map((entry) => `  +${((entry.at - killed) / 1000).toFixed(1)} s ${entry.text}`).join('\n')}`);
      expect(storage.some((entry) => entry.at < killed && entry.replicated)).toBe(true);
      expect(storage.some((entry) => entry.at > killed && !entry.replicated)).toBe(true);
      expect(storage.at(-1)?.replicated).toBe(true);
      // What the dead primary's disk was sent before the kill is what the survivor serves, and what the returned node now mirrors.
      expect((await ssh(survivor.address, `dd if=/dev/drbd${minor} bs=1M skip=32 count=16 iflag=direct status=none | sha256sum`)).stdout.split(' ')[0]).toBe(sum);

      // The admin moves the VM back to the returned server through the console's action.
      const survivorLog = await consoleLog(survivor);
      const lastTick = lastMatch(survivorLog, TICK_LINE)![0]!;
      // Under TCG the cluster may restart the VM in place (a 10 s monitor that took over its
      // 30 s): boots are counted on the disk, so the move shows as a boot after the survivor's
      // last one, and every boot must resume at the last acknowledged tick or later.
      const lastBoot = lastMatch(survivorLog, TICK_LINE)![1]!;
      const failures = (await ssh(survivor.address, 'crm_mon -1 --output-as=xml')).stdout.match(/<failure\b[^>]*>/g) ?? [];
      console.info(`before the move: ${VM} on ${survivor.hostname} at boot ${lastBoot}, tick ${lastTick}; the cluster's failed operations: ${failures.length === 0 ? 'none' : failures.join(' ')}`);
      const migrated = await runProcess(process.execPath, [join(REPO_ROOT, 'bin/lockstep.mjs'), 'vm', 'migrate', VM, primary.hostname, '-c', info.siteFile, '--known-hosts', info.knownHostsPath, '--yes'], { env, timeoutMs: 900_000 });
      console.info(`vm migrate ${VM} ${primary.hostname} (exit ${migrated.code}, ${(migrated.elapsedMs / 1000).toFixed(0)} s): ${migrated.stdout}${migrated.stderr}`);
      expect(migrated.code, migrated.stderr + migrated.stdout).toBe(0);
      expect((await runningNode()).hostname).toBe(primary.hostname);
      const moved = await poll(async () => {
        const boot = lastMatch(await consoleLog(primary), BOOT_LINE);
        return boot && boot[0]! > lastBoot ? boot : undefined;
      }, 600_000);
      console.info(`after the move: "boot ${moved[0]} resumed at tick ${moved[1]}" on ${primary.hostname}; the survivor's console ends with "${survivorLog.trim().split('\n').at(-1)}" then "${(await consoleLog(survivor)).trim().split('\n').at(-1)}"`);
      expect(moved[1]).toBeGreaterThanOrEqual(lastTick);
      // The stop was the graceful one: the guest saw the power button.
      expect(await consoleLog(survivor)).toContain('lockstep-guest: power button: off');
    } finally {
      await watch.stop();
      watcher = undefined;
    }
  }, 1_800_000); // kill → failover (~90 s), restart and resync (~3 min), migrate with a clean stop (~4 min), on TCG

  it('vm level none lets libvirt alone run the guest, and ha gives it back to the cluster, neither restarting it', async () => {
    const host = await runningNode();
    const bootBefore = lastMatch(await consoleLog(host), BOOT_LINE)![0]!;
    const level = (to: string) =>
      runProcess(process.execPath, [join(REPO_ROOT, 'bin/lockstep.mjs'), 'vm', 'level', VM, to, '-c', info.siteFile, '--known-hosts', info.knownHostsPath, '--yes'], { env, timeoutMs: 600_000 });

    const none = await level('none');
    console.info(`vm level ${VM} none (exit ${none.code}, ${(none.elapsedMs / 1000).toFixed(0)} s): ${none.stdout}${none.stderr}`);
    expect(none.code, none.stderr + none.stdout).toBe(0);
    // The resource stays, unmanaged: Pacemaker only watches the VM.
    expect((await ssh(host.address, 'crm_mon -1 -r')).stdout).toMatch(new RegExp(`vm-${VM}\\s.*Started ${host.hostname} \\(unmanaged\\)`));
    expect((await ssh(host.address, `virsh -c qemu:///system domstate ${VM}`)).stdout.trim()).toBe('running');

    const ha = await level('ha');
    console.info(`vm level ${VM} ha (exit ${ha.code}, ${(ha.elapsedMs / 1000).toFixed(0)} s): ${ha.stdout}${ha.stderr}`);
    expect(ha.code, ha.stderr + ha.stdout).toBe(0);
    expect((await runningNode()).hostname).toBe(host.hostname);
    // Still the same boot, still counting: the guest never noticed.
    const tickNow = lastMatch(await consoleLog(host), TICK_LINE)![0]!;
    const later = await poll(async () => {
      const tick = lastMatch(await consoleLog(host), TICK_LINE);
      return tick && tick[0]! > tickNow ? tick : undefined;
    }, 120_000);
    expect(later[1]).toBe(bootBefore);
  }, 900_000);
});

/**
 * Protected in every respect the lab can reach: the lab has no BMCs, so its site file
 * acknowledges running without fencing, and the console honestly calls such a pair
 * Degraded for that one reason (`fence.none`). Everything else must be healthy and the
 * VM protected (its peer online, its disk in sync).
 */
function protectedButUnfenced(state: PairState): boolean {
  return state.reasons.every((reason) => reason.code === 'fence.none') && state.vms.some((vm) => vm.name === VM && vm.protected);
}

/** `lockstep vm create` of the test VM from the tiny guest's image. */
function createVm(image: string, extra: readonly string[] = []) {
  return runProcess(process.execPath, [join(REPO_ROOT, 'bin/lockstep.mjs'), 'vm', 'create', VM, '-c', info.siteFile, '--known-hosts', info.knownHostsPath, '--image', image, '--disk-size', '64M', '--memory', '32M', '--yes', '--allow-checks', ALLOW.join(','), ...extra], { env, timeoutMs: 1_500_000 });
}

/** The node the cluster runs the VM on (by `crm_mon`); also reads the DRBD minor of its disk. */
async function runningNode(): Promise<VmLabInfo['nodes'][number]> {
  minor = Number(/device\s+\/dev\/drbd(\d+)/.exec((await ssh(info.nodes[0]!.address, `cat /etc/drbd.d/${VM}.res`)).stdout)?.[1]);
  const crm = (await ssh(info.nodes[0]!.address, 'crm_mon -1 -r')).stdout;
  const host = new RegExp(`vm-${VM}\\s.*Started (\\S+)`).exec(crm)?.[1];
  const node = info.nodes.find((entry) => entry.hostname === host);
  if (!node) throw new Error(`vm-${VM} is not started:\n${crm}`);
  return node;
}

async function drbdStates() {
  return Promise.all(info.nodes.map(async (node) => parseProcDrbd((await ssh(node.address, 'cat /proc/drbd', 20_000)).stdout).get(minor)));
}

async function consoleLog(node: VmLabInfo['nodes'][number]): Promise<string> {
  return (await ssh(node.address, `cat ${consoleLogPath(VM)} 2>/dev/null`, 20_000)).stdout;
}

/** `lockstep status --watch --json` in the background: the console's states and alerts as they happen. */
function watchStatus() {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/lockstep.mjs'), '--json', 'status', '--watch', '--interval', '2', '-c', info.siteFile, '--known-hosts', info.knownHostsPath], { env, stdio: ['ignore', 'pipe', 'ignore'] });
  const states: PairState[] = [];
  const alerts: Alert[] = [];
  let buffer = '';
  child.stdout.on('data', (data: Buffer) => {
    buffer += data.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      const event = JSON.parse(line) as { type: string; state?: PairState; alert?: Alert };
      if (event.type === 'state' && event.state) states.push(event.state);
      if (event.type === 'alert' && event.alert) alerts.push(event.alert);
    }
  });
  const alertsAfter = (since: number): Alert[] => alerts.filter((alert) => Date.parse(alert.at) >= since);
  /** The VM disk's row as each state showed it, one entry per change. */
  const storageSince = (since: number) => {
    const rows: { at: number; text: string; replicated: boolean }[] = [];
    for (const state of states) {
      const disk = state.storage.find((entry) => entry.resource === VM);
      if (!disk || Date.parse(state.at) < since) continue;
      const text = `${disk.connection.a ?? '?'}/${disk.connection.b ?? '?'} roles ${disk.role.a ?? '?'}/${disk.role.b ?? '?'} disks ${disk.disk.a ?? '?'}/${disk.disk.b ?? '?'}${disk.syncPercent !== null ? ` sync ${disk.syncPercent}%` : ''}`;
      const replicated = disk.connection.a === 'Connected' && disk.connection.b === 'Connected' && disk.disk.a === 'UpToDate' && disk.disk.b === 'UpToDate';
      if (rows.at(-1)?.text !== text) rows.push({ at: Date.parse(state.at), text, replicated });
    }
    return rows;
  };
  return {
    states: () => states,
    storageSince,
    alertsAfter,
    alertAfter: (since: number, match: (alert: Alert) => boolean) => alertsAfter(since).find(match),
    /** Ctrl-C as a user would; a watch still alive 15 s later is killed (and said so), so that it never outlives the test. */
    stop: async (): Promise<void> => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGINT');
      const timer = setTimeout(() => {
        console.warn('lockstep status --watch did not end within 15 s of SIGINT: killed');
        child.kill('SIGKILL');
      }, 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

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
