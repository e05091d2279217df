import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HOST_ADDRESS } from '../../provisioning/lab/constants';

/**
 * Two simulated BMCs for the practice lab's servers, so that `fence_ipmilan` runs
 * against something that speaks IPMI over LAN for real (RMCP+ sessions, user and
 * password checked by the BMC). Each is OpenIPMI's `ipmi_sim` (Debian `openipmi`),
 * configured in a temporary directory without persistence, with one admin user and a
 * random password. Its chassis is a small script (`chassis_control`): "power on" starts
 * a stand-in server process, "power off" kills it, and the power state is whether that
 * process lives, so a fence shows up as a new process and two lines in a log. The lab's
 * real containers are never touched.
 *
 * ipmi_sim 2.0.33 (bookworm) drops the session-less RMCP+ "Get Channel Cipher Suites"
 * request that ipmitool ≥ 1.8.19 sends before every lanplus session when no `-C` is
 * given (it logs "Invalid authtype: 6"); ipmitool then retries for ~14 s before falling
 * back to suite 3, so every fence_ipmilan call took 14 s here, and a reboot (status,
 * off, status, on, status) would need about 70 s, past Pacemaker's default 60 s
 * pcmk_reboot_timeout. Real BMCs answer it. So each simulator listens behind a small UDP relay on
 * HOST_ADDRESS that answers that one request (suite 3, the one ipmi_sim implements)
 * and relays everything else, session set-up and chassis commands included, to
 * ipmi_sim on loopback.
 */

/** One simulated BMC, as a site file names it (`bmc: {address, port, user, password}`). */
export interface BmcSimulator {
  readonly node: 'a' | 'b';
  readonly address: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** Whether the stand-in server runs (the chassis power as the BMC reports it). */
  power(): 'on' | 'off';
  /** Power changes the chassis was asked for since it started, oldest first (the helper's own first "on" included). */
  powerEvents(): readonly PowerEvent[];
  /** PID of the stand-in server process, or null while the chassis is off. */
  serverPid(): number | null;
}

export interface PowerEvent {
  /** Milliseconds since the epoch. */
  readonly at: number;
  readonly on: boolean;
}

/** The two simulators; `close()` stops both, kills the stand-in servers and removes the directory. */
export interface BmcSimulators {
  readonly a: BmcSimulator;
  readonly b: BmcSimulator;
  readonly dir: string;
  close(): Promise<void>;
}

const IPMI_SIM = '/usr/bin/ipmi_sim';

/** Why the simulators cannot run here, or undefined when they can. */
export function bmcSimulatorUnsupportedReason(): string | undefined {
  if (!existsSync(IPMI_SIM))
    return 'ipmi_sim is missing (Debian package openipmi; scripts/install-system-deps.sh installs it)';
  return undefined;
}

/** The chassis: `… get power` prints `power:1|0`; `… set power "1|0"` starts or kills the stand-in server. */
function chassisScript(dir: string): string {
  return `#!/bin/sh
# ipmi_sim chassis_control program (see lanserv/ipmi_sim_chassiscontrol in OpenIPMI).
dir='${dir}'
alive() { [ -s "$dir/server.pid" ] && kill -0 "$(cat "$dir/server.pid")" 2>/dev/null; }
while [ $# -gt 0 ] && [ "$1" != get ] && [ "$1" != set ]; do shift; done
op=$1; shift
case $op in
  get)
    if alive; then echo power:1; else echo power:0; fi ;;
  set)
    while [ $# -ge 2 ]; do
      if [ "$1" = power ]; then
        echo "$(date +%s%3N) $2" >> "$dir/power.log"
        if [ "$2" = 1 ]; then
          alive || { setsid sleep infinity </dev/null >/dev/null 2>&1 & echo $! > "$dir/server.pid"; }
        else
          alive && kill "$(cat "$dir/server.pid")"
          rm -f "$dir/server.pid"
        fi
      fi
      shift 2
    done ;;
  *) echo "unknown operation: $op"; exit 1 ;;
esac
exit 0
`;
}

