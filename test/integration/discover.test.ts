import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiscoveryRow } from '../../provisioning/discovery/scan';
import { labExec } from '../../provisioning/lab/exec';
import { injectedLab } from '../helpers/lab';

/**
 * `lockstep discover` as a user runs it (the built CLI), against real OpenSSH servers:
 * a throwaway sshd on loopback (always), and the practice lab's two servers (when the
 * lab is up). Traffic goes only to loopback and to the lab's own bridge.
 */

const ROOT = join(import.meta.dirname, '../..');
const CLI = join(ROOT, 'bin/lockstep.mjs');

interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function lockstep(
  args: readonly string[],
  options: { onSpawn?: (child: ChildProcess) => void } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    options.onSpawn?.(child);
  });
}

interface JsonReport {
  readonly ok: boolean;
  readonly scanned: number;
  readonly sshServers: number;
  readonly rows: DiscoveryRow[];
}

async function discoverJson(args: readonly string[]): Promise<JsonReport> {
  const result = await lockstep(['--json', 'discover', ...args]);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as JsonReport;
}

/** The fingerprint OpenSSH itself computes for a public key file. */
function sshKeygenFingerprint(publicKeyText: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'lockstep-fp-'));
  try {
    writeFileSync(join(dir, 'key.pub'), publicKeyText);
    const line = execFileSync('ssh-keygen', ['-lf', join(dir, 'key.pub')], { encoding: 'utf8' });
    const fingerprint = line.split(/\s+/)[1];
    if (!fingerprint?.startsWith('SHA256:')) throw new Error(`unexpected ssh-keygen output: ${line}`);
    return fingerprint;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function hasLoopbackV6(): boolean {
  try {
    return readFileSync('/proc/net/if_inet6', 'utf8').includes('00000000000000000000000000000001');
  } catch {
    return false;
  }
}

/** A real OpenSSH server on loopback with its own fresh host keys. */
async function startSshd(): Promise<{ port: number; ed25519Pub: string; stop: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'lockstep-sshd-'));
  mkdirSync('/run/sshd', { recursive: true });
  for (const type of ['ed25519', 'rsa']) {
    execFileSync('ssh-keygen', [
      '-q',
      '-t',
      type,
      '-N',
      '',
      '-C',
      'discover-test',
      '-f',
      join(dir, `ssh_host_${type}_key`),
    ]);
  }
  const port = await freePort();
  const listen = ['ListenAddress 127.0.0.1', ...(hasLoopbackV6() ? ['ListenAddress ::1'] : [])];
  writeFileSync(
    join(dir, 'sshd_config'),
    [
      `Port ${port}`,
      ...listen,
      `HostKey ${join(dir, 'ssh_host_ed25519_key')}`,
      `HostKey ${join(dir, 'ssh_host_rsa_key')}`,
      'PidFile none',
      'UsePAM no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      '',
    ].join('\n'),
  );
  const sshd = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', join(dir, 'sshd_config')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => reject(new Error(`sshd did not start: ${log}`)), 10_000);
    sshd.stderr.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('Server listening on 127.0.0.1')) {
        clearTimeout(timer);
        resolve();
      }
    });
    sshd.once('exit', (code) => reject(new Error(`sshd exited with ${code}: ${log}`)));
  });
  return {
    port,
    ed25519Pub: readFileSync(join(dir, 'ssh_host_ed25519_key.pub'), 'utf8'),
    stop: () => {
      sshd.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

beforeAll(() => {
  execFileSync(process.execPath, ['build/build-cli.mjs'], { cwd: ROOT });
});

describe('discover against an OpenSSH server on loopback', () => {
  let sshd: Awaited<ReturnType<typeof startSshd>>;
  let expectedFingerprint: string;

  beforeAll(async () => {
    sshd = await startSshd();
    expectedFingerprint = sshKeygenFingerprint(sshd.ed25519Pub);
  });
  afterAll(() => sshd?.stop());

  it("shows the server's real ed25519 fingerprint, its banner and a round-trip time, without logging in", async () => {
    const result = await lockstep(['discover', `127.0.0.1:${sshd.port}`]);
    expect(result.code, result.stderr).toBe(0);
    const line = result.stdout
      .split('\n')
      .find((candidate) => candidate.startsWith(`127.0.0.1:${sshd.port}`));
    expect(line).toBeDefined();
    expect(line).toContain('ssh-ed25519');
    expect(line).toContain(expectedFingerprint);
    expect(line).toMatch(/\d ms +SSH-2\.0-OpenSSH_/);
    expect(result.stdout).toMatch(/scanned 1 address in [\d.]+ s, 1 SSH server/);
  });

  it('gives the same facts as JSON rows', async () => {
    const report = await discoverJson([`127.0.0.1:${sshd.port}`]);
    expect(report).toMatchObject({ ok: true, scanned: 1, sshServers: 1 });
    expect(report.rows).toHaveLength(1);
    expect(report.rows[0]).toMatchObject({
      address: '127.0.0.1',
      port: sshd.port,
      state: 'ssh',
      keyType: 'ssh-ed25519',
      fingerprint: expectedFingerprint,
    });
    expect(report.rows[0]?.banner).toMatch(/^SSH-2\.0-OpenSSH_/);
    expect(report.rows[0]?.rttMs).toBeGreaterThan(0);
  });

  it.skipIf(!hasLoopbackV6())(
    'reaches the same server over IPv6, bare and bracketed with a port',
    async () => {
      const report = await discoverJson([`[::1]:${sshd.port}`, '--port', String(sshd.port), '::1']);
      expect(report.rows).toHaveLength(1); // the same address and port, tried once
      expect(report.rows[0]).toMatchObject({
        address: '::1',
        state: 'ssh',
        fingerprint: expectedFingerprint,
      });
    },
  );

  it('finds exactly the one SSH server when scanning the loopback /24, and hides the rest', async () => {
    const result = await lockstep(['discover', '127.0.0.0/24', '--port', String(sshd.port)]);
    expect(result.code, result.stderr).toBe(0);
    const rows = result.stdout.split('\n').filter((line) => /^\d+\.\d+\.\d+\.\d+:/.test(line));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain(expectedFingerprint);
    expect(result.stdout).toMatch(
      /scanned 254 addresses in [\d.]+ s, 1 SSH server \(253 without SSH not shown/,
    );
  });

  it('reports a closed port as closed, and the rest of a range with --all', async () => {
    const closed = await freePort();
    const report = await discoverJson([`127.0.0.1:${closed}`, '--all', `127.0.0.0/30:${sshd.port}`]);
    expect(report.rows.map((row) => [row.address, row.port, row.state])).toEqual([
      ['127.0.0.1', closed, 'closed'],
      ['127.0.0.1', sshd.port, 'ssh'],
      ['127.0.0.2', sshd.port, 'closed'],
    ]);
    expect(report.rows[0]?.reason).toBe('connection refused');
  });
});

describe('discover, other services and bad input', () => {
  let servers: Server[] = [];
  const listen = (onConnection: (socket: Socket) => void): Promise<number> =>
    new Promise((resolve) => {
      const server = createServer(onConnection);
      servers.push(server);
      server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
    });
  afterAll(() => {
    for (const server of servers) server.close();
    servers = [];
  });

  it('tells a non-SSH service apart from an SSH server', async () => {
    const port = await listen((socket) => socket.write('220 mail.example ESMTP ready\r\n'));
    const result = await lockstep(['discover', `127.0.0.1:${port}`]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`127.0.0.1:${port}`);
    expect(result.stdout).toContain('open, not SSH');
    expect(result.stdout).toContain('220 mail.example ESMTP ready');
    expect(result.stdout).toContain('0 SSH servers');
  });

  it('stops on Ctrl-C with exit code 130', async () => {
    // Accepts and stays silent; the interrupt comes once discover is connected, i.e. mid-scan.
    let cli: ChildProcess | undefined;
    const port = await listen(() => cli?.kill('SIGINT'));
    const result = await lockstep(['discover', `127.0.0.1:${port}`], { onSpawn: (child) => (cli = child) });
    expect(result.code).toBe(130);
  });

  it.each([
    [['10.0.0.0/8'], /too large a range/],
    [['10.0.0.300'], /not a valid IPv4 address/],
    [['fd00::/64'], /\/120/],
    [['127.0.0.1', '--timeout', 'soon'], /--timeout/],
    [['127.0.0.1', '--concurrency', '0'], /--concurrency/],
  ])('refuses %j with exit 2 and an explanation, before sending anything', async (args, message) => {
    const result = await lockstep(['discover', ...args]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/error \[usage\]/);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toMatch(/fix: .*\S/);
  });
});

const { lab, skipReason } = injectedLab();

describe.skipIf(!lab)(
  `discover against the practice lab${lab ? '' : ` (skipped: ${skipReason ?? 'no lab'})`}`,
  () => {
    const servers = lab?.nodes ?? [];

    /** What `ssh-keygen -lf` says of the server's own ed25519 host key file. */
    async function realFingerprint(name: string): Promise<string> {
      const pub = await labExec(name, ['cat', '/etc/ssh/ssh_host_ed25519_key.pub']);
      return sshKeygenFingerprint(pub.stdout);
    }

    it("finds exactly the two servers on the lab's /24, with their real host keys", async () => {
      const report = await discoverJson([lab?.managementSubnet ?? '']);
      expect(report.scanned).toBe(254);
      // The lab host itself (hostAddress) is on the bridge too; it is not one of the servers.
      const found = report.rows.filter((row) => row.state === 'ssh' && row.address !== lab?.hostAddress);
      expect(found.map((row) => row.address).sort()).toEqual(servers.map((node) => node.address).sort());
      for (const node of servers) {
        const row = found.find((candidate) => candidate.address === node.address);
        expect(row).toMatchObject({
          port: node.port,
          keyType: 'ssh-ed25519',
          fingerprint: await realFingerprint(node.name),
        });
        expect(row?.banner).toMatch(/^SSH-2\.0-OpenSSH_/);
      }
    });

    it('shows each server named by address with its fingerprint', async () => {
      const result = await lockstep(['discover', ...servers.map((node) => `${node.address}:${node.port}`)]);
      expect(result.code, result.stderr).toBe(0);
      for (const node of servers) {
        const line = result.stdout
          .split('\n')
          .find((candidate) => candidate.startsWith(`${node.address}:${node.port}`));
        expect(line).toContain(await realFingerprint(node.name));
      }
      expect(result.stdout).toMatch(/scanned 2 addresses in [\d.]+ s, 2 SSH servers/);
    });
  },
);
