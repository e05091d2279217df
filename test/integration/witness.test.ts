import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labExec } from '../../provisioning/lab';
import { parseQuorumTool } from '../../provisioning/recipes/parse/cluster';
import { injectedLab, runLockstep, sshAsRoot, type LabInfo, type LabNodeInfo } from '../helpers/lab';
import {
  applyChangesNothing,
  applyHarness,
  applyOnce,
  lastEvent,
  parseEvents,
  pollUntil,
  withSite,
  type ApplyHarness,
} from './apply-support';

/**
 * The quorum witness as a user meets it: `lab up --witness` adds a third server,
 * apply with `quorum: { witness }` installs corosync-qnetd there (from the offline
 * bundle) and corosync-qdevice on the nodes, and the servers' own tools prove it:
 * `corosync-quorumtool -s` counts the witness's vote, `corosync-qnetd-tool -l` lists
 * both nodes, and one node alone stays quorate through the witness. The pair goes back
 * to `two_node` and the witness down afterwards, whatever happened: other tests expect
 * exactly two servers and a two_node cluster.
 */
const { lab, skipReason } = injectedLab();
const WITNESS = '10.211.0.13';

/** The witness as `lab up --json` reports it; sshAsRoot needs only its address and port. */
function witnessNode(): LabNodeInfo {
  return {
    name: 'w',
    hostname: 'lockstep-w',
    address: WITNESS,
    port: 22,
    netns: 'lsk-w',
    nics: { management: 'enp1s0', private: '', business: '' },
  };
}

/** The two_node harness's site file with a witness: what a user adds to their site file. */
function withWitness(harness: ApplyHarness): ApplyHarness {
  return withSite(harness, 'site-witness.yaml', (document) => ({
    ...document,
    quorum: { witness: { address: WITNESS } },
  }));
}

async function quorumTool(info: LabInfo, node: LabNodeInfo): Promise<string> {
  const result = await sshAsRoot(info, node, 'corosync-quorumtool -s');
  return result.stdout;
}

/** Polls `corosync-quorumtool -s` on a node until `done` holds (corosync and qdevice take seconds to settle). */
function quorumUntil(info: LabInfo, node: LabNodeInfo, done: (text: string) => boolean): Promise<string> {
  return pollUntil(() => quorumTool(info, node), done);
}

const withQdeviceVote = (text: string): boolean =>
  /^Expected votes:\s+3$/m.test(text) && /^Quorate:\s+Yes$/m.test(text) && /^\s+0\s+1\s+Qdevice$/m.test(text);

