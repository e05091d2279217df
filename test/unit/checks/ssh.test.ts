import { describe, expect, it } from 'vitest';
import { classifySudoRefusal, sudoError } from '../../../provisioning/ssh/sudo';
import { sshChecks, sshSudoUnavailable } from '../../../provisioning/checks/ssh';
import type { ErrorInfo } from '../../../provisioning/api/errors';
import { LAB, capturedConnectError, expectOne, labContext, run, withNode } from './context';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const byId = (id: string) => {
  const check = sshChecks.find((candidate) => candidate.id === id);
  if (!check) throw new Error(id);
  return check;
};

/** Node a of the lab, failing to connect as the captured probe failed. */
function failingA(kind: Parameters<typeof capturedConnectError>[0]) {
  const { error } = capturedConnectError(kind);
  return withNode(labContext(), 'a', { connectError: error, inventory: undefined, extras: undefined });
}

describe('ssh.unreachable', () => {
  it('passes for each server that connected (the lab)', () => {
    const findings = run(byId('ssh.unreachable'), labContext());
    expect(findings.map((finding) => [finding.node, finding.severity])).toEqual([
      [LAB.a, 'pass'],
      [LAB.b, 'pass'],
    ]);
    expect(findings[0]?.message).toContain('Connected and logged in');
  });

  it('fails with the connection error when no TCP connection completes', () => {
    const findings = run(byId('ssh.unreachable'), failingA('unreachable'));
    const failed = findings.filter((finding) => finding.severity === 'fail');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ id: 'ssh.unreachable', node: LAB.a });
    expect(failed[0]?.message).toMatch(/Cannot reach SSH on .* port 22: EHOSTUNREACH/);
    expect(failed[0]?.remedy).toContain('sshd is running');
  });
});

describe.each([
  ['ssh.host-key-unknown', 'host-key-unknown', ['not trusted yet', 'SHA256:']],
  ['ssh.host-key-mismatch', 'host-key-mismatch', ['HAS CHANGED', 'Pinned', 'Offered now']],
  ['ssh.auth-failed', 'auth-failed', ['refused the login of root']],
] as const)('%s', (id, kind, words) => {
  it('reports nothing when the login worked', () => {
    expect(run(byId(id), labContext())).toEqual([]);
  });

  it('fails on the node whose connection failed that way, with its remedy', () => {
    const finding = expectOne(run(byId(id), failingA(kind)), { id, severity: 'fail', node: LAB.a, words });
    expect(finding.remedy).toBe(capturedConnectError(kind).error.remedy);
  });

  it('stays silent for the other connection errors', () => {
    const others = (['unreachable', 'auth-failed', 'host-key-unknown', 'host-key-mismatch'] as const).filter(
      (other) => other !== kind,
    );
    for (const other of others) expect(run(byId(id), failingA(other))).toEqual([]);
  });
});

describe('ssh.host-key-mismatch for a revoked key', () => {
  it('reports a revoked key as a mismatch', () => {
    const { error } = capturedConnectError('host-key-mismatch');
    const revoked: ErrorInfo = { ...error, code: 'ssh.host-key-revoked' };
    const context = withNode(labContext(), 'a', { connectError: revoked, inventory: undefined });
    expectOne(run(byId('ssh.host-key-mismatch'), context), {
      id: 'ssh.host-key-mismatch',
      severity: 'fail',
      node: LAB.a,
      words: ['HAS CHANGED'],
    });
  });
});

describe('ssh.sudo-unavailable', () => {
  const stderr = readFileSync(
    join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'ssh-errors', 'sudo-nobody.stderr.txt'),
    'utf8',
  );

  it('passes when the login is root (the lab)', () => {
    const findings = run(sshSudoUnavailable, labContext());
    expect(findings.map((finding) => [finding.node, finding.severity])).toEqual([
      [LAB.a, 'pass'],
      [LAB.b, 'pass'],
    ]);
  });

  it('fails when sudo asks for a password that was not given (captured sudo refusal)', () => {
    const refusal = classifySudoRefusal(stderr, 1);
    expect(refusal).toBe('password-required');
    const error = sudoError(LAB.b, 'nobody', refusal, stderr.trim()).toInfo();
    const findings = run(sshSudoUnavailable, withNode(labContext(), 'b', { sudoError: error }));
    const failed = findings.find((finding) => finding.node === LAB.b);
    expect(failed).toMatchObject({ id: 'ssh.sudo-unavailable', severity: 'fail' });
    expect(failed?.message).toContain('asks nobody for a password');
    expect(failed?.remedy).toContain('LOCKSTEP_SUDO_PASSWORD');
  });

  it('says nothing about sudo on a server it could not log into', () => {
    const findings = run(sshSudoUnavailable, failingA('auth-failed'));
    expect(findings.map((finding) => finding.node)).toEqual([LAB.b]);
  });
});
