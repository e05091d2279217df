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

/**
 * Sums, on a server, the CPU ticks (utime, stime and reaped children's) of every process
 * under the sshd sessions of the given client ports, and of every process on the server
 * (`all`: a container sees only its own; reaped processes count in their parent's).
 */
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
print(json.dumps({'ticks': sum(times.get(p, 0) for p in seen), 'all': sum(times.values()), 'hz': os.sysconf('SC_CLK_TCK'), 'processes': len(seen)}))
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

/** CPU seconds so far of the sessions of `ports` on a server, and of the whole server. */
function serverCpu(lab: LabFiles, address: string, ports: readonly string[], who: string): { sessions: number; all: number; at: number } {
  if (ports.length === 0) throw new Error(`no SSH connection of the ${who} to ${address} found (did it exit?)`);
  const report = parseJson<{ ticks: number; all: number; hz: number }>(
    onServer(lab, address, `python3 - ${ports.map(quote).join(' ')}`, CPU_OF_SESSIONS),
  );
  if (!report) throw new Error(`no CPU report from ${address}`);
  return { sessions: report.ticks / report.hz, all: report.all / report.hz, at: performance.now() };
}

/** A running `lockstep status --watch --json`, its events as they come. */
interface Watch {
  readonly child: ChildProcess;
  /** Resolves with the first event (received after `since`) that `match` accepts, or rejects after `timeoutMs`. */
  next(match: (event: WatchEvent) => boolean, timeoutMs: number): Promise<{ event: WatchEvent; at: number }>;
  /** The last `state` event so far (its nodes' pollMs say how long a poll takes). */
  lastState(): WatchEvent | undefined;
  stop(): Promise<void>;
}

