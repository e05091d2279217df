import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { LockstepError } from '../api/errors';
import type { LabMachineSpec } from './constants';
import { run } from './run';

/** The exact systemd-nspawn command line of a lab server (ENVIRONMENT.md: measured to boot in ~2 s). */
export function nspawnArgs(node: LabMachineSpec, root: string): string[] {
  return [
    '-D',
    root,
    '--boot',
    '--register=no',
    '--keep-unit',
    '-M',
    node.hostname,
    `--network-namespace-path=/run/netns/${node.netns}`,
    // A server configures its own links, addresses and bridges (the namespace is the
    // lab's own, so this reaches nothing of the host), and corosync locks its memory.
    '--capability=CAP_NET_ADMIN,CAP_IPC_LOCK',
    '--console=read-only',
  ];
}

/**
 * Boots a server: systemd-nspawn in its own session (so it outlives the CLI), its console
 * to a log file in the lab dir (one boot per file). Returns the nspawn pid.
 *
 * nspawn is exec'd from inside the server's network namespace (`nsenter --net`): the
 * container's sysfs is mounted by nspawn itself, and a sysfs shows the network devices
 * of the namespace it was mounted from. Started from the host namespace, the server's
 * /sys/class/net would list the host's devices (eth0, lsk-mgmt…) instead of its own.
 */
export function startContainer(node: LabMachineSpec, root: string, logFile: string): number {
  const log = openSync(logFile, 'w', 0o600);
  try {
    const child = spawn(
      'nsenter',
      [`--net=/run/netns/${node.netns}`, '--', 'systemd-nspawn', ...nspawnArgs(node, root)],
      {
        detached: true,
        stdio: ['ignore', log, log],
        env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' },
      },
    );
    child.unref();
    if (child.pid === undefined) throw new Error('systemd-nspawn did not start');
    return child.pid;
  } finally {
    closeSync(log);
  }
}

/** Whether a process exists (and is not a zombie). */
export function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX] /s.test(stat);
  } catch {
    return false;
  }
}

function cmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

function allPids(): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number);
}

/** Whether `pid` is the systemd-nspawn of this lab server (checked by its exact netns argument). */
export function isLabNspawn(pid: number, node: LabMachineSpec): boolean {
  const words = cmdline(pid);
  return (
    (words[0] ?? '').endsWith('systemd-nspawn') &&
    words.includes(`--network-namespace-path=/run/netns/${node.netns}`)
  );
}

/** The systemd-nspawn processes running this lab server, whoever started them. */
export function findLabNspawns(node: LabMachineSpec): number[] {
  return allPids().filter((pid) => processAlive(pid) && isLabNspawn(pid, node));
}

/** The container's PID 1 (systemd), as the host sees it: the child of nspawn that leads a PID namespace. */
export function containerLeader(nspawnPid: number): number | undefined {
  for (const pid of allPids()) {
    let status: string;
    try {
      status = readFileSync(`/proc/${pid}/status`, 'utf8');
    } catch {
      continue;
    }
    const ppid = /^PPid:\s+(\d+)$/m.exec(status)?.[1];
    const nspid = /^NSpid:\s+(.+)$/m.exec(status)?.[1]?.trim().split(/\s+/);
    if (Number(ppid) === nspawnPid && nspid && nspid.length > 1 && nspid[nspid.length - 1] === '1')
      return pid;
  }
  return undefined;
}

/** Processes inside a lab namespace (anything left there after its container stopped). */
export async function netnsPids(netns: string): Promise<number[]> {
  const result = await run(['ip', 'netns', 'pids', netns], { allowFailure: true });
  if (result.code !== 0) return [];
  return result.stdout.split(/\s+/).filter(Boolean).map(Number);
}

/** Reads the SSH banner at address:port; resolves `undefined` when none arrives within `timeoutMs`. */
export function readSshBanner(address: string, port: number, timeoutMs = 2000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port });
    let data = '';
    const finish = (value: string | undefined): void => {
      socket.destroy();
      resolve(value);
    };
    socket.setTimeout(timeoutMs, () => finish(undefined));
    socket.on('error', () => finish(undefined));
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
      const line = data.split('\n')[0] ?? '';
      if (data.includes('\n')) finish(line.startsWith('SSH-') ? line.trim() : undefined);
    });
    socket.on('end', () => finish(undefined));
  });
}

/** Last lines of a container's log, to explain a failed boot. */
export function logTail(logFile: string, lines = 20): string {
  try {
    return readFileSync(logFile, 'utf8')
      .replaceAll(`${String.fromCharCode(27)}[`, '[')
      .replace(/\[[0-9;]*m/g, '')
      .split('\n')
      .slice(-lines)
      .join('\n');
  } catch {
    return '';
  }
}

/** Waits until a server's sshd greets us; fails early when its container (or VM) has exited. */
export async function waitForSsh(
  node: Pick<LabMachineSpec, 'address' | 'hostname'>,
  port: number,
  nspawnPid: number,
  logFile: string,
  timeoutMs = 90_000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const banner = await readSshBanner(node.address, port, 1500);
    if (banner) return banner;
    if (!processAlive(nspawnPid)) {
      throw new LockstepError({
        code: 'lab.failed',
        message: `Server ${node.hostname} stopped while booting. Its console said:\n${logTail(logFile)}`,
        remedy: `Read ${logFile}; run \`lockstep lab down\` and retry \`lockstep lab up\`.`,
        host: node.address,
      });
    }
    if (Date.now() > deadline) {
      throw new LockstepError({
        code: 'lab.failed',
        message: `Server ${node.hostname} did not answer SSH on ${node.address}:${port} within ${Math.round(timeoutMs / 1000)} s. Its console said:\n${logTail(logFile)}`,
        remedy: `Read ${logFile}; run \`lockstep lab down\` and retry \`lockstep lab up\`.`,
        host: node.address,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Stops processes: SIGTERM (systemd-nspawn then shuts its container down cleanly),
 * SIGKILL whatever is still there after `graceMs`. Resolves when all are gone.
 */
export async function stopProcesses(pids: readonly number[], graceMs = 20_000): Promise<void> {
  const signal = (pid: number, name: NodeJS.Signals): void => {
    try {
      process.kill(pid, name);
    } catch {
      // already gone
    }
  };
  const waitGone = async (timeoutMs: number): Promise<boolean> => {
    const deadline = Date.now() + timeoutMs;
    while (pids.some(processAlive)) {
      if (Date.now() > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return true;
  };
  for (const pid of pids) signal(pid, 'SIGTERM');
  if (await waitGone(graceMs)) return;
  for (const pid of pids.filter(processAlive)) signal(pid, 'SIGKILL');
  await waitGone(5_000);
}
