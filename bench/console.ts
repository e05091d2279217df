/**
 * The console's two costs, measured on the lab while `lockstep status --watch --json` runs:
 *
 * - `watch-cpu`: CPU seconds the watch costs a server per minute: the CPU time of the
 *   processes under the sshd sessions of Lockstep's own connections (the collectors and
 *   the event streams, and sshd's own work), read from /proc on the server before and
 *   after a window. The peer is a shell loop running the same status commands every 5 s
 *   in one SSH session, measured the same way at the same time.
 * - `fault-alert`: from `systemctl stop corosync` on node b to the watch's `node-lost` or
 *   `link-down` alert line; the peer is Pacemaker's own view from node a (`crm_mon` polled
 *   every 0.1 s on the server itself), started at the same instant. Corosync is started
 *   again and the bench waits for the watch's `node-back` before the next run.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { POLL_COMMANDS } from '../provisioning/monitor/collect';
import { quote } from '../provisioning/util/shell';
import { waitForQuietLab } from './lab-quiet';
import {
  LOCKSTEP_ARGS,
  onServer,
  parseJson,
  sleep,
  sshArgs,
  stats,
  unavailableFigure,
  type BenchContext,
  type FigureResult,
  type LabFiles,
} from './types';

const WATCH_INTERVAL_S = 5;

/** Sums, on a server, the CPU ticks of every process under the sshd sessions of the given client ports. */
const CPU_OF_SESSIONS = String.raw`
import os, re, subprocess, sys, json
ports = set(sys.argv[1:])
out = subprocess.run(['ss', '-tnpH', 'state', 'established', '( sport = :22 )'], capture_output=True, text=True).stdout
roots = set()
for line in out.splitlines():
    cols = line.split()
    if len(cols) >= 4 and cols[3].rsplit(':', 1)[-1] in ports:
        roots.update(int(p) for p in re.findall(r'pid=(\d+)', line))
children, times = {}, {}
for entry in os.listdir('/proc'):
    if not entry.isdigit():
        continue
    try:
        with open('/proc/%s/stat' % entry) as f:
            fields = f.read().rsplit(')', 1)[1].split()
    except OSError:
        continue
    pid = int(entry)
    children.setdefault(int(fields[1]), []).append(pid)
    times[pid] = sum(int(x) for x in fields[11:15])
seen, todo = set(), list(roots)
while todo:
    pid = todo.pop()
    if pid in seen:
        continue
    seen.add(pid)
    todo.extend(children.get(pid, []))
print(json.dumps({'ticks': sum(times.get(p, 0) for p in seen), 'hz': os.sysconf('SC_CLK_TCK'), 'processes': len(seen)}))
`;

/** The local ports of `pid`'s established SSH connections to `address`. */
function clientPorts(pid: number, address: string): string[] {
  const run = spawnSync('ss', ['-tnpH', 'state', 'established', 'dst', `${address}:22`], { encoding: 'utf8' });
  return (run.stdout ?? '')
    .split('\n')
    .filter((line) => line.includes(`pid=${pid},`))
    .map((line) => line.split(/\s+/)[2]?.split(':').pop() ?? '')
    .filter(Boolean);
}

function sessionCpuSeconds(lab: LabFiles, address: string, ports: readonly string[]): number {
  if (ports.length === 0) throw new Error(`no SSH connection to ${address} found`);
  const report = parseJson<{ ticks: number; hz: number }>(
    onServer(lab, address, `python3 - ${ports.map(quote).join(' ')}`, CPU_OF_SESSIONS),
  );
  if (!report) throw new Error(`no CPU report from ${address}`);
  return report.ticks / report.hz;
}

/** A running `lockstep status --watch --json`, its events as they come. */
interface Watch {
  readonly child: ChildProcess;
  /** Resolves with the first event (received after `since`) that `match` accepts, or rejects after `timeoutMs`. */
  next(match: (event: WatchEvent) => boolean, timeoutMs: number): Promise<{ event: WatchEvent; at: number }>;
  stop(): Promise<void>;
}

interface WatchEvent {
  readonly type: string;
  readonly alert?: { kind: string; node?: string };
  readonly state?: {
    level: string;
    nodes: { key: string; condition: string; corosync: boolean | null }[];
    links: { up: boolean }[];
  };
}