interface WatchEvent {
  readonly type: string;
  readonly alert?: { kind: string; node?: string };
  readonly state?: {
    level: string;
    nodes: { key: string; condition: string; corosync: boolean | null; pollMs?: number | null }[];
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
    lastState() {
      for (let index = events.length - 1; index >= 0; index -= 1) {
        const entry = events[index];
        if (entry?.event.type === 'state') return entry.event;
      }
      return undefined;
    },
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
interface PollLoop {
  readonly child: ChildProcess;
  /** Ends the loop on the server too: sshd does not signal a session without a terminal whose client left. */
  stop(): void;
}

function pollLoop(lab: LabFiles, address: string): PollLoop {
  // A subshell each, as Lockstep runs each in its own `sh -c`: several commands end with `exit 0`,
  // which inside `{ …; }` would end the whole loop after its first round. The loop also ends
  // when its sshd session is gone (kill -0 $PPID), so that a bench killed half-way leaves nothing.
  const body = POLL_COMMANDS.map((entry) => `( ${entry.command} ) >/dev/null 2>&1`).join('; ');
  const script = `echo $$; while kill -0 $PPID 2>/dev/null; do ${body}; sleep ${WATCH_INTERVAL_S}; done`;
  const child = spawn('ssh', [...sshArgs(lab), `root@${address}`, script], { stdio: ['ignore', 'pipe', 'ignore'] });
  let remotePid: number | undefined;
  child.stdout?.once('data', (chunk: Buffer) => (remotePid = Number.parseInt(chunk.toString(), 10) || undefined));
  return {
    child,
    stop() {
      child.kill('SIGTERM');
      if (remotePid === undefined) return;
      try {
        onServer(lab, address, `kill ${remotePid} 2>/dev/null || true`);
      } catch {
        // the server is gone, and the loop with it
      }
    },
  };
}

/** Per server, CPU seconds per minute of the watched sessions and of the whole server. */
interface WindowRates {
  readonly sessions: number;
  readonly all: number;
}

/**
 * Four windows of `windowSeconds`, one after the other: nothing running (the servers'
 * own idle: Corosync, Pacemaker…), `lockstep status --watch` alone, the shell loop alone,
 * nothing again.
 * Two rows: the CPU of the sessions themselves, and what the whole server spent more than
 * when idle (which adds the daemons answering the status commands: Corosync, Pacemaker).
 */
export async function watchCpu(context: BenchContext, windowSeconds: number): Promise<FigureResult[]> {
  const base = {
    id: 'watch-cpu',
    title: 'console: server CPU of --watch',
    note:
      `CPU seconds per minute on each server (both servers are samples), ${windowSeconds} s window, interval ${WATCH_INTERVAL_S} s: ` +
      "everything under the sshd sessions of the watch's connections (collectors, event streams, sshd). The peer runs the same " +
      `${POLL_COMMANDS.length} status commands every ${WATCH_INTERVAL_S} s from a shell loop in one session, in its own window ` +
      '(no event streams, no parsing): a floor.',
  };
  const serverBase = {
    id: 'watch-cpu-server',
    title: 'console: whole-server CPU added by --watch',
    note:
      "every process on the server (utime+stime, reaped children included) during the watch's window, minus the mean of an idle " +
      "window before and one after (Corosync, Pacemaker and the rest alone; the detail shows both: their gap is this row's noise). It adds the daemons answering the status commands to the sessions' own CPU. " +
      'Peer: the shell loop in its own window, minus the same idle.',
  };
  const lab = context.lab;
  if (!lab) return [base, serverBase].map((b) => unavailableFigure(b, `the lab is not up (${context.labProblem ?? 'unknown'})`));
  const perMinute = (seconds: number, fromMs: number, toMs: number): number => (seconds / ((toMs - fromMs) / 1000)) * 60;
  /** One window; `pidFor(index)` is the local process whose connections to server `index` are measured. */
  const window = async (who: string, pidFor: (index: number) => number | undefined): Promise<WindowRates[]> => {
    process.stderr.write(`\n▶ ${base.title}: ${windowSeconds} s window, ${who}\n`);
    const ports = (index: number, address: string): string[] => {
      const pid = pidFor(index);
      return pid === undefined ? ['0'] : clientPorts(pid, address);
    };
    const before = lab.addresses.map((address, index) => serverCpu(lab, address, ports(index, address), who));
    await sleep(windowSeconds * 1000);
    return lab.addresses.map((address, index) => {
      const start = before[index];
      if (!start) throw new Error('no start sample');
      const end = serverCpu(lab, address, ports(index, address), who);
      return { sessions: perMinute(end.sessions - start.sessions, start.at, end.at), all: perMinute(end.all - start.all, start.at, end.at) };
    });
  };
  let watch: Watch | undefined;
  let loops: PollLoop[] = [];
  try {
    const idle = await window('idle', () => undefined);
    watch = startWatch(lab);
    const watchPid = watch.child.pid ?? 0;
    await watch.next((event) => event.type === 'state', 60_000);
    await sleep(WATCH_INTERVAL_S * 1000 + 1000); // the event streams are up
    const watched = await window('lockstep status --watch', () => watchPid);
    await watch.stop();
    watch = undefined;
    loops = lab.addresses.map((address) => pollLoop(lab, address));
    await sleep(WATCH_INTERVAL_S * 1000 + 1000);
    const looped = await window('shell loop', (index) => loops[index]?.child.pid ?? 0);
    for (const loop of loops) loop.stop();
    loops = [];
    await sleep(2000);
    // Corosync's own CPU wanders by a few tenths of a CPU s/min: an idle window on each side.
    const idleAfter = await window('idle again', () => undefined);
    const baseline = idle.map((rate, index) => (rate.all + (idleAfter[index]?.all ?? NaN)) / 2);
    const added = (rates: WindowRates[]): number[] => rates.map((rate, index) => rate.all - (baseline[index] ?? NaN));
    const windows = { idle, watch: watched, loop: looped, idleAfter };
    const idleText = `idle ${idle.map((rate) => rate.all.toFixed(2)).join('/')} before, ${idleAfter.map((rate) => rate.all.toFixed(2)).join('/')} after`;
    return [
      {
        ...base,
        lockstep: { label: 'lockstep status --watch', command: 'lockstep --json status --watch --interval 5', measurement: stats(watched.map((rate) => rate.sessions), 'cpu-per-minute') },
        peers: [{ label: 'shell loop, same commands (floor)', command: 'ssh root@server "while …; do <status commands>; sleep 5; done"', measurement: stats(looped.map((rate) => rate.sessions), 'cpu-per-minute') }],
        runs: [windows],
      },
      {
        ...serverBase,
        lockstep: {
          label: 'lockstep status --watch',
          command: 'lockstep --json status --watch --interval 5',
          measurement: stats(added(watched), 'cpu-per-minute'),
          detail: idleText,
        },
        peers: [{ label: 'shell loop, same commands (floor)', command: 'ssh root@server "while …; do <status commands>; sleep 5; done"', measurement: stats(added(looped), 'cpu-per-minute') }],
        runs: [windows],
      },
    ];
  } catch (error) {
    return [base, serverBase].map((b) => unavailableFigure(b, error instanceof Error ? error.message : String(error)));
  } finally {
    for (const loop of loops) loop.stop();
    await watch?.stop();
  }
}

/** Resolves with the time (performance.now) at which node a's Pacemaker sees `node` offline. */
function pacemakerSeesOffline(lab: LabFiles, address: string, node: string): { done: Promise<number>; child: ChildProcess } {
  const script =
    // kill -0 $PPID: the loop ends with its sshd session (a client killed on a timeout leaves nothing behind).
    `while kill -0 $PPID 2>/dev/null && crm_mon -1 --output-as=xml 2>/dev/null | grep -F ${quote(`name="${node}"`)} | grep -q 'online="true"'; ` +
    'do sleep 0.1; done; echo gone';
  const child = spawn('ssh', [...sshArgs(lab), `root@${address}`, script], { stdio: ['ignore', 'pipe', 'ignore'] });
  const done = new Promise<number>((resolve, reject) => {
    child.stdout?.on('data', () => resolve(performance.now()));
    child.on('exit', (code) => reject(new Error(`crm_mon loop exited ${code}`)));
  });
  done.catch(() => undefined);
  return { done, child };
}

/**
 * When node a's Corosync logged the new membership without node b (its journal, on the
 * clock the lab's containers share with this machine), in seconds after `sinceEpochMs`.
 */
function corosyncSawLeave(lab: LabFiles, address: string, sinceEpochMs: number): number | null {
  try {
    const since = (sinceEpochMs / 1000).toFixed(3);
    const out = onServer(lab, address, `journalctl -u corosync.service -o short-unix --no-pager --since @${since} | grep -m1 -E 'Members left|A new membership'`);
    const epoch = Number(out.trim().split(/\s+/)[0]);
    return Number.isFinite(epoch) ? Math.round((epoch * 1000 - sinceEpochMs)) / 1000 : null;
  } catch {
    return null;
  }
}

export async function faultAlert(context: BenchContext, runs: number): Promise<FigureResult> {
  const base = {
    id: 'fault-alert',
    title: 'console: fault → alert',
    note:
      `from \`systemctl stop corosync\` on node b to the watch's node-lost/link-down line (interval ${WATCH_INTERVAL_S} s; ` +
      "the cluster's journal stream wakes the poll early). The peer is Pacemaker itself on node a (crm_mon polled every 0.1 s " +
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
  /** Per run: the three views of the same fault, seconds after the stop (the journal one is independent of both timers). */
  const runsDetail: {
    alertKind: string;
    watchSeconds: number;
    pacemakerSeconds: number;
    corosyncJournalSeconds: number | null;
    /** How long the watch's last poll before the fault took per node (ms): a slow poll delays the alert. */
    pollMsBefore: Record<string, number | null | undefined>;
  }[] = [];
  try {
    await watch.next(healthy, 90_000).catch(() => {
      throw new Error('the pair was not healthy before the fault (both nodes online, links up): run `lockstep apply` on the lab');
    });
    for (let run = 0; run < runs; run += 1) {
      process.stderr.write(`\n▶ ${base.title}: run ${run + 1}/${runs}\n`);
      await sleep(2000);
      const pacemaker = pacemakerSeesOffline(lab, addressA, nodeB);
      await sleep(1500); // the loop is logged in and polling
      const pollMsBefore = Object.fromEntries((watch.lastState()?.state?.nodes ?? []).map((node) => [node.key, node.pollMs]));
      const started = performance.now();
      const startedEpoch = Date.now();
      onServer(lab, addressB, 'systemctl stop corosync');
      try {
        const alert = await watch.next(
          (event) => event.type === 'alert' && (event.alert?.kind === 'node-lost' || event.alert?.kind === 'link-down'),
          60_000,
        );
        mine.push((alert.at - started) / 1000);
        peer.push(((await Promise.race([pacemaker.done, sleep(60_000).then(() => NaN)])) - started) / 1000);
        runsDetail.push({
          alertKind: alert.event.alert?.kind ?? '',
          watchSeconds: mine.at(-1) ?? NaN,
          pacemakerSeconds: peer.at(-1) ?? NaN,
          corosyncJournalSeconds: corosyncSawLeave(lab, addressA, startedEpoch),
          pollMsBefore,
        });
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
      runs: runsDetail,
    };
  } catch (error) {
    return unavailableFigure(base, error instanceof Error ? error.message : String(error));
  } finally {
    await watch.stop();
  }
}
