import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MonitorEvent } from '../../provisioning/api/monitor';
import { injectedLab, REPO_ROOT, runLockstep, sshAsRoot } from '../helpers/lab';

/**
 * `lockstep status` against the practice lab when a Lockstep cluster runs there (the
 * corosync.conf Lockstep writes carries a `lockstep-pair` line). The test stops
 * corosync on node b (pacemaker stops with it), expects a node-lost or link-down alert
 * from `status --watch --json` within 5 s, starts both again and expects recovery.
 */
const { lab, skipReason } = injectedLab();

async function clusterReason(): Promise<string | undefined> {
  if (!lab) return skipReason ?? 'no practice lab';
  for (const node of lab.nodes) {
    const probe = await sshAsRoot(
      lab,
      node,
      'grep -q lockstep-pair /etc/corosync/corosync.conf && corosync-quorumtool -s >/dev/null && echo ok',
    );
    if (probe.stdout.trim() !== 'ok')
      return `no Lockstep cluster running on ${node.address} (apply the lab site first)`;
  }
  return undefined;
}

const reason = await clusterReason();

describe.skipIf(reason !== undefined)(
  `lockstep status against the lab${reason ? ` (skipped: ${reason})` : ''}`,
  () => {
    it('shows both nodes online and quorate', async () => {
      const result = await runLockstep(['--json', 'status', '-c', lab!.siteFile]);
      const out = JSON.parse(result.stdout) as {
        state: { nodes: { condition: string; quorate: boolean }[]; level: string };
      };
      expect(out.state.nodes.map((n) => [n.condition, n.quorate])).toEqual([
        ['online', true],
        ['online', true],
      ]);
      expect(['protected', 'degraded']).toContain(out.state.level);
      expect(result.code).toBe(0);
    }, 120_000);

    it('reports node b lost within 5 s of stopping corosync there, then its return', async () => {
      const nodeB = lab!.nodes[1]!;
      const child = spawn(
        process.execPath,
        [join(REPO_ROOT, 'bin/lockstep.mjs'), '--json', 'status', '--watch', '-c', lab!.siteFile],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      const events: { at: number; event: MonitorEvent }[] = [];
      let buffer = '';
      child.stdout.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        let at: number;
        while ((at = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, at);
          buffer = buffer.slice(at + 1);
          if (line.trim()) events.push({ at: Date.now(), event: JSON.parse(line) as MonitorEvent });
        }
      });
      const waitFor = async (test: (e: MonitorEvent) => boolean, ms: number, since = 0): Promise<number | undefined> => {
        const deadline = Date.now() + ms;
        while (Date.now() < deadline) {
          const hit = events.find((e) => e.at >= since && test(e.event));
          if (hit) return hit.at;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        return undefined;
      };
      try {
        expect(await waitFor((e) => e.type === 'state', 60_000)).toBeDefined();
        const stopped = Date.now();
        await sshAsRoot(lab!, nodeB, 'systemctl stop corosync');
        const seen = await waitFor(
          (e) => e.type === 'alert' && (e.alert.kind === 'node-lost' || e.alert.kind === 'link-down'),
          20_000,
          stopped,
        );
        expect(seen).toBeDefined();
        expect(seen! - stopped).toBeLessThan(5000);
      } finally {
        await sshAsRoot(lab!, nodeB, 'systemctl start corosync pacemaker');
      }
      try {
        expect(
          await waitFor((e) => e.type === 'alert' && e.alert.kind === 'node-back', 60_000),
        ).toBeDefined();
      } finally {
        child.kill('SIGINT');
        const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
        expect(code).toBe(130);
      }
    }, 180_000);
  },
);