describe.skipIf(!lab)(
  `quorum witness on the practice lab${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    const info = lab!;
    const twoNode = lab ? applyHarness(lab) : undefined;
    const witnessed = twoNode ? withWitness(twoNode) : undefined;
    const [nodeA, nodeB] = lab ? lab.nodes : [];

    beforeAll(async () => {
      // A fresh witness (a new CA): apply must install it and certify the nodes again.
      const stale = await runLockstep(['lab', 'witness', 'down']);
      expect(stale.code, stale.stderr).toBe(0);
      const up = await runLockstep([
        'lab',
        'up',
        '--witness',
        '--json',
        '--known-hosts',
        info.knownHostsPath,
      ]);
      expect(up.code, up.stderr).toBe(0);
      const upInfo = JSON.parse(up.stdout) as LabInfo;
      expect(upInfo.witness).toMatchObject({ hostname: 'lockstep-w', address: WITNESS });
      // The pair is what it was: the same two servers.
      expect(upInfo.nodes.map((node) => node.address)).toEqual(info.nodes.map((node) => node.address));
    }, 600_000);

    afterAll(async () => {
      // Whatever happened above: the pair goes back to two_node, then the witness goes.
      const restore = await applyOnce(twoNode!);
      const down = await runLockstep(['lab', 'witness', 'down']);
      expect(restore.code, `restoring two_node failed:\n${restore.stderr}`).toBe(0);
      expect(down.code, down.stderr).toBe(0);
      const quorum = await quorumTool(info, nodeA!);
      expect(quorum).toMatch(/^Flags:\s+2Node Quorate/m);
      expect(quorum).not.toMatch(/Qdevice/);
      const qdevice = await sshAsRoot(
        info,
        nodeA!,
        'systemctl is-enabled corosync-qdevice; systemctl is-active corosync-qdevice',
      );
      expect(qdevice.stdout.split('\n').slice(0, 2)).toEqual(['disabled', 'inactive']);
      const status = await runLockstep(['lab', 'status', '--json']);
      expect(JSON.parse(status.stdout)).toMatchObject({ state: 'running' });
      expect(JSON.parse(status.stdout)).not.toHaveProperty('witness');
    }, 900_000);

    it('the witness is a third server on the management network only, its host key pinned', async () => {
      const result = await sshAsRoot(
        info,
        witnessNode(),
        'hostname; ls /sys/class/net; ip -4 -o addr show scope global',
      );
      expect(result.code, result.stderr).toBe(0);
      const lines = result.stdout.trim().split('\n');
      expect(lines[0]).toBe('lockstep-w');
      expect(lines.slice(1, 3)).toEqual(['enp1s0', 'lo']);
      expect(lines[3]).toMatch(new RegExp(`enp1s0\\s+inet ${WITNESS.replaceAll('.', '\\.')}/24 `));
      expect(readFileSync(info.knownHostsPath, 'utf8')).toMatch(/^10\.211\.0\.13 ssh-ed25519 /m);

      const status = JSON.parse((await runLockstep(['lab', 'status', '--json'])).stdout) as {
        state: string;
        witness?: { running: boolean; sshReady: boolean };
      };
      expect(status).toMatchObject({ state: 'running', witness: { running: true, sshReady: true } });
    });

    it('validate: quorum.witness-unreachable fails while a node has no route to the witness, passes with one', async () => {
      const validate = async (): Promise<{
        code: number;
        findings: { id: string; severity: string; node?: string; message: string }[];
      }> => {
        const result = await runLockstep([
          'validate',
          '-c',
          witnessed!.site,
          '--json',
          '--known-hosts',
          info.knownHostsPath,
        ]);
        return { code: result.code, findings: (JSON.parse(result.stdout) as { findings: [] }).findings };
      };
      await labExec('a', ['ip', 'route', 'add', 'unreachable', `${WITNESS}/32`]);
      try {
        const blocked = await validate();
        expect(blocked.code).toBe(1);
        const failures = blocked.findings.filter(
          (f) => f.id === 'quorum.witness-unreachable' && f.severity === 'fail',
        );
        expect(failures).toHaveLength(1);
        expect(failures[0]).toMatchObject({ node: nodeA!.address });
        expect(failures[0]?.message).toContain(`cannot reach the witness's port 5403 (${WITNESS})`);
      } finally {
        await labExec('a', ['ip', 'route', 'del', 'unreachable', `${WITNESS}/32`]);
      }
      const open = await validate();
      const witnessFindings = open.findings.filter((f) => f.id === 'quorum.witness-unreachable');
      expect(witnessFindings).toHaveLength(1);
      expect(witnessFindings[0]).toMatchObject({ severity: 'pass' });
      expect(witnessFindings[0]?.message).toContain('root logs in over SSH with administrator rights');
    }, 180_000);

    it(
      'apply installs the witness: the quorum counts its vote and qnetd serves both nodes',
      { timeout: 1_200_000 },
      async () => {
        const result = await applyOnce(witnessed!);
        expect(result.code, result.stderr).toBe(0);
        expect(lastEvent(result.stdout)).toMatchObject({ type: 'run-finished', ok: true });
        const witnessStep = parseEvents(result.stdout).find(
          (event) => event.type === 'step-finished' && event.step === 'cluster.witness',
        );
        expect(witnessStep).toMatchObject({ outcome: 'changed' });

        const quorum = await quorumUntil(info, nodeA!, withQdeviceVote);
        expect(quorum).toMatch(/^Quorate:\s+Yes$/m);
        expect(quorum).toMatch(/^Expected votes:\s+3$/m);
        expect(quorum).toMatch(/^Total votes:\s+3$/m);
        expect(quorum).toMatch(/^Flags:\s+Quorate Qdevice/m);
        expect(quorum).toMatch(/^\s+0\s+1\s+Qdevice$/m);
        expect(parseQuorumTool(quorum).members.map((member) => member.name)).toEqual([
          'lockstep-a',
          'lockstep-b',
        ]);

        const qnetd = await sshAsRoot(info, witnessNode(), 'corosync-qnetd-tool -l');
        expect(qnetd.code, qnetd.stderr).toBe(0);
        expect(qnetd.stdout).toMatch(/^Cluster "lab":$/m);
        for (const node of info.nodes) expect(qnetd.stdout).toContain(`${node.address}:`);
        expect(qnetd.stdout.match(/^\s+Vote:\s+.*\(ACK\)$/gm)).toHaveLength(2);
      },
    );

    it('a second apply changes nothing', { timeout: 1_200_000 }, async () => {
      await applyChangesNothing(witnessed!);
    });

    it('with corosync stopped on one node, the other stays quorate through the witness', async () => {
      const stop = await sshAsRoot(info, nodeA!, 'systemctl stop pacemaker corosync');
      expect(stop.code, stop.stderr).toBe(0);
      try {
        const alone = await quorumUntil(
          info,
          nodeB!,
          (text) => /^Total votes:\s+2$/m.test(text) && /^Nodes:\s+1$/m.test(text),
        );
        expect(alone).toMatch(/^Quorate:\s+Yes$/m);
        expect(alone).toMatch(/^Expected votes:\s+3$/m);
        expect(alone).toMatch(/^\s+0\s+1\s+Qdevice$/m);
        const qnetd = await sshAsRoot(info, witnessNode(), 'corosync-qnetd-tool -l');
        expect(qnetd.stdout).toContain(`${nodeB!.address}:`);
        expect(qnetd.stdout).not.toContain(`${nodeA!.address}:`);
      } finally {
        await sshAsRoot(info, nodeA!, 'systemctl start corosync corosync-qdevice pacemaker');
      }
      const back = await quorumUntil(info, nodeA!, withQdeviceVote);
      expect(back).toMatch(/^Total votes:\s+3$/m);
    }, 240_000);
  },
);