/** ipmi_sim's configuration (man 5 ipmi_lan): one LAN channel on loopback, one admin user. */
function lanConf(node: string, dir: string, backendPort: number, user: string, password: string): string {
  return [
    `name "lockstep-bmc-${node}"`,
    'set_working_mc 0x20',
    '  startlan 1',
    `    addr 127.0.0.1 ${backendPort}`,
    '    priv_limit admin',
    '    allowed_auths_callback md5',
    '    allowed_auths_user md5',
    '    allowed_auths_operator md5',
    '    allowed_auths_admin md5',
    `    guid ${randomBytes(16).toString('hex')}`,
    '  endlan',
    `  chassis_control "${join(dir, 'chassis.sh')}"`,
    `  user 2 true "${user}" "${password}" admin 10 md5`,
    '',
  ].join('\n');
}

/** The management controller ipmi_sim emulates (man 5 ipmi_sim_cmd): a BMC with a chassis device. */
const EMULATION = ['mc_setbmc 0x20', 'mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02', 'mc_enable 0x20', ''].join(
  '\n',
);

/** A free UDP port on loopback for ipmi_sim (released just before ipmi_sim binds it). */
async function freeLoopbackPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', resolve);
  });
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(resolve));
  return port;
}

/** Whether something has bound UDP 127.0.0.1:port (ipmi_sim is ready once its LAN socket is). */
function udpBound(port: number): boolean {
  const wanted = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return readFileSync('/proc/net/udp', 'utf8')
    .split('\n')
    .some((line) => line.trim().split(/\s+/)[1] === wanted);
}

/**
 * The answer a BMC gives to a session-less RMCP+ "Get Channel Cipher Suites" (IPMI v2
 * 22.15): cipher suite 3 (RAKP-HMAC-SHA1, HMAC-SHA1-96, AES-CBC-128) on channel 1.
 * Undefined for any other datagram, which the relay passes to ipmi_sim.
 */
function cipherSuitesAnswer(request: Buffer): Buffer | undefined {
  const isRmcpPlusIpmi =
    request.length >= 23 &&
    request[0] === 0x06 &&
    request[3] === 0x07 &&
    request[4] === 0x06 &&
    ((request[5] ?? 0) & 0x3f) === 0x00 &&
    request.readUInt32LE(6) === 0;
  if (!isRmcpPlusIpmi) return undefined;
  const ipmi = request.subarray(16, 16 + request.readUInt16LE(14));
  const netFn = (ipmi[1] ?? 0) >> 2;
  if (netFn !== 0x06 || ipmi[5] !== 0x54 || ipmi.length < 10) return undefined;
  const listIndex = (ipmi[8] ?? 0) & 0x3f;
  const records = listIndex === 0 ? [0xc0, 0x03, 0x01, 0x41, 0x81] : [];
  const checksum = (bytes: readonly number[]): number => -bytes.reduce((sum, byte) => sum + byte, 0) & 0xff;
  const header = [ipmi[3] ?? 0x81, ((netFn + 1) << 2) | ((ipmi[4] ?? 0) & 0x03)];
  const body = [ipmi[0] ?? 0x20, ((ipmi[4] ?? 0) & 0xfc) | ((ipmi[1] ?? 0) & 0x03), 0x54, 0x00, 0x01, ...records];
  const message = [...header, checksum(header), ...body, checksum(body)];
  const length = Buffer.alloc(2);
  length.writeUInt16LE(message.length);
  return Buffer.concat([
    Buffer.from([0x06, 0x00, 0xff, 0x07, 0x06, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]),
    length,
    Buffer.from(message),
  ]);
}

/** The UDP front on HOST_ADDRESS:port: answers cipher-suite queries, relays the rest to ipmi_sim. */
async function startRelay(address: string, port: number, backendPort: number): Promise<() => Promise<void>> {
  const front = createSocket('udp4');
  const upstreams = new Map<string, Socket>();
  front.on('message', (message, client) => {
    const answer = cipherSuitesAnswer(message);
    if (answer) {
      front.send(answer, client.port, client.address);
      return;
    }
    const key = `${client.address}:${client.port}`;
    let upstream = upstreams.get(key);
    if (!upstream) {
      upstream = createSocket('udp4');
      upstream.on('message', (reply) => front.send(reply, client.port, client.address));
      upstream.on('error', () => undefined);
      upstreams.set(key, upstream);
    }
    upstream.send(message, backendPort, '127.0.0.1');
  });
  await new Promise<void>((resolve, reject) => {
    front.once('error', (error) =>
      reject(new Error(`the BMC simulator cannot listen on ${address}:${port}/udp: ${error.message}`)),
    );
    front.bind(port, address, () => resolve());
  });
  front.on('error', () => undefined);
  return async () => {
    for (const upstream of upstreams.values()) upstream.close();
    await new Promise<void>((resolve) => front.close(() => resolve()));
  };
}

