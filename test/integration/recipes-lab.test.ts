import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LockstepError } from '../../provisioning/api/errors';
import type { Inventory } from '../../provisioning/api/inventory';
import type { NodeKey, ResolvedSite } from '../../provisioning/api/site';
import type {
  Decision,
  NodeStepContext,
  PairFacts,
  PairStepContext,
  Step,
} from '../../provisioning/engine/types';
import { labExec } from '../../provisioning/lab';
import { recipeSteps, type RecipeOptions } from '../../provisioning/recipes';
import { applyWithRollback } from '../../provisioning/recipes/network/rollback';
import { connect } from '../../provisioning/ssh/connect';
import type { Transport } from '../../provisioning/ssh/types';
import { injectedLab, type LabInfo } from '../helpers/lab';
import { LAB_BUNDLE_DIR } from '../../provisioning/lab/site-file';

/**
 * The recipes against the practice lab, called directly through a small harness
 * (inspect → apply → verify per step, node steps on both nodes in parallel), the way the
 * engine will: packages from the offline bundle (uploaded over SFTP: the containers have
 * no internet), libvirtd, a business bridge, the private link, a two-node Corosync/
 * Pacemaker cluster; then a second run that must change nothing; then a network change
 * that cuts the management address and must roll itself back.
 *
 * The bundle is built once on this machine (LOCKSTEP_TEST_BUNDLE, default
 * the lab's own LAB_BUNDLE_DIR, built by the integration setup) with `lockstep bundle build`; bundle.test.ts covers the build.
 */
const { lab, skipReason } = injectedLab();
const BUNDLE = process.env.LOCKSTEP_TEST_BUNDLE ?? LAB_BUNDLE_DIR;

function siteFor(): ResolvedSite {
  return {
    name: 'lab',
    nodes: [
      { address: '10.211.0.11', port: 22, name: 'lockstep-a', bmc: null },
      { address: '10.211.0.12', port: 22, name: 'lockstep-b', bmc: null },
    ],
    ssh: { user: 'root', identityFile: lab?.identityFile ?? null, port: 22 },
    hypervisor: 'kvm',
    network: {
      management: { a: 'enp1s0', b: 'enp1s0' },
      private: { a: 'enp3s0', b: 'enp2s0', subnet: '10.99.0.0/30', mtu: 9000 },
      business: [{ bridge: 'br-biz', a: 'enp2s0', b: 'enp3s0' }],
    },
    storage: { disks: { a: [], b: [] }, wipe: [], volumeGroup: 'lockstep' },
    quorum: 'two_node',
    fencing: { mode: 'none', acknowledgeNoFencing: true },
    packages: { source: 'bundle', bundle: BUNDLE },
    availability: { default: 'ha' },
  };
}

const FULL_PAIR: PairFacts = {
  pairName: 'lab',
  hostnames: { a: 'lockstep-a', b: 'lockstep-b' },
  management: { a: { nic: 'enp1s0', address: '10.211.0.11' }, b: { nic: 'enp1s0', address: '10.211.0.12' } },
  privateLink: {
    a: { nic: 'enp3s0', address: '10.99.0.1' },
    b: { nic: 'enp2s0', address: '10.99.0.2' },
    prefixLength: 30,
    mtu: 9000,
  },
  business: [{ bridge: 'br-biz', a: 'enp2s0', b: 'enp3s0' }],
  disks: { a: [], b: [] },
  storageAvailable: false,
};

/**
 * The lab containers may lack CAP_NET_ADMIN (systemd-nspawn grants it only when asked):
 * then nothing inside them can add a bridge or an address, so the network steps and the
 * rollback test cannot run, and the cluster runs on the management link alone.
 */
let PAIR: PairFacts = FULL_PAIR;
let netAdminMissing: string | undefined;

function open(info: LabInfo, node: NodeKey): Promise<Transport> {
  const address = node === 'a' ? '10.211.0.11' : '10.211.0.12';
  return connect(
    {
      endpoint: { host: address, port: 22 },
      login: { user: 'root', identityFile: info.identityFile, agent: false },
      knownHostsPath: info.knownHostsPath,
    },
    {
      label: address,
      readyTimeoutMs: 8000,
      reconnect: { retries: 2, minTimeoutMs: 500, maxTimeoutMs: 2000 },
    },
  );
}

interface Outcome {
  readonly id: string;
  readonly node: string;
  readonly decision: Decision;
}

/** Runs every applicable step: inspect, apply when it says change, verify. Returns the decisions. */
async function runSteps(
  steps: readonly Step[],
  site: ResolvedSite,
  nodes: readonly [NodeStepContext, NodeStepContext],
  log: string[],
): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  const signal = new AbortController().signal;
  const pairContext: PairStepContext = {
    site,
    nodes,
    pair: PAIR,
    signal,
    log: (line) => log.push(`pair: ${line}`),
  };
  for (const step of steps) {
    if (!step.applicable(site, PAIR)) continue;
    if (step.scope === 'node') {
      await Promise.all(
        nodes.map(async (context) => {
          const decision = await step.inspect(context);
          outcomes.push({ id: step.id, node: context.node, decision });
          if (decision.kind === 'change') await step.apply(context, decision);
          await step.verify(context);
        }),
      );
    } else {
      const decision = await step.inspect(pairContext);
      outcomes.push({ id: step.id, node: 'pair', decision });
      if (decision.kind === 'change') await step.apply(pairContext, decision);
      await step.verify(pairContext);
    }
  }
  return outcomes;
}

