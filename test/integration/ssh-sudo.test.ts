import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LockstepError } from '../../provisioning/api/errors';
import { connect } from '../../provisioning/ssh/connect';
import type { ConnectTarget, Transport } from '../../provisioning/ssh/types';
import {
  allCommandLines,
  processesRunning,
  publicKeyOf,
  sshdUnavailable,
  startSshd,
  waitUntil,
  type TestSshd,
} from '../unit/ssh/harness/sshd';

/**
 * sudo through the transport, against a real sshd and real sudo on this machine: the
 * test adds two throw-away users (one in a sudoers drop-in, one not) and removes them,
 * their homes and the drop-in afterwards. Needs root, sshd and sudo.
 */
const skip =
  sshdUnavailable() ?? (existsSync('/usr/bin/sudo') ? undefined : 'needs sudo (apt-get install sudo)');
const id = randomBytes(3).toString('hex');
const admin = `lkst-adm-${id}`;
const plain = `lkst-no-${id}`;
const password = `Pw-${randomBytes(9).toString('base64url')}`;
const sudoers = `/etc/sudoers.d/lockstep-test-${id}`;

describe.skipIf(skip !== undefined)(`sudo over the SSH transport${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let sshd: TestSshd;
  let work: string;
  const open: Transport[] = [];

  const target = (user: string, secrets: ConnectTarget['secrets'] = {}): ConnectTarget => ({
    endpoint: { host: '127.0.0.1', port: sshd.port },
    login: { user, identityFile: sshd.clientKey, agent: false },
    secrets,
    knownHostsPath: join(work, 'known_hosts'),
  });
  const login = async (user: string, secrets: ConnectTarget['secrets'] = {}): Promise<Transport> => {
    const transport = await connect(target(user, secrets), { defaultIdentityFiles: [] });
    open.push(transport);
    return transport;
  };
  const failure = async (promise: Promise<unknown>): Promise<LockstepError> => {
    const error = await promise.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(LockstepError);
    const info = JSON.stringify((error as LockstepError).toInfo());
    expect(info).not.toContain(password);
    return error as LockstepError;
  };

  beforeAll(async () => {
    sshd = await startSshd();
    work = mkdtempSync('/tmp/lockstep-sudo-');
    const { keyType, key } = publicKeyOf(`${sshd.hostKeys.ed25519}.pub`);
    writeFileSync(join(work, 'known_hosts'), `[127.0.0.1]:${sshd.port} ${keyType} ${key}\n`);
    for (const user of [admin, plain])
      execFileSync('useradd', ['--create-home', '--shell', '/bin/bash', user]);
    execFileSync('chpasswd', { input: `${admin}:${password}\n${plain}:${password}\n` });
    writeFileSync(sudoers, `${admin} ALL=(ALL:ALL) ALL\n`, { mode: 0o440 });
    execFileSync('visudo', ['-cf', sudoers]);
  });

  afterAll(async () => {
    await Promise.all(open.map((transport) => transport.close()));
    await sshd?.stop();
    rmSync(sudoers, { force: true });
    for (const user of [admin, plain]) {
      try {
        execFileSync('userdel', ['--remove', user], { stdio: 'ignore' });
      } catch {
        // not created
      }
    }
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('runs a command as root after sudo prompts, and the password is on no command line', async () => {
    const transport = await login(admin, { sudoPassword: password });
    const running = transport.exec('sleep 1; id -u; echo to-stderr >&2', { sudo: true });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(allCommandLines().some((line) => line.includes(password))).toBe(false);
    const result = await running;
    expect(result).toMatchObject({ code: 0, stdout: '0\n', stderr: 'to-stderr\n' });
    expect((await transport.exec('id -u')).stdout.trim()).not.toBe('0');
  });

  it('passes stdin to the command, not to sudo, and keeps exit codes', async () => {
    const transport = await login(admin, { sudoPassword: password });
    const result = await transport.exec('cat; exit 4', { sudo: true, stdin: 'payload\n' });
    expect(result).toMatchObject({ code: 4, stdout: 'payload\n', stderr: '' });
  });

  it('logs in by password', async () => {
    const byPassword = await connect(
      { ...target(admin, { password }), login: { user: admin, agent: false } },
      { defaultIdentityFiles: [] },
    );
    open.push(byPassword);
    expect((await byPassword.exec('whoami')).stdout).toBe(`${admin}\n`);
  });

  it('says so when sudo needs a password and none was given', async () => {
    const transport = await login(admin);
    const error = await failure(transport.exec('id -u', { sudo: true, timeoutMs: 20_000 }));
    expect(error.code).toBe('ssh.sudo-unavailable');
    expect(error.message).toMatch(/asks .* for a password and none was given/);
    expect(error.remedy).toContain('LOCKSTEP_SUDO_PASSWORD');
  });

  it('says so when the sudo password is wrong, without showing it', async () => {
    const transport = await login(admin, { sudoPassword: `${password}-wrong` });
    const error = await failure(transport.exec('id -u', { sudo: true, timeoutMs: 20_000 }));
    expect(error.code).toBe('ssh.sudo-unavailable');
    expect(error.message).toMatch(/rejected the sudo password/);
    expect(error.message).not.toContain(password);
  });

  it('says so when the user may not use sudo', async () => {
    const transport = await login(plain, { sudoPassword: password });
    const error = await failure(transport.exec('id -u', { sudo: true, timeoutMs: 20_000 }));
    expect(error.code).toBe('ssh.sudo-unavailable');
    expect(error.message).toBe(`${plain} may not use sudo on 127.0.0.1.`);
    expect(error.remedy).toContain(`usermod -aG sudo ${plain}`);
  });

  it('stops a sudo command at its timeout, on the server too', async () => {
    const transport = await login(admin, { sudoPassword: password });
    const error = await failure(transport.exec('sleep 98764', { sudo: true, timeoutMs: 1500 }));
    expect(error.code).toBe('ssh.timeout');
    expect(await waitUntil(() => processesRunning('sleep', '98764').length === 0, 5000)).toBe(true);
  });

  it('uploads a root-owned file through sudo install and removes its temp copy', async () => {
    const transport = await login(admin, { sudoPassword: password });
    const path = join(work, 'root-only.conf');
    await transport.upload('secret-config\n', path, { mode: 0o600, sudo: true });
    expect(readFileSync(path, 'utf8')).toBe('secret-config\n');
    const stat = statSync(path);
    expect([stat.uid, stat.mode & 0o777]).toEqual([0, 0o600]);
    expect((await transport.exec('ls -a /tmp')).stdout).not.toMatch(/\.lockstep-upload-/);
    expect(
      await transport.download(path).then(
        () => 'read',
        () => 'refused',
      ),
    ).toBe('refused');
  });
});
