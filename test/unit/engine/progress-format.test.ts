import { describe, expect, it } from 'vitest';
import type { ApplyEvent, Plan } from '../../../provisioning/api/apply-events';
import {
  emptyProgress,
  formatElapsed,
  formatEventLine,
  formatFailure,
  formatPlan,
  reduceProgress,
  renderProgress,
  spinnerFrame,
} from '../../../provisioning/cli/progress/format';

const plan: Plan = {
  schemaVersion: 1,
  pair: 'lab',
  createdAt: '2026-11-29T12:00:00.000Z',
  siteHash: 's',
  pairFactsHash: 'p',
  fingerprints: { a: 'a', b: 'b', pair: 'c' },
  nodes: { a: { label: '10.211.0.11', hostname: 'lockstep-a' }, b: { label: '10.211.0.12', hostname: 'lockstep-b' } },
  steps: [
    {
      id: 'packages.install',
      title: 'Install packages',
      group: 'packages',
      scope: 'node',
      applicable: true,
      decisions: {
        a: { kind: 'change', changes: [{ summary: 'install corosync, pacemaker', commands: ['apt-get install -y corosync pacemaker'] }] },
        b: { kind: 'noop', reason: 'all 12 packages installed' },
      },
    },
    {
      id: 'cluster.services',
      title: 'Start the cluster',
      group: 'cluster',
      scope: 'pair',
      applicable: true,
      decisions: { pair: { kind: 'noop', reason: 'corosync and pacemaker active on both' } },
    },
    { id: 'xen.boot', title: 'Xen boot entry', group: 'hypervisor', scope: 'node', applicable: false, decisions: {} },
  ],
  previousRun: { runId: '20261129T110000000Z-ab12', ending: 'interrupted', unfinished: [{ step: 'packages.install', target: 'a', status: 'interrupted' }] },
};

describe('plan and progress text', () => {
  it('formats elapsed time and spins', () => {
    expect(formatElapsed(420)).toBe('0.4s');
    expect(formatElapsed(12_300)).toBe('12s');
    expect(formatElapsed(185_000)).toBe('3m 05s');
    expect(formatElapsed(3_720_000)).toBe('1h 02m');
    expect(spinnerFrame(0)).toBe('⠋');
    expect(spinnerFrame(11)).toBe('⠙');
  });

  it('prints the plan per server: will change with its changes, already done with the reason', () => {
    expect(formatPlan(plan)).toBe(
      [
        'Plan for pair lab: 2 steps, 1 will change, 1 already done',
        'The last run (20261129T110000000Z-ab12) was interrupted (the process ended) at packages.install on 10.211.0.11 (interrupted); its steps are inspected again and finished.',
        '',
        '10.211.0.11 (lockstep-a, node a)',
        '  packages.install  will change: Install packages',
        '      - install corosync, pacemaker',
        '',
        '10.211.0.12 (lockstep-b, node b)',
        '  packages.install  already done (all 12 packages installed)',
        '',
        'Both servers together (pair steps, run once both are ready)',
        '  cluster.services  already done (corosync and pacemaker active on both)',
        '',
        'Not applicable to this site: xen.boot',
        '',
      ].join('\n'),
    );
    expect(formatPlan(plan, { showCommands: true })).toContain('      - install corosync, pacemaker\n          $ apt-get install -y corosync pacemaker\n');
  });

  it('draws the live display from events: spinner, per-node state, the running step\'s last log line', () => {
    const at = (seconds: number) => new Date(Date.UTC(2026, 10, 29, 12, 0, seconds)).toISOString();
    const base = { runId: 'r', seq: 0 };
    const events: ApplyEvent[] = [
      { ...base, type: 'run-started', at: at(0), pair: 'lab', nodes: { a: '10.211.0.11', b: '10.211.0.12' }, steps: [
        { id: 'packages.install', title: 'Install packages', group: 'packages', scope: 'node' },
        { id: 'cluster.services', title: 'Start the cluster', group: 'cluster', scope: 'pair' },
      ], notApplicable: [], journal: '/j', previousRun: null },
      { ...base, type: 'step-started', at: at(1), step: 'packages.install', target: 'a' },
      { ...base, type: 'step-started', at: at(1), step: 'packages.install', target: 'b' },
      { ...base, type: 'step-log', at: at(2), step: 'packages.install', target: 'a', line: '$ apt-get install -y corosync' },
      { ...base, type: 'step-finished', at: at(3), step: 'packages.install', target: 'b', outcome: 'noop', durationMs: 2000, reason: 'installed' },
    ];
    const state = events.reduce(reduceProgress, emptyProgress());
    expect(renderProgress(state, Date.parse(at(5)), 2)).toEqual([
      'Applying pair lab — 5.0s',
      '⠹ Install packages  10.211.0.11: ⠹ 4.0s  10.211.0.12: already done 2.0s',
      '    10.211.0.11 │ $ apt-get install -y corosync',
      '  … 1 more step',
    ]);
    const done = reduceProgress(
      reduceProgress(state, { ...base, type: 'step-finished', at: at(9), step: 'packages.install', target: 'a', outcome: 'changed', durationMs: 8000, changes: ['install corosync'] }),
      { ...base, type: 'run-cancelled', at: at(9), durationMs: 9000, stoppedAt: null, nextStep: 'cluster.services', message: 'cancelled before cluster.services; run apply again to continue' },
    );
    expect(renderProgress(done, Date.parse(at(9)), 3)).toEqual([
      'Applying pair lab — 9.0s',
      '✓ Install packages  10.211.0.11: changed 8.0s  10.211.0.12: already done 2.0s',
      'cancelled before cluster.services; run apply again to continue',
    ]);
    expect(formatEventLine(events[4]!, { a: '10.211.0.11', b: '10.211.0.12' })).toBe('✓ packages.install [10.211.0.12] already done (installed) (2.0s)');
  });

  it('shows a failure with its command, exit code, output and fix', () => {
    expect(
      formatFailure('packages.install', '10.211.0.11', {
        code: 'command.failed',
        message: 'On 10.211.0.11, `apt-get install -y corosync` exited with code 100: E: Unable to locate package corosync',
        remedy: 'Check the package source.',
        command: 'apt-get install -y corosync',
        exitCode: 100,
        stdout: 'Reading package lists...',
        stderr: 'E: Unable to locate package corosync',
      }),
    ).toBe(
      [
        'Step packages.install failed on 10.211.0.11: On 10.211.0.11, `apt-get install -y corosync` exited with code 100: E: Unable to locate package corosync',
        '  command: apt-get install -y corosync',
        '  exit code: 100',
        '  stdout:',
        '    Reading package lists...',
        '  stderr:',
        '    E: Unable to locate package corosync',
        '  fix: Check the package source.',
      ].join('\n'),
    );
  });
});