function startWatch(lab: LabFiles): Watch {
  const child = spawn(
    process.execPath,
    [...LOCKSTEP_ARGS, '--json', '-c', lab.siteFile, '--known-hosts', lab.knownHostsPath, 'status', '--watch', '--interval', String(WATCH_INTERVAL_S)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const events: { event: WatchEvent; at: number }[] = [];
  const waiters = new Set<() => void>();
  let buffer = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  child.stdout?.on('data', (chunk: Buffer) => {
    const at = performance.now();
    buffer += chunk.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) {
      const event = parseJson<WatchEvent>(line);
      if (event) events.push({ event, at });
    }
    for (const wake of waiters) wake();
  });
  let cursor = 0;
  return {
    child,
    next(match, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          while (cursor < events.length) {
            const entry = events[cursor++];
            if (entry && match(entry.event)) {
              waiters.delete(onData);
              clearTimeout(timer);
              resolve(entry);
              return true;
            }
          }
          return false;
        };
        const onData = (): void => void check();
        const timer = setTimeout(() => {
          waiters.delete(onData);
          reject(new Error(`no matching watch event within ${timeoutMs / 1000} s${child.exitCode !== null ? ` (watch exited ${child.exitCode}: ${stderr.trim().split('\n').pop()})` : ''}`));
        }, timeoutMs);
        if (!check()) waiters.add(onData);
      });
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The pair is whole: both nodes online in the cluster, every Corosync link up. */
function healthy(event: WatchEvent): boolean {
  const state = event.state;
  return (
    event.type === 'state' &&
    !!state &&
    state.nodes.length === 2 &&
    state.nodes.every((node) => node.condition === 'online' && node.corosync === true) &&
    state.links.length > 0 &&
    state.links.every((link) => link.up)
  );
}

/** The peer of `watch-cpu`: the same status commands every 5 s, in one SSH session. */
function pollLoop(lab: LabFiles, address: string): ChildProcess {
  const body = POLL_COMMANDS.map((entry) => `{ ${entry.command}; } >/dev/null 2>&1`).join('; ');
  const script = `while :; do ${body}; sleep ${WATCH_INTERVAL_S}; done`;
  return spawn('ssh', [...sshArgs(lab), `root@${address}`, script], { stdio: 'ignore' });
}

export async function watchCpu(context: BenchContext, windowSeconds: number): Promise<FigureResult> {
  const base = {
    id: 'watch-cpu',
    title: 'console: server CPU of --watch',
    note:
      `CPU seconds per minute on each server (both servers are samples), ${windowSeconds} s window, interval ${WATCH_INTERVAL_S} s: ` +
      'everything under the sshd sessions of the connections (collectors, event streams, sshd). The peer runs the same ' +
      `${POLL_COMMANDS.length} status commands every ${WATCH_INTERVAL_S} s from a shell loop (no event streams, no parsing): a floor.`,
  };
  const lab = context.lab;
  if (!lab) return unavailableFigure(base, `the lab is not up (${context.labProblem ?? 'unknown'})`);
  const watch = startWatch(lab);
  const loops = lab.addresses.map((address) => pollLoop(lab, address));
  try {
    await watch.next((event) => event.type === 'state', 60_000);
    await sleep(WATCH_INTERVAL_S * 1000 + 1000);
    const sample = (pid: number, address: string): number => sessionCpuSeconds(lab, address, clientPorts(pid, address));
    const watchPid = watch.child.pid ?? 0;
    const before = lab.addresses.map((address, index) => ({
      mine: sample(watchPid, address),
      peer: sample(loops[index]?.pid ?? 0, address),
      at: performance.now(),
    }));
    process.stderr.write(`\n▶ ${base.title}: ${windowSeconds} s window\n`);
    await sleep(windowSeconds * 1000);
    const perMinute = (which: 'mine' | 'peer'): number[] =>
      lab.addresses.map((address, index) => {
        const start = before[index];
        if (!start) throw new Error('no start sample');
        const pid = which === 'mine' ? watchPid : (loops[index]?.pid ?? 0);
        const used = sample(pid, address) - start[which];
        return (used / ((performance.now() - start.at) / 1000)) * 60;
      });
    const mine = perMinute('mine');
    const peer = perMinute('peer');
    return {
      ...base,
      lockstep: { label: 'lockstep status --watch', command: 'lockstep --json status --watch', measurement: stats(mine, 'cpu-per-minute') },
      peers: [{ label: 'shell loop, same commands (floor)', command: 'ssh root@server "while :; do <status commands>; sleep 5; done"', measurement: stats(peer, 'cpu-per-minute') }],
    };
  } catch (error) {
    return unavailableFigure(base, error instanceof Error ? error.message : String(error));
  } finally {
    for (const loop of loops) loop.kill('SIGTERM');
    await watch.stop();
  }
}

/** Resolves with the time (performance.now) at which node a's Pacemaker sees `node` offline. */
function pacemakerSeesOffline(lab: LabFiles, address: string, node: string): { done: Promise<number>; child: ChildProcess } {
  const script =
    `while crm_mon -1 --output-as=xml 2>/dev/null | grep -F ${quote(`name="${node}"`)} | grep -q 'online="true"'; ` +
    'do sleep 0.1; done; echo gone';
  const child = spawn('ssh', [...sshArgs(lab), `root@${address}`, script], { stdio: ['ignore', 'pipe', 'ignore'] });
  const done = new Promise<number>((resolve, reject) => {
    child.stdout?.on('data', () => resolve(performance.now()));
    child.on('exit', (code) => reject(new Error(`crm_mon loop exited ${code}`)));
  });
  done.catch(() => undefined);
  return { done, child };
}

export async function faultAlert(context: BenchContext, runs: number): Promise<FigureResult> {
  const base = {
    id: 'fault-alert',
    title: 'console: fault → alert',
    note:
      `from \`systemctl stop corosync\` on node b to the watch's node-lost/link-down line (interval ${WATCH_INTERVAL_S} s; ` +
      'the Corosync event stream wakes the poll early). The peer is Pacemaker itself on node a (crm_mon polled every 0.1 s ' +
      'on the server, no SSH round trip per poll): when the cluster knows, the floor for any monitor. Runs only while no ' +
      'test run holds a lab lease.',
  };
  const lab = context.lab;
  if (!lab) return unavailableFigure(base, `the lab is not up (${context.labProblem ?? 'unknown'})`);
  const [addressA = '', addressB = ''] = lab.addresses;
  const busy = await waitForQuietLab(lab.labDir, 240_000, base.title);
  if (busy.length > 0)
    return unavailableFigure(base, `the lab is in use by pid ${busy.join(', ')} (a test run); stopping Corosync would break it`);
  const nodeB = onServer(lab, addressB, 'uname -n').trim();
  const watch = startWatch(lab);
  const mine: number[] = [];
  const peer: number[] = [];
  try {
    await watch.next(healthy, 90_000).catch(() => {
      throw new Error('the pair was not healthy before the fault (both nodes online, links up): run `lockstep apply` on the lab');
    });
    for (let run = 0; run < runs; run += 1) {
      process.stderr.write(`\n▶ ${base.title}: run ${run + 1}/${runs}\n`);
      await sleep(2000);
      const pacemaker = pacemakerSeesOffline(lab, addressA, nodeB);
      await sleep(1500); // the loop is logged in and polling
      const started = performance.now();
      onServer(lab, addressB, 'systemctl stop corosync');
      try {
        const alert = await watch.next(
          (event) => event.type === 'alert' && (event.alert?.kind === 'node-lost' || event.alert?.kind === 'link-down'),
          60_000,
        );
        mine.push((alert.at - started) / 1000);
        peer.push(((await Promise.race([pacemaker.done, sleep(60_000).then(() => NaN)])) - started) / 1000);
      } finally {
        pacemaker.child.kill('SIGTERM');
        onServer(lab, addressB, 'systemctl start corosync pacemaker');
        await watch.next((event) => event.type === 'alert' && event.alert?.kind === 'node-back', 120_000);
        await watch.next(healthy, 120_000).catch(() => undefined);
      }
    }
    if (peer.some(Number.isNaN)) throw new Error('Pacemaker on node a never saw node b leave');
    return {
      ...base,
      lockstep: { label: 'lockstep status --watch', command: 'lockstep --json status --watch', measurement: stats(mine) },
      peers: [{ label: 'Pacemaker on node a (floor)', command: 'crm_mon -1 --output-as=xml every 0.1 s on node a', measurement: stats(peer) }],
    };
  } catch (error) {
    return unavailableFigure(base, error instanceof Error ? error.message : String(error));
  } finally {
    await watch.stop();
  }
}