function readPowerEvents(dir: string): PowerEvent[] {
  const log = join(dir, 'power.log');
  if (!existsSync(log)) return [];
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter((line) => /^\d+ [01]$/.test(line))
    .map((line) => {
      const [at, value] = line.split(' ');
      return { at: Number(at), on: value === '1' };
    });
}

function livePid(dir: string): number | null {
  const file = join(dir, 'server.pid');
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return null;
  }
}

async function waitFor(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`the BMC simulator did not start: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface Running {
  readonly simulator: BmcSimulator;
  readonly process: ChildProcess;
  readonly stopRelay: () => Promise<void>;
}

async function startOne(root: string, node: 'a' | 'b', address: string, port: number): Promise<Running> {
  const dir = join(root, node);
  mkdirSync(dir, { mode: 0o700 });
  const user = 'admin';
  // IPMI passwords are at most 16 bytes (20 with RMCP+ only): 16 hex characters.
  const password = randomBytes(8).toString('hex');
  const backendPort = await freeLoopbackPort();
  writeFileSync(join(dir, 'chassis.sh'), chassisScript(dir), { mode: 0o700 });
  chmodSync(join(dir, 'chassis.sh'), 0o700);
  writeFileSync(join(dir, 'lan.conf'), lanConf(node, dir, backendPort, user, password), { mode: 0o600 });
  writeFileSync(join(dir, 'bmc.emu'), EMULATION, { mode: 0o600 });
  // The machine is on when its BMC comes up.
  spawnSync(join(dir, 'chassis.sh'), ['set', 'power', '1'], { stdio: 'ignore' });

  let stderr = '';
  const child = spawn(
    IPMI_SIM,
    ['-c', join(dir, 'lan.conf'), '-f', join(dir, 'bmc.emu'), '-s', dir, '--nostdio', '--nopersist'],
    { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  let exited = false;
  child.on('exit', () => (exited = true));
  await waitFor(
    () => exited || udpBound(backendPort),
    10_000,
    `ipmi_sim for node ${node} did not bind 127.0.0.1:${backendPort}`,
  );
  if (exited) throw new Error(`ipmi_sim for node ${node} exited at start: ${stderr.trim()}`);
  let stopRelay: () => Promise<void>;
  try {
    stopRelay = await startRelay(address, port, backendPort);
  } catch (error) {
    child.kill('SIGTERM');
    throw error;
  }
  return {
    process: child,
    stopRelay,
    simulator: {
      node,
      address,
      port,
      user,
      password,
      power: () => (livePid(dir) === null ? 'off' : 'on'),
      powerEvents: () => readPowerEvents(dir),
      serverPid: () => livePid(dir),
    },
  };
}

async function stopOne(running: Running, dir: string): Promise<void> {
  await running.stopRelay();
  if (running.process.exitCode === null && running.process.signalCode === null) {
    const exited = new Promise((resolve) => running.process.once('exit', resolve));
    running.process.kill('SIGTERM');
    const timer = setTimeout(() => running.process.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
  const pid = livePid(dir);
  if (pid !== null) process.kill(pid, 'SIGKILL');
}

/**
 * Starts a simulated BMC for each lab server on `address` (the lab's management bridge,
 * which the servers reach), ports 6230 (a) and 6231 (b) unless told otherwise.
 */
export async function startBmcSimulators(
  options: { address?: string; ports?: readonly [number, number] } = {},
): Promise<BmcSimulators> {
  const address = options.address ?? HOST_ADDRESS;
  const [portA, portB] = options.ports ?? [6230, 6231];
  const dir = mkdtempSync(join(tmpdir(), 'lockstep-bmc-'));
  const started: Running[] = [];
  const stopAll = async (): Promise<void> => {
    for (const [index, running] of started.entries()) await stopOne(running, join(dir, index === 0 ? 'a' : 'b'));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    started.push(await startOne(dir, 'a', address, portA));
    started.push(await startOne(dir, 'b', address, portB));
  } catch (error) {
    await stopAll();
    throw error;
  }
  const [a, b] = started as [Running, Running];
  return { a: a.simulator, b: b.simulator, dir, close: stopAll };
}
