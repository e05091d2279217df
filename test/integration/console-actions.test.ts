import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionResult } from '../../provisioning/api/actions';
import type { Alert, MonitorEvent, PairHistory, PairState } from '../../provisioning/api/monitor';
import { injectedLab, REPO_ROOT, runLockstep, sshAsRoot, type LabInfo } from '../helpers/lab';
import { applyHarness, applyOnce, lastEvent } from './apply-support';

/**
 * The console's actions from the CLI against the practice lab's real cluster: node b
 * into maintenance (`lockstep node standby`), seen as standby by `status --json` (and
 * the pair as unprotected, with the reason), refused for node a while b is away, then
 * brought back (`lockstep node online`). The alert the change raised is acknowledged
 * and reads back acknowledged. The lab has no VMs: `vm migrate` says so.
 *
 * When no Lockstep cluster runs on the lab yet, the test installs one first through
 * `lockstep apply` (the container lab's allowed checks only), as a user would.
 */
const { lab, skipReason } = injectedLab();

async function clusterRunning(info: LabInfo): Promise<boolean> {
  for (const node of info.nodes) {
    const probe = await sshAsRoot(info, node, 'grep -q lockstep-pair /etc/corosync/corosync.conf && crm_mon -1 >/dev/null && echo ok');
    if (probe.stdout.trim() !== 'ok') return false;
  }
  return true;
}