describe.skipIf(lab === null)(
  `recipes on the practice lab${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    const info = lab as LabInfo;
    const log: string[] = [];
    let transports: [Transport, Transport];
    let nodes: [NodeStepContext, NodeStepContext];
    const fresh: Transport[] = [];
    const options: RecipeOptions = {
      freshConnection: async (node) => {
        const transport = await open(info, node);
        fresh.push(transport);
        return transport;
      },
      rollbackSeconds: 30,
    };
    const site = siteFor();

    beforeAll(async () => {
      transports = [await open(info, 'a'), await open(info, 'b')];
      const probe = await transports[0].exec(
        'ip link add lsk-capprobe type bridge && ip link del lsk-capprobe',
      );
      if (probe.code !== 0) {
        netAdminMissing = `the lab containers cannot change their network (${probe.stderr.trim()}): systemd-nspawn runs them without CAP_NET_ADMIN`;
        PAIR = { ...FULL_PAIR, privateLink: null, business: [] };
        process.stderr.write(
          `[recipes] ${netAdminMissing}; network steps and the rollback test are skipped\n`,
        );
      }
      const context = (node: NodeKey, transport: Transport): NodeStepContext => ({
        site,
        node,
        label: transport.label,
        transport,
        inventory: {} as Inventory,
        get pair() {
          return PAIR;
        },
        signal: new AbortController().signal,
        log: (line) => log.push(`${node}: ${line}`),
      });
      nodes = [context('a', transports[0]), context('b', transports[1])];
    });

    afterAll(async () => {
      await Promise.all(
        [...transports, ...fresh].map((transport) => transport.close().catch(() => undefined)),
      );
      if (process.env.LOCKSTEP_TEST_LOG) process.stderr.write(`${log.join('\n')}\n`);
    });

    it(
      'installs and configures the pair: packages from the bundle, libvirtd, bridge, private link, quorate cluster',
      { timeout: 900_000 },
      async () => {
        const first = await runSteps(recipeSteps(options), site, nodes, log);
        process.stderr.write(
          `[recipes] first run:\n${first.map((o) => `  ${o.id} ${o.node}: ${o.decision.kind === 'noop' ? `noop (${o.decision.reason})` : o.decision.changes.map((c) => c.summary).join('; ')}`).join('\n')}\n`,
        );
        // What a user would see on the servers:
        const quorum = await transports[0].exec('corosync-quorumtool -s');
        expect(quorum.stdout).toMatch(/Quorate:\s+Yes/);
        expect(quorum.stdout).toMatch(/Nodes:\s+2/);
        if (!netAdminMissing) {
          const ping = await transports[0].exec('ping -c1 -W2 -M do -s 8972 10.99.0.2');
          expect(ping.code, ping.stdout + ping.stderr).toBe(0);
          expect((await transports[1].exec('ip -br link show master br-biz')).stdout).toContain('enp3s0');
        }
        expect((await transports[1].exec('systemctl is-active libvirtd')).stdout.trim()).toBe('active');
        expect((await transports[0].exec('head -n 2 /etc/corosync/corosync.conf')).stdout).toContain(
          '# lockstep-pair: lab',
        );
        const key = await transports[1].exec('stat -c %a /etc/corosync/authkey');
        expect(key.stdout.trim()).toBe('400');
        expect(log.join('\n')).not.toMatch(/authkey.*base64|[A-Za-z0-9+/]{200,}/);
      },
    );

    it('a second run changes nothing', { timeout: 600_000 }, async () => {
      const second = await runSteps(recipeSteps(options), site, nodes, log);
      const changed = second.filter((outcome) => outcome.decision.kind === 'change');
      expect(
        changed.map(
          (o) =>
            `${o.id} ${o.node}: ${o.decision.kind === 'change' ? o.decision.changes.map((c) => c.summary).join('; ') : ''}`,
        ),
      ).toEqual([]);
      expect(second.length).toBeGreaterThan(10);
    });

    it(
      'a network change that cuts the management address rolls itself back',
      { timeout: 180_000 },
      async (test) => {
        if (netAdminMissing) test.skip(netAdminMissing);
        const context = { ...nodes[1], transport: await open(info, 'b') };
        const started = Date.now();
        try {
          const error = await applyWithRollback(
            context,
            { ...options, rollbackSeconds: 20 },
            {
              files: [],
              commands: ['ip addr flush dev enp1s0 scope global'],
              devices: ['enp1s0'],
            },
          ).then(
            () => undefined,
            (caught: unknown) => caught,
          );
          expect(error).toBeInstanceOf(LockstepError);
          expect((error as LockstepError).message).toMatch(/no new SSH connection .* could be made/);
          // The server restores itself when the window ends: SSH answers again.
          let back: Transport | undefined;
          while (!back && Date.now() - started < 120_000) {
            back = await open(info, 'b').catch(() => undefined);
            if (!back) await new Promise((resolve) => setTimeout(resolve, 3000));
          }
          expect(back).toBeDefined();
          const addresses = await back!.exec('ip -br addr show enp1s0');
          expect(addresses.stdout).toContain('10.211.0.12/24');
          // SSH answers as soon as the address is back; the rollback's own marker is its last line.
          let rolled = 0;
          for (let attempt = 0; attempt < 20 && rolled === 0; attempt += 1) {
            rolled = Number(
              (await back!.exec('ls /var/lib/lockstep/network/ | grep -c rolled-back')).stdout.trim(),
            );
            if (rolled === 0) await new Promise((resolve) => setTimeout(resolve, 500));
          }
          expect(rolled).toBeGreaterThan(0);
          await back!.close();
        } finally {
          await context.transport.close().catch(() => undefined);
          // Never leave the shared lab cut off, whatever happened above.
          await labExec('b', ['ip', 'addr', 'replace', '10.211.0.12/24', 'dev', 'enp1s0'], {
            allowFailure: true,
          });
        }
      },
    );
  },
);
