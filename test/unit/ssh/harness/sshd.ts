import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync, chmodSync, rmSync, mkdtempSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { join } from 'node:path';

/**
 * A real OpenSSH sshd for transport tests: own config, host keys and authorized_keys
 * in a temp folder, listening on 127.0.0.1 at a free high port. Needs root (sshd's
 * privilege separation) and /usr/sbin/sshd; `sshdUnavailable()` says why not.
 */
export interface TestSshd {
  readonly port: number;
  readonly dir: string;
  /** Host key files (private; `.pub` next to them). */
  readonly hostKeys: { readonly ed25519: string; readonly rsa: string };
  /** A client key accepted for every user (AuthorizedKeysFile points here). */
  readonly clientKey: string;
  /** The master sshd's pid. */
  pid(): number;
  /** Kills the per-connection sshd processes: every client connection drops. */
  killConnections(): Promise<void>;
  restart(): Promise<void>;
  stop(): Promise<void>;
  /** What sshd wrote on stderr (-e): its log. */
  log(): string;
}

const SSHD = '/usr/sbin/sshd';

/** Why the sshd-backed tests cannot run here, or undefined when they can. */
export function sshdUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'needs Linux';
  if (process.getuid?.() !== 0) return 'needs root (sshd privilege separation, reading other users processes)';
  if (!existsSync(SSHD)) return `needs OpenSSH server (${SSHD})`;
  if (!existsSync('/usr/bin/ssh-keygen')) return 'needs ssh-keygen';
  return undefined;
}

export function keygen(file: string, type: 'ed25519' | 'rsa' = 'ed25519', passphrase = ''): void {
  execFileSync('ssh-keygen', ['-q', '-t', type, ...(type === 'rsa' ? ['-b', '2048'] : []), '-N', passphrase, '-C', 'lockstep-test', '-f', file]);
}

/** The SHA256 fingerprint of a public key file, as `ssh-keygen -lf` prints it. */
export function fingerprintOf(publicKeyFile: string): string {
  const out = execFileSync('ssh-keygen', ['-lf', publicKeyFile], { encoding: 'utf8' });
  const match = /SHA256:[A-Za-z0-9+/]{43}/.exec(out);
  if (!match) throw new Error(`no fingerprint in ${out}`);
  return match[0];
}

/** `type base64` of a public key file. */
export function publicKeyOf(publicKeyFile: string): { keyType: string; key: string } {
  const [keyType, key] = readFileSync(publicKeyFile, 'utf8').trim().split(/\s+/);
  if (!keyType || !key) throw new Error(`bad public key ${publicKeyFile}`);
  return { keyType, key };
}

export async function startSshd(options: { extraConfig?: string } = {}): Promise<TestSshd> {
  const dir = mkdtempSync('/tmp/lockstep-sshd-');
  chmodSync(dir, 0o755);
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const hostKeys = { ed25519: join(dir, 'host_ed25519'), rsa: join(dir, 'host_rsa') };
  keygen(hostKeys.ed25519, 'ed25519');
  keygen(hostKeys.rsa, 'rsa');
  const clientKey = join(dir, 'client_ed25519');
  keygen(clientKey, 'ed25519');
  const authorized = join(dir, 'authorized_keys');
  writeFileSync(authorized, readFileSync(`${clientKey}.pub`));
  chmodSync(authorized, 0o644);
  const port = await freePort();
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKeys.ed25519}`,
      `HostKey ${hostKeys.rsa}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${authorized}`,
      'StrictModes no',
      'PermitRootLogin yes',
      'PasswordAuthentication yes',
      'KbdInteractiveAuthentication yes',
      'UsePAM yes',
      'MaxSessions 10',
      'MaxStartups 50',
      'PrintMotd no',
      'LogLevel VERBOSE',
      'Subsystem sftp internal-sftp',
      options.extraConfig ?? '',
      '',
    ].join('\n'),
  );

  let child: ChildProcess | undefined;
  let log = '';
  const start = async (): Promise<void> => {
    const proc = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    proc.stderr?.on('data', (chunk: Buffer) => {
      log += chunk.toString();
    });
    child = proc;
    await waitForPort(port, () => (proc.exitCode !== null ? `sshd exited ${proc.exitCode}: ${log}` : undefined));
  };
  const killConnections = async (): Promise<void> => {
    if (!child?.pid) return;
    const pids = descendants(child.pid);
    for (const pid of pids) tryKill(pid, 'SIGKILL');
    await waitUntil(() => pids.every((pid) => !existsSync(`/proc/${pid}`)), 5000);
  };
  const stop = async (): Promise<void> => {
    await killConnections();
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGTERM');
    await exited;
  };
  await start();
  return {
    port,
    dir,
    hostKeys,
    clientKey,
    pid: () => child?.pid ?? -1,
    killConnections,
    restart: async () => {
      await stop();
      await start();
    },
    stop: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
    log: () => log,
  };
}

/** Pids of all descendants of a process (children first found, then theirs). */
export function descendants(root: number): number[] {
  const parents = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = parents.get(ppid) ?? [];
      list.push(Number(name));
      parents.set(ppid, list);
    } catch {
      // The process ended while we read.
    }
  }
  const out: number[] = [];
  const walk = (pid: number): void => {
    for (const child of parents.get(pid) ?? []) {
      out.push(child);
      walk(child);
    }
  };
  walk(root);
  return out;
}

/** Pids whose command line is exactly these words (e.g. `sleep 98765`). */
export function processesRunning(...words: string[]): number[] {
  const wanted = `${words.join('\0')}\0`;
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8') === wanted) found.push(Number(name));
    } catch {
      // gone
    }
  }
  return found;
}

/** Every process command line on this machine, for "the password is on no command line" checks. */
export function allCommandLines(): string[] {
  const lines: string[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      lines.push(readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' '));
    } catch {
      // gone
    }
  }
  return lines;
}

export async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return condition();
}

function tryKill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 40000);
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port found');
}

async function waitForPort(port: number, failed: () => string | undefined): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const why = failed();
    if (why) throw new Error(why);
    const open = await new Promise<boolean>((resolve) => {
      const socket = new Socket();
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
      socket.connect(port, '127.0.0.1');
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`sshd did not listen on ${port}`);
}