describe.skipIf(!lab)(`console actions on the lab${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'lockstep-actions-'));
  const env = { ...process.env, LOCKSTEP_STATE_DIR: stateDir };
  let site = '';
  const cli = (...args: string[]) => runLockstep(['--known-hosts', lab!.knownHostsPath, ...args, '-c', site], { env });
  const status = async (): Promise<{ state: PairState; recentAlerts: Alert[]; history: PairHistory }> => {
    const result = await cli('--json', 'status');
    return JSON.parse(result.stdout) as { state: PairState; recentAlerts: Alert[]; history: PairHistory };
  };

  beforeAll(async () => {
    const harness = applyHarness(lab!);
    site = harness.site;
    if (!(await clusterRunning(lab!))) {
      const applied = await applyOnce(harness);
      expect(applied.code, `${applied.stderr}\n${JSON.stringify(lastEvent(applied.stdout))}`).toBe(0);
    }
    // Start from both nodes online, whatever an earlier run left.
    await cli('--json', 'node', 'online', 'b');
  }, 1_200_000);

  afterAll(async () => {
    if (site) await cli('--json', 'node', 'online', 'b');
  }, 120_000);

  it('puts node b into maintenance, status shows it in standby, and brings it back', async () => {
    const before = await status();
    expect(before.state.nodes.map((node) => [node.name, node.condition])).toEqual([
      ['lockstep-a', 'online'],
      ['lockstep-b', 'online'],
    ]);

    // A watch running alongside records the alerts the change raises (as the app's console would).
    const watch = spawn(process.execPath, [join(REPO_ROOT, 'bin/lockstep.mjs'), '--known-hosts', lab!.knownHostsPath, '--json', 'status', '--watch', '--interval', '2', '-c', site], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const events: MonitorEvent[] = [];
    let buffer = '';
    watch.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      for (let at = buffer.indexOf('\n'); at >= 0; at = buffer.indexOf('\n')) {
        const line = buffer.slice(0, at);
        buffer = buffer.slice(at + 1);
        if (line.trim()) events.push(JSON.parse(line) as MonitorEvent);
      }
    });
    const waitFor = async (test: (event: MonitorEvent) => boolean, ms: number): Promise<MonitorEvent | undefined> => {
      for (const deadline = Date.now() + ms; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 200))) {
        const hit = events.find(test);
        if (hit) return hit;
      }
      return undefined;
    };
    try {
      expect(await waitFor((event) => event.type === 'state', 60_000)).toBeDefined();

      // Disruptive: refused without a terminal unless --yes.
      const unconfirmed = await cli('node', 'standby', 'lockstep-b');
      expect(unconfirmed.code).toBe(2);
      expect(unconfirmed.stderr).toContain('--yes');

      const standby = await cli('--json', '--yes', 'node', 'standby', 'lockstep-b');
      expect(standby.code, standby.stderr).toBe(0);
      const result = (JSON.parse(standby.stdout) as { result: ActionResult }).result;
      expect(result).toMatchObject({ action: 'node.standby', subject: 'lockstep-b', outcome: 'changed' });
      expect(result.decision.kind === 'change' && result.decision.changes[0]?.commands).toEqual([
        'crm_attribute --node lockstep-b --name standby --update on --lifetime forever',
      ]);

      const during = await status();
      expect(during.state.nodes.map((node) => [node.name, node.condition])).toEqual([
        ['lockstep-a', 'online'],
        ['lockstep-b', 'standby'],
      ]);
      expect(during.state.level).toBe('unprotected');
      expect(during.state.reasons[0]).toMatchObject({ code: 'node.standby', node: 'lockstep-b' });

      // Asking again changes nothing and says why; the other node may not follow it.
      const again = await cli('--json', '--yes', 'node', 'standby', 'b');
      expect((JSON.parse(again.stdout) as { result: ActionResult }).result.decision).toEqual({ kind: 'noop', reason: 'lockstep-b is already in standby; it runs nothing' });
      const refused = await cli('--json', '--yes', 'node', 'standby', 'lockstep-a');
      expect(refused.code).toBe(1);
      expect(JSON.parse(refused.stdout)).toMatchObject({ ok: false, error: { code: 'action.refused' } });

      const level = await waitFor((event) => event.type === 'alert' && event.alert.kind === 'pair-level', 30_000);
      expect(level?.type === 'alert' && level.alert.message).toMatch(/now unprotected: lockstep-b is in standby/);

      const online = await cli('--json', 'node', 'online', '10.211.0.12');
      expect(online.code, online.stderr).toBe(0);
      expect((JSON.parse(online.stdout) as { result: ActionResult }).result).toMatchObject({ action: 'node.online', subject: 'lockstep-b', outcome: 'changed' });
      const after = await status();
      expect(after.state.nodes.map((node) => node.condition)).toEqual(['online', 'online']);
      expect(['protected', 'degraded']).toContain(after.state.level);
    } finally {
      watch.kill('SIGINT');
      await new Promise((resolve) => watch.on('exit', resolve));
    }

    // The alert stays acknowledged on disk: list → ack → list and status show it.
    const listed = JSON.parse((await cli('--json', 'alert', 'list')).stdout) as { alerts: Alert[] };
    const raised = listed.alerts.find((alert) => alert.kind === 'pair-level' && /unprotected/.test(alert.message));
    expect(raised, JSON.stringify(listed.alerts)).toBeDefined();
    expect(raised!.acknowledgedAt).toBeUndefined();
    const ack = await cli('--json', 'alert', 'ack', raised!.id);
    expect(ack.code, ack.stderr).toBe(0);
    const relisted = JSON.parse((await cli('--json', 'alert', 'list')).stdout) as { alerts: Alert[] };
    expect(relisted.alerts.find((alert) => alert.id === raised!.id)?.acknowledgedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect((await status()).recentAlerts.find((alert) => alert.id === raised!.id)?.acknowledgedAt).toBeDefined();
    expect((await cli('alert', 'ack', 'no-such-alert')).code).toBe(2);
  }, 600_000);

  it('keeps the charts’ history: Corosync link latency from knet, per poll', async () => {
    const { history } = await status();
    const latency = history.series.find((series) => series.id === 'latency:corosync-0');
    expect(latency?.label).toBe('Cluster link 0');
    const values = (latency?.points ?? []).map(([, value]) => value).filter((value): value is number => value !== null);
    expect(values.length).toBeGreaterThan(0);
    // A veth pair on one computer: well under a millisecond on average, never negative.
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
  }, 120_000);

  it('says plainly that this pair has no VMs yet', async () => {
    const migrate = await cli('--json', '--yes', 'vm', 'migrate', 'web1');
    expect(migrate.code).toBe(2);
    expect(JSON.parse(migrate.stdout).error.message).toBe('There are no VMs on this pair yet, so there is no "web1".');
    const level = await cli('--json', 'vm', 'level', 'web1', 'ft');
    expect(level.code).toBe(1);
    expect(JSON.parse(level.stdout).error.code).toBe('action.refused');
  }, 120_000);
});
