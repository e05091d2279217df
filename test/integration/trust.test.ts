import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connect } from '../../provisioning/ssh/connect';
import {
  fingerprintOf,
  keygen,
  publicKeyOf,
  sshdUnavailable,
  startSshd,
  type TestSshd,
} from '../unit/ssh/harness/sshd';

/**
 * `lockstep trust` as a user runs it: the bundled CLI against a real sshd started by
 * the test (no lab needed; root for sshd).
 */
const skip = sshdUnavailable();
const run = promisify(execFile);
const hasV6Loopback = Object.values(networkInterfaces())
  .flat()
  .some((address) => address?.address === '::1');

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

describe.skipIf(skip !== undefined)(`lockstep trust${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let sshd: TestSshd;
  let work: string;
  let cli: string;
  let knownHosts: string;
  let fingerprint: string;
  let address: string;

  const lockstep = async (args: string[], options: { env?: NodeJS.ProcessEnv } = {}): Promise<Outcome> => {
    try {
      const { stdout, stderr } = await run(process.execPath, [cli, '--known-hosts', knownHosts, ...args], {
        env: { ...process.env, ...options.env },
        timeout: 30_000,
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code?: number; stdout?: string; stderr?: string };
      return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
    }
  };
  /** Runs the CLI on a pseudo-terminal (util-linux `script`), typing `input`. */
  const onTerminal = async (args: string[], input: string): Promise<Outcome> => {
    const line = [process.execPath, cli, '--known-hosts', knownHosts, ...args]
      .map((word) => `'${word}'`)
      .join(' ');
    const child = execFile('script', ['-qec', line, '/dev/null'], { timeout: 30_000 });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (/Trust this key\?/.test(output) && input) {
        child.stdin?.write(input);
        input = '';
      }
    });
    const code = await new Promise<number>((resolve) => child.on('close', (status) => resolve(status ?? -1)));
    return { code, stdout: output, stderr: '' };
  };

  beforeAll(async () => {
    sshd = await startSshd({ extraConfig: hasV6Loopback ? 'ListenAddress ::1' : '' });
    work = mkdtempSync('/tmp/lockstep-trust-');
    cli = join(process.cwd(), 'node_modules', '.cache', 'lockstep-trust-test', 'lockstep.mjs');
    await build({
      entryPoints: ['provisioning/cli/main.ts'],
      outfile: cli,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      logLevel: 'error',
    });
    fingerprint = fingerprintOf(`${sshd.hostKeys.ed25519}.pub`);
    address = `127.0.0.1:${sshd.port}`;
  });

  beforeEach(() => {
    knownHosts = join(work, `known_hosts-${Math.random().toString(36).slice(2)}`, 'known_hosts');
  });

  afterAll(async () => {
    await sshd?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('refuses without a terminal and without --fingerprint (exit 2), even with --yes', async () => {
    for (const args of [
      ['trust', address],
      ['--yes', 'trust', address],
    ]) {
      const result = await lockstep(args);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('error [usage]');
      expect(result.stderr).toContain(fingerprint);
      expect(result.stderr).toContain('--fingerprint');
      expect(existsSync(knownHosts)).toBe(false);
    }
  });

  it('refuses with --json and no --fingerprint, with a JSON error on stdout', async () => {
    const result = await lockstep(['--json', 'trust', address]);
    expect(result.code).toBe(2);
    const document = JSON.parse(result.stdout) as { ok: boolean; error: { code: string; field: string } };
    expect(document).toMatchObject({ ok: false, error: { code: 'usage', field: '--fingerprint' } });
  });

  it('refuses a --fingerprint that the server does not offer (exit 3), naming both', async () => {
    const other = join(work, 'other');
    keygen(other);
    const wrong = fingerprintOf(`${other}.pub`);
    const result = await lockstep(['trust', address, '--fingerprint', wrong]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('error [ssh.host-key-mismatch]');
    expect(result.stderr).toContain(wrong);
    expect(result.stderr).toContain(fingerprint);
    expect(existsSync(knownHosts)).toBe(false);
  });

  it('refuses a malformed --fingerprint as a usage error', async () => {
    const result = await lockstep(['trust', address, '--fingerprint', 'MD5:aa:bb']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('field --fingerprint');
  });

  it('pins with the right --fingerprint, then says it is already pinned, and the transport connects', async () => {
    const first = await lockstep(['trust', address, '--fingerprint', fingerprint]);
    expect(first).toMatchObject({ code: 0 });
    expect(first.stdout).toContain(`Pinned ssh-ed25519 ${fingerprint} for ${address}`);
    const { keyType, key } = publicKeyOf(`${sshd.hostKeys.ed25519}.pub`);
    expect(readFileSync(knownHosts, 'utf8')).toBe(`[127.0.0.1]:${sshd.port} ${keyType} ${key}\n`);
    expect(statSync(knownHosts).mode & 0o777).toBe(0o600);

    const again = await lockstep([
      '--json',
      'trust',
      '127.0.0.1',
      '-p',
      String(sshd.port),
      '--fingerprint',
      fingerprint,
    ]);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({
      ok: true,
      outcome: 'already-pinned',
      fingerprint,
      keyType: 'ssh-ed25519',
    });
    expect(readFileSync(knownHosts, 'utf8').trim().split('\n')).toHaveLength(1);

    const transport = await connect(
      {
        endpoint: { host: '127.0.0.1', port: sshd.port },
        login: { user: 'root', identityFile: sshd.clientKey, agent: false },
        knownHostsPath: knownHosts,
      },
      { defaultIdentityFiles: [] },
    );
    expect((await transport.exec('echo trusted')).stdout).toBe('trusted\n');
    await transport.close();
  });

  it('stops on a different pinned key (exit 3) and replaces it only with --replace --fingerprint', async () => {
    const other = join(work, 'old-key');
    keygen(other);
    const old = publicKeyOf(`${other}.pub`);
    const before = `# pinned long ago\n[127.0.0.1]:${sshd.port} ${old.keyType} ${old.key}\n`;
    mkdirSync(dirname(knownHosts), { recursive: true });
    writeFileSync(knownHosts, before);

    const stopped = await lockstep(['trust', address, '--fingerprint', fingerprint]);
    expect(stopped.code).toBe(3);
    expect(stopped.stderr).toContain('error [ssh.host-key-mismatch]');
    expect(stopped.stderr).toContain('HAS CHANGED');
    expect(stopped.stderr).toContain(fingerprintOf(`${other}.pub`));
    expect(stopped.stderr).toContain('someone is intercepting');
    expect(stopped.stderr).toContain(`ssh-keygen -R '[127.0.0.1]:${sshd.port}' -f '${knownHosts}'`);
    expect(readFileSync(knownHosts, 'utf8')).toBe(before);

    const noFingerprint = await lockstep(['trust', address, '--replace']);
    expect(noFingerprint.code).toBe(2);
    expect(readFileSync(knownHosts, 'utf8')).toBe(before);

    const replaced = await lockstep(['trust', address, '--replace', '--fingerprint', fingerprint]);
    expect(replaced.code).toBe(0);
    const { keyType, key } = publicKeyOf(`${sshd.hostKeys.ed25519}.pub`);
    expect(readFileSync(knownHosts, 'utf8')).toBe(
      `# pinned long ago\n[127.0.0.1]:${sshd.port} ${keyType} ${key}\n`,
    );
  });

  it('asks on a terminal: pins after "yes", writes nothing after "no"', async () => {
    const declined = await onTerminal(['trust', address], 'no\r');
    expect(declined.stdout).toContain(fingerprint);
    expect(declined.stdout).toContain('ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub');
    expect(declined.code).toBe(130);
    expect(existsSync(knownHosts)).toBe(false);

    const accepted = await onTerminal(['--yes', 'trust', address], 'yes\r');
    expect(accepted.code).toBe(0);
    expect(accepted.stdout).toContain(`Pinned ssh-ed25519 ${fingerprint}`);
    expect(readFileSync(knownHosts, 'utf8')).toContain(`[127.0.0.1]:${sshd.port} ssh-ed25519 `);
  });

  it('reports an unreachable server (exit 3) and conflicting ports (exit 2)', async () => {
    expect((await lockstep(['trust', '127.0.0.1:1', '--fingerprint', fingerprint])).code).toBe(3);
    const conflict = await lockstep(['trust', `127.0.0.1:${sshd.port}`, '-p', '2222']);
    expect(conflict.code).toBe(2);
    expect(conflict.stderr).toContain('field --port');
    const bad = await lockstep(['trust', 'root@10.0.0.1']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('-u/--user');
  });

  it.skipIf(!hasV6Loopback)('accepts an IPv6 literal [::1]:PORT and pins it as [::1]:PORT', async () => {
    const result = await lockstep(['trust', `[::1]:${sshd.port}`, '--fingerprint', fingerprint]);
    expect(result.code).toBe(0);
    expect(readFileSync(knownHosts, 'utf8')).toMatch(new RegExp(`^\\[::1\\]:${sshd.port} ssh-ed25519 `));
  });
});
