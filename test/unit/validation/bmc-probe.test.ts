import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ResolvedSite } from '../../../provisioning/api/site';
import type { ExecOptions, ExecResult, Transport } from '../../../provisioning/ssh/types';
import { classifyBmcProbe, fenceAgentInput, probeBmc, probeBmcs } from '../../../provisioning/validation/bmc-probe';

const fixture = (name: string): string => readFileSync(join(import.meta.dirname, 'fixtures', 'bmc', name), 'utf8');
const captured = (name: string, code: number) => ({ code, stdout: fixture(`${name}.stdout`), stderr: fixture(`${name}.stderr`) });
const bmc = { address: '10.211.0.1', port: 6230, user: 'admin' };

describe('classifyBmcProbe (captured fence_ipmilan outputs)', () => {
  it('a BMC that takes the login and reports its power state passes', () => {
    expect(classifyBmcProbe(captured('status-on', 0), bmc, '10.211.0.12')).toEqual({
      reachable: true,
      detail: 'fence_ipmilan on 10.211.0.12 logged in as admin (lanplus) and read the power state: on',
    });
  });
  it('a refused login names the user and the likely causes', () => {
    expect(classifyBmcProbe(captured('login-refused', 1), bmc, '10.211.0.12')).toEqual({
      reachable: false,
      detail:
        'fence_ipmilan on 10.211.0.12 could not log in as admin: a wrong user or password, or IPMI over LAN (lanplus) disabled on the BMC',
    });
  });
  it('no answer names the UDP port', () => {
    expect(classifyBmcProbe(captured('no-answer', 1), bmc, '10.211.0.12')).toEqual({
      reachable: false,
      detail: 'fence_ipmilan on 10.211.0.12 got no answer on UDP port 6230 (connection timed out)',
    });
  });
  it('an agent not installed yet is "not tested", not a failure', () => {
    expect(classifyBmcProbe({ code: 127, stdout: '', stderr: '' }, bmc, '10.211.0.12')).toEqual({
      reachable: null,
      detail: 'fence_ipmilan is not installed on 10.211.0.12 yet (apply installs it)',
    });
  });
  it('anything else fails with the exit status and the agent’s last error', () => {
    expect(classifyBmcProbe({ code: 124, stdout: '', stderr: '' }, bmc, 'x')).toMatchObject({ reachable: false, detail: 'fence_ipmilan on x did not finish within 60 s' });
    expect(classifyBmcProbe({ code: 1, stdout: '', stderr: '2026-01-01 00:00:00,000 ERROR: Failed: Ipmitool not found or not accessible\n' }, bmc, 'x')).toEqual({
      reachable: false,
      detail: 'fence_ipmilan on x failed (exit 1): Ipmitool not found or not accessible',
    });
  });
});

describe('probeBmcs', () => {
  const site = {
    nodes: [
      { address: '10.211.0.11', port: 22, bmc: { ...bmc, port: 6230, password: { env: 'LOCKSTEP_BMC_A_PASSWORD' } } },
      { address: '10.211.0.12', port: 22, bmc: { ...bmc, port: 6231, password: { env: 'LOCKSTEP_BMC_B_PASSWORD' } } },
    ],
  } as unknown as ResolvedSite;
  function fake(label: string, result: Omit<ExecResult, 'durationMs'>): Transport & { calls: { command: string; stdin: string }[] } {
    const calls: { command: string; stdin: string }[] = [];
    return {
      label,
      endpoint: { host: label, port: 22 },
      calls,
      exec: (command: string, options?: ExecOptions) => {
        calls.push({ command, stdin: String(options?.stdin ?? '') });
        return Promise.resolve({ ...result, durationMs: 1 });
      },
      upload: () => Promise.resolve(),
      download: () => Promise.resolve(Buffer.alloc(0)),
      close: () => Promise.resolve(),
    };
  }

  it('asks each BMC from the other node, the password on stdin only', async () => {
    const a = fake('10.211.0.11', captured('status-on', 0));
    const b = fake('10.211.0.12', captured('login-refused', 1));
    const states = await probeBmcs(site, [a, b], { a: 'pw-of-a', b: 'pw-of-b' });
    expect(states.a).toMatchObject({ reachable: false, detail: expect.stringContaining('fence_ipmilan on 10.211.0.12 could not log in') });
    expect(states.b).toMatchObject({ reachable: true, detail: expect.stringContaining('fence_ipmilan on 10.211.0.11 logged in') });
    expect(b.calls).toEqual([{ command: expect.stringContaining('fence_ipmilan') as string, stdin: fenceAgentInput({ ...bmc, port: 6230 }, 'pw-of-a') }]);
    expect(a.calls[0]?.stdin).toBe('ip=10.211.0.1\nipport=6231\nusername=admin\npassword=pw-of-b\nlanplus=1\naction=status\n');
    for (const call of [...a.calls, ...b.calls]) expect(call.command).not.toMatch(/pw-of/);
  });

  it('a BMC without a password is not tested; one whose probing node was not reached is left out', async () => {
    const a = fake('10.211.0.11', captured('status-on', 0));
    const b = fake('10.211.0.12', captured('status-on', 0));
    const states = await probeBmcs(site, [a, b], { b: 'pw-of-b' });
    expect(states.a).toEqual({ reachable: null, detail: 'no password was given for it (export LOCKSTEP_BMC_A_PASSWORD)' });
    expect(states.b).toMatchObject({ reachable: true });
    expect(b.calls).toEqual([]);
    expect(await probeBmcs(site, [a, undefined], { a: 'pw-of-a', b: 'pw-of-b' })).toEqual({ b: expect.objectContaining({ reachable: true }) });
  });

  it('probeBmc (Options’ "Test BMC of …") takes a password the agent echoes back out of its answer', async () => {
    const echoing = fake('10.211.0.11', { code: 1, stdout: '', stderr: '2026-01-01 ERROR: Failed: bad option password=pw-of-b-long\n' });
    const state = await probeBmc(echoing, { ...bmc, port: 6231 }, 'pw-of-b-long', '10.211.0.11');
    expect(state).toEqual({ reachable: false, detail: 'fence_ipmilan on 10.211.0.11 failed (exit 1): bad option password=[redacted]' });
    expect(echoing.calls[0]?.stdin).toContain('password=pw-of-b-long\n');
  });
});
