import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LockstepError } from '../../provisioning/api/errors';
import { connect, connectAll } from '../../provisioning/ssh/connect';
import type { ConnectTarget, Transport } from '../../provisioning/ssh/types';
import {
  fingerprintOf,
  keygen,
  processesRunning,
  publicKeyOf,
  sshdUnavailable,
  startSshd,
  waitUntil,
  type TestSshd,
} from '../unit/ssh/harness/sshd';

/**
 * The SSH transport against a real OpenSSH sshd started by the test on 127.0.0.1:
 * no lab needed, but root (sshd's privilege separation).
 */
const skip = sshdUnavailable();

describe.skipIf(skip !== undefined)(
  `SSH transport against a real sshd${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    let sshd: TestSshd;
    let work: string;
    let knownHosts: string;
    let transport: Transport;

    const target = (overrides: Partial<ConnectTarget> = {}): ConnectTarget => ({
      endpoint: { host: '127.0.0.1', port: sshd.port },
      login: { user: 'root', identityFile: sshd.clientKey, agent: false },
      knownHostsPath: knownHosts,
      ...overrides,
    });
    const options = { defaultIdentityFiles: [], agentSocket: '' } as const;
    const pinLine = (keyFile: string, prefix = ''): string => {
      const { keyType, key } = publicKeyOf(`${keyFile}.pub`);
      return `${prefix}[127.0.0.1]:${sshd.port} ${keyType} ${key}\n`;
    };
    const failure = async (promise: Promise<unknown>): Promise<LockstepError> => {
      const error = await promise.then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(LockstepError);
      return error as LockstepError;
    };

    beforeAll(async () => {
      sshd = await startSshd();
      work = mkdtempSync('/tmp/lockstep-transport-');
      knownHosts = join(work, 'known_hosts');
      writeFileSync(knownHosts, `# pinned by the test\n${pinLine(sshd.hostKeys.ed25519)}`, { mode: 0o600 });
      transport = await connect(target(), options);
    });

    afterAll(async () => {
      await transport?.close();
      await sshd?.stop();
      if (work) rmSync(work, { recursive: true, force: true });
    });

    it('returns exit codes and both streams', async () => {
      const result = await transport.exec('echo out; echo err >&2; exit 3');
      expect(result).toMatchObject({ code: 3, stdout: 'out\n', stderr: 'err\n' });
      expect((await transport.exec('true')).code).toBe(0);
    });

    it('reports a command killed by a signal with a null code and the signal', async () => {
      const result = await transport.exec('kill -TERM $$');
      expect(result.code).toBeNull();
      expect(result.signal).toBe('TERM');
    });

    it('drains several MB on stdout and stderr at once without deadlocking', async () => {
      const size = 6 * 1024 * 1024;
      const result = await transport.exec(
        `(head -c ${size} /dev/zero | tr '\\0' e >&2) & head -c ${size} /dev/zero | tr '\\0' o; wait`,
        { timeoutMs: 60_000 },
      );
      expect(result.code).toBe(0);
      expect(result.stdout.length).toBe(size);
      expect(result.stderr.length).toBe(size);
      expect(/^o+$/.test(result.stdout) && /^e+$/.test(result.stderr)).toBe(true);
    });

    it('feeds stdin and closes it', async () => {
      const result = await transport.exec('cat; echo done', { stdin: 'hello\n' });
      expect(result.stdout).toBe('hello\ndone\n');
    });

    it('stops a command at its timeout and kills it on the server', async () => {
      const started = Date.now();
      const error = await failure(transport.exec('sleep 98761', { timeoutMs: 500 }));
      expect(error.code).toBe('ssh.timeout');
      expect(error.message).toMatch(/did not finish within 500 ms/);
      expect(Date.now() - started).toBeLessThan(3000);
      expect(await waitUntil(() => processesRunning('sleep', '98761').length === 0, 3000)).toBe(true);
      expect((await transport.exec('echo still usable')).stdout).toBe('still usable\n');
    });

    it('cancels a command on AbortSignal and kills it on the server', async () => {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 300);
      const error = await failure(transport.exec('sleep 98762', { signal: controller.signal }));
      expect(error.code).toBe('cancelled');
      expect(await waitUntil(() => processesRunning('sleep', '98762').length === 0, 3000)).toBe(true);
      const already = await failure(transport.exec('echo never', { signal: controller.signal }));
      expect(already.code).toBe('cancelled');
    });

    it('runs 20 concurrent commands on one connection although sshd allows 10 sessions', async () => {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          transport.exec(`sleep 0.2; echo ${index}`, { timeoutMs: 30_000 }),
        ),
      );
      expect(results.map((result) => result.stdout.trim())).toEqual(
        Array.from({ length: 20 }, (_, index) => String(index)),
      );
      expect(results.every((result) => result.code === 0)).toBe(true);
    });

    it('uploads and downloads files over SFTP, with the mode asked for', async () => {
      const content = randomBytes(1024 * 1024 + 17);
      const path = join(work, 'upload.bin');
      await transport.upload(content, path, { mode: 0o640 });
      expect(readFileSync(path).equals(content)).toBe(true);
      expect(statSync(path).mode & 0o777).toBe(0o640);
      expect((await transport.download(path)).equals(content)).toBe(true);
      await transport.upload('replaced\n', path, { mode: 0o600 });
      expect(readFileSync(path, 'utf8')).toBe('replaced\n');
      expect(statSync(path).mode & 0o777).toBe(0o600);
      const missing = await failure(transport.download(join(work, 'missing')));
      expect(missing.code).toBe('command.failed');
    });

    it('reconnects when the connection dropped between commands, also across an sshd restart', async () => {
      const local = await connect(target(), { ...options, reconnect: { minTimeoutMs: 100, retries: 6 } });
      try {
        expect((await local.exec('echo one')).stdout).toBe('one\n');
        await sshd.killConnections();
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect((await local.exec('echo two')).stdout).toBe('two\n');
        await sshd.restart();
        expect((await local.exec('echo three')).stdout).toBe('three\n');
      } finally {
        await local.close();
      }
      // The shared transport lost its connection too, and recovers the same way.
      expect((await transport.exec('echo back')).stdout).toBe('back\n');
    });

    it('fails a command in flight when the connection drops, with ssh.disconnected', async () => {
      const local = await connect(target(), options);
      try {
        const running = failure(local.exec('sleep 98763'));
        await waitUntil(() => processesRunning('sleep', '98763').length > 0, 3000);
        await sshd.killConnections();
        const error = await running;
        expect(error.code).toBe('ssh.disconnected');
        expect(error.message).toMatch(/while a command was running/);
      } finally {
        await local.close();
      }
    });

    it('refuses an unknown host key with its type and SHA256 fingerprint', async () => {
      const empty = join(work, 'empty_known_hosts');
      const error = await failure(connect(target({ knownHostsPath: empty }), options));
      expect(error.code).toBe('ssh.host-key-unknown');
      expect(error.message).toContain('ssh-ed25519');
      expect(error.message).toContain(fingerprintOf(`${sshd.hostKeys.ed25519}.pub`));
      expect(error.remedy).toContain(`lockstep trust 127.0.0.1:${sshd.port}`);
      expect(error.remedy).toContain('ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub');
    });

    it('refuses a changed host key, showing the pinned and offered fingerprints', async () => {
      const other = join(work, 'other_ed25519');
      keygen(other);
      const file = join(work, 'changed_known_hosts');
      writeFileSync(file, pinLine(other));
      const error = await failure(connect(target({ knownHostsPath: file }), options));
      expect(error.code).toBe('ssh.host-key-mismatch');
      expect(error.message).toContain(fingerprintOf(`${other}.pub`));
      expect(error.message).toContain(fingerprintOf(`${sshd.hostKeys.ed25519}.pub`));
      expect(error.message).toMatch(/reinstalled or that someone is intercepting/);
      expect(error.remedy).toContain(`ssh-keygen -R '[127.0.0.1]:${sshd.port}' -f '${file}'`);
    });

    it('negotiates only the pinned key type: a host pinned by its RSA key is verified against it', async () => {
      const file = join(work, 'rsa_known_hosts');
      writeFileSync(file, pinLine(sshd.hostKeys.rsa));
      const rsa = await connect(target({ knownHostsPath: file }), options);
      expect((await rsa.exec('echo rsa')).stdout).toBe('rsa\n');
      await rsa.close();
    });

    it('refuses a revoked host key with its own error, even when it is also pinned', async () => {
      const file = join(work, 'revoked_known_hosts');
      const { keyType, key } = publicKeyOf(`${sshd.hostKeys.ed25519}.pub`);
      writeFileSync(file, `${pinLine(sshd.hostKeys.ed25519)}@revoked * ${keyType} ${key}\n`);
      const error = await failure(connect(target({ knownHostsPath: file }), options));
      expect(error.code).toBe('ssh.host-key-revoked');
      expect(error.message).toContain('@revoked');
    });

    it('reports a wrong password as ssh.auth-failed naming the methods tried', async () => {
      const error = await failure(
        connect(
          target({ login: { user: 'root', agent: false }, secrets: { password: 'definitely-wrong-Xy7' } }),
          options,
        ),
      );
      expect(error.code).toBe('ssh.auth-failed');
      expect(error.message).toMatch(/tried password/);
      expect(error.message).not.toContain('definitely-wrong-Xy7');
      expect(JSON.stringify(error.toInfo())).not.toContain('definitely-wrong-Xy7');
    });

    it('reports a key that the server does not accept as ssh.auth-failed', async () => {
      const stranger = join(work, 'stranger_ed25519');
      keygen(stranger);
      const error = await failure(
        connect(target({ login: { user: 'root', identityFile: stranger, agent: false } }), options),
      );
      expect(error.code).toBe('ssh.auth-failed');
      expect(error.message).toContain(`identity file ${stranger}`);
    });

    it('asks for the passphrase of an encrypted identity file, and uses it when given', async () => {
      const locked = join(work, 'locked_ed25519');
      keygen(locked, 'ed25519', 'secret phrase');
      const missing = await failure(
        connect(target({ login: { user: 'root', identityFile: locked, agent: false } }), options),
      );
      expect(missing.code).toBe('ssh.auth-failed');
      expect(missing.message).toMatch(/encrypted and no passphrase/);
    });

    it('reports a closed port and an unknown name as ssh.unreachable', async () => {
      const closed = await failure(connect(target({ endpoint: { host: '127.0.0.1', port: 1 } }), options));
      expect(closed.code).toBe('ssh.unreachable');
      expect(closed.message).toContain('ECONNREFUSED');
      const dns = await failure(
        connect(target({ endpoint: { host: 'no-such-host.invalid', port: 22 } }), options),
      );
      expect(dns.code).toBe('ssh.unreachable');
      expect(dns.message).toMatch(/does not resolve/);
    });

    it('connectAll closes the connections it made when one target fails', async () => {
      const error = await failure(
        connectAll([target(), target({ endpoint: { host: '127.0.0.1', port: 1 } })], options),
      );
      expect(error.code).toBe('ssh.unreachable');
      const pair = await connectAll([target(), target()], options);
      expect(pair).toHaveLength(2);
      await Promise.all(pair.map((one) => one.close()));
    });
  },
);
