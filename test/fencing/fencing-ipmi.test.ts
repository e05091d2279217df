import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultBmcPasswordEnv } from '../../provisioning/api/site';
import { parseCrmMonitor, xmlAttributes, type CrmMonitor } from '../../provisioning/monitor/parse/crm-mon';
import {
  bmcSimulatorUnsupportedReason,
  startBmcSimulators,
  type BmcSimulator,
  type BmcSimulators,
} from '../helpers/bmc-sim';
import { injectedLab, runLockstep, runProcess, sshAsRoot, type LabInfo, type LabNodeInfo } from '../helpers/lab';
import {
  applyChangesNothing,
  applyHarness,
  applyOnce,
  changedSteps,
  lastEvent,
  pollUntil,
  withSite,
  type ApplyHarness,
} from '../integration/apply-support';

/**
 * IPMI fencing for real (issue #4): two simulated BMCs (OpenIPMI's ipmi_sim, see
 * test/helpers/bmc-sim.ts) on the lab's management bridge, a site file with
 * `fencing: {mode: ipmi}` and a `bmc` per node whose passwords come from the
 * environment variables the CLI reads, and `lockstep apply` as a user runs it. Pacemaker
 * then runs fence_ipmilan against the simulators: the devices start on the node that
 * does not fence itself, their monitors pass, and `stonith_admin --reboot` power-cycles
 * the simulated chassis of node b (a process on this computer: the lab's containers are
 * never powered off). Afterwards the lab goes back to `fencing: none` through apply,
 * which removes the devices, and is left quorate with no stonith resource and no fence
 * history: other tests run against it next.
 */
const { lab, skipReason: labSkipReason } = injectedLab();
const simulatorSkipReason = bmcSimulatorUnsupportedReason();
const skipReason = labSkipReason ?? simulatorSkipReason ?? null;

/** The lab harness's site file with a simulated BMC on each node, passwords through the environment. */
function withBmcs(harness: ApplyHarness, simulators: BmcSimulators): ApplyHarness {
  const bmc = (simulator: BmcSimulator): Record<string, unknown> => ({
    address: simulator.address,
    port: simulator.port,
    user: simulator.user,
    password: { env: defaultBmcPasswordEnv(simulator.node) },
  });
  return withSite(
    harness,
    'site-ipmi.yaml',
    (document) => {
      const [a, b] = document.nodes as Record<string, unknown>[];
      return {
        ...document,
        nodes: [
          { ...a, bmc: bmc(simulators.a) },
          { ...b, bmc: bmc(simulators.b) },
        ],
        fencing: { mode: 'ipmi' },
      };
    },
    {
      [defaultBmcPasswordEnv('a')]: simulators.a.password,
      [defaultBmcPasswordEnv('b')]: simulators.b.password,
    },
  );
}

async function crmMon(info: LabInfo, node: LabNodeInfo): Promise<CrmMonitor> {
  const result = await sshAsRoot(info, node, 'crm_mon -1 --output-as=xml');
  return parseCrmMonitor(result.stdout);
}

/** Polls crm_mon on a node until `done` holds (Pacemaker starts, stops and re-elects in seconds). */
function crmUntil(info: LabInfo, node: LabNodeInfo, done: (crm: CrmMonitor) => boolean): Promise<CrmMonitor> {
  return pollUntil(() => crmMon(info, node), done);
}

const stonithResources = (crm: CrmMonitor) => crm.resources.filter((r) => r.agent.startsWith('stonith:'));
const bothOnline = (crm: CrmMonitor): boolean =>
  crm.connected && crm.nodes.length === 2 && crm.nodes.every((node) => node.online);

/** `fence_ipmilan -o status` on a lab node as Pacemaker calls it: options (password included) on stdin. */
async function fenceAgentStatus(
  info: LabInfo,
  node: LabNodeInfo,
  simulator: BmcSimulator,
): Promise<{ code: number; output: string; elapsedMs: number }> {
  const stdin = [
    `ip=${simulator.address}`,
    `ipport=${simulator.port}`,
    `username=${simulator.user}`,
    `password=${simulator.password}`,
    'lanplus=1',
    'action=status',
    '',
  ].join('\n');
  const result = await sshAsRoot(info, node, 'fence_ipmilan', stdin);
  return { code: result.code, output: result.stdout, elapsedMs: result.elapsedMs };
}

/** Every file under a directory, with its text (the apply's journals). */
function filesUnder(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (path: string): void => {
    for (const name of readdirSync(path)) {
      const child = join(path, name);
      if (statSync(child).isDirectory()) walk(child);
      else files.set(child, readFileSync(child, 'utf8'));
    }
  };
  walk(dir);
  return files;
}

describe.skipIf(skipReason !== null)(
  `IPMI fencing against simulated BMCs on the practice lab${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    const info = lab!;
    const [nodeA, nodeB] = lab ? lab.nodes : [];
    const none = lab ? applyHarness(lab) : undefined;
    let simulators: BmcSimulators | undefined;
    let ipmi: ApplyHarness | undefined;
    /** Command lines seen on this computer and on both servers while apply ran. */
    const processSnapshots: string[] = [];

    beforeAll(async () => {
      simulators = await startBmcSimulators();
      ipmi = withBmcs(none!, simulators);
    });

    afterAll(async () => {
      // Whatever happened above: node b back in the cluster, the lab's own site applied
      // (fencing: none), and nothing of the fencing left in the CIB.
      await sshAsRoot(
        info,
        nodeB!,
        'systemctl is-active --quiet pacemaker || { systemctl reset-failed corosync pacemaker; systemctl start corosync pacemaker; }',
      );
      const online = await crmUntil(info, nodeA!, bothOnline);
      const restore = await applyOnce(none!);
      const leftovers = stonithResources(await crmMon(info, nodeA!)).map((r) => r.id);
      if (leftovers.length > 0) {
        // The recipe removes its devices when fencing goes back to none; this only runs
        // when a test above failed before that, so that the next tests find a clean lab.
        await sshAsRoot(
          info,
          nodeA!,
          leftovers
            .flatMap((id) => [
              `cibadmin --delete --scope constraints --xml-text '<rsc_location id="${id}-avoid"/>'`,
              `cibadmin --delete --scope resources --xml-text '<primitive id="${id}"/>'`,
            ])
            .join('; '),
        );
      }
      await sshAsRoot(info, nodeA!, "stonith_admin --cleanup --history '*'; crm_resource --cleanup");
      await simulators?.close();
      expect(online.nodes.map((node) => [node.name, node.online])).toEqual([
        [nodeA!.hostname, true],
        [nodeB!.hostname, true],
      ]);
      expect(restore.code, `restoring fencing: none failed:\n${restore.stderr}`).toBe(0);
      expect(leftovers, 'stonith resources left after apply with fencing: none').toEqual([]);
      const crm = await crmUntil(info, nodeA!, (c) => bothOnline(c) && stonithResources(c).length === 0);
      expect(crm).toMatchObject({ connected: true, quorum: true, stonithEnabled: false, fenceHistory: [] });
      expect(stonithResources(crm)).toEqual([]);
    }, 600_000);

    it(
      'apply configures fence_ipmilan for both nodes: each device on the node it does not fence, stonith enabled',
      { timeout: 900_000 },
      async () => {
        const passwords = [simulators!.a.password, simulators!.b.password];
        let applying = true;
        const sample = async (): Promise<void> => {
          while (applying) {
            processSnapshots.push((await runProcess('ps', ['-eo', 'args'])).stdout);
            for (const node of [nodeA!, nodeB!]) processSnapshots.push((await sshAsRoot(info, node, 'ps -eo args')).stdout);
          }
        };
        const sampling = sample();
        const result = await applyOnce(ipmi!).finally(() => (applying = false));
        await sampling;
        expect(result.code, result.stderr).toBe(0);
        expect(lastEvent(result.stdout)).toMatchObject({ type: 'run-finished', ok: true });
        expect(changedSteps(result.stdout).join('\n')).toMatch(
          /^fencing\.ipmi on pair: store the BMC password of lockstep-a in \/etc\/lockstep\/fence\/lockstep-fence-a\.password on both servers \(root only\); create the fence_ipmilan device lockstep-fence-a for lockstep-a \(BMC 10\.211\.0\.1:6230, user admin\); keep lockstep-fence-a off lockstep-a; store the BMC password of lockstep-b in \/etc\/lockstep\/fence\/lockstep-fence-b\.password on both servers \(root only\); create the fence_ipmilan device lockstep-fence-b for lockstep-b \(BMC 10\.211\.0\.1:6231, user admin\); keep lockstep-fence-b off lockstep-b$/m,
        );

        const crm = await crmUntil(info, nodeA!, (c) =>
          stonithResources(c).filter((r) => r.active && !r.failed).length === 2,
        );
        expect(crm.stonithEnabled).toBe(true);
        expect(
          stonithResources(crm).map((r) => ({ id: r.id, agent: r.agent, role: r.role, nodes: r.nodes, failed: r.failed })),
        ).toEqual([
          { id: 'lockstep-fence-a', agent: 'stonith:fence_ipmilan', role: 'Started', nodes: [nodeB!.hostname], failed: false },
          { id: 'lockstep-fence-b', agent: 'stonith:fence_ipmilan', role: 'Started', nodes: [nodeA!.hostname], failed: false },
        ]);
        const property = await sshAsRoot(
          info,
          nodeA!,
          'crm_attribute --type crm_config --name stonith-enabled --query --quiet',
        );
        expect(property.stdout.trim()).toBe('true');

        // The password went to the CIB on stdin only: not in apply's output, its
        // journal, nor any command line on this computer or the servers while it ran.
        expect(processSnapshots.length).toBeGreaterThan(2);
        const journals = filesUnder(ipmi!.stateDir);
        expect([...journals.keys()].some((path) => path.includes(`${join('runs', 'lab')}`))).toBe(true);
        // The CIB (readable by the haclient group, copied into crm_report) names the
        // password files; the passwords are only in them, root-only, on both servers.
        const cib = await sshAsRoot(info, nodeA!, 'cibadmin --query');
        expect(cib.stdout).toContain('cat /etc/lockstep/fence/lockstep-fence-b.password');
        for (const node of [nodeA!, nodeB!]) {
          const files = await sshAsRoot(info, node, 'stat -c "%a %U %n" /etc/lockstep/fence/*.password');
          expect(files.stdout.trim().split('\n')).toEqual([
            '600 root /etc/lockstep/fence/lockstep-fence-a.password',
            '600 root /etc/lockstep/fence/lockstep-fence-b.password',
          ]);
          const logs = await sshAsRoot(info, node, 'cat /var/log/pacemaker/pacemaker.log 2>/dev/null; journalctl -q --no-pager -u pacemaker 2>/dev/null');
          for (const password of passwords) expect(logs.stdout, `pacemaker logs on ${node.hostname}`).not.toContain(password);
        }
        for (const password of passwords) {
          expect(cib.stdout).not.toContain(password);
          expect(result.stdout).not.toContain(password);
          expect(result.stderr).not.toContain(password);
          for (const [path, text] of journals) expect(text, path).not.toContain(password);
          for (const snapshot of processSnapshots) expect(snapshot).not.toContain(password);
        }
      },
    );

    it('the fence agents reach both BMCs: monitors pass, fence_ipmilan status answers ON', { timeout: 180_000 }, async () => {
      // The first recurring monitor (60 s) runs when the device starts: its result is in the CIB's status.
      const monitorOp = (status: string, node: string): Map<string, string> | undefined => {
        const tag = new RegExp(`<lrm_rsc_op\\b[^>]*\\bid="lockstep-fence-${node}_monitor_60000"[^>]*>`).exec(status)?.[0];
        return tag ? xmlAttributes(tag) : undefined;
      };
      const deadline = Date.now() + 90_000;
      let status = '';
      while (Date.now() < deadline) {
        status = (await sshAsRoot(info, nodeA!, 'cibadmin --query --scope status')).stdout;
        if (['a', 'b'].every((node) => monitorOp(status, node)?.get('rc-code') === '0')) break;
        await new Promise((resolve) => setTimeout(resolve, 3000));
      }
      for (const node of ['a', 'b'])
        expect(Object.fromEntries(monitorOp(status, node) ?? []), `monitor of lockstep-fence-${node}`).toMatchObject({
          operation: 'monitor',
          interval: '60000',
          'op-status': '0',
          'rc-code': '0',
        });
      const failures = await sshAsRoot(info, nodeA!, 'crm_mon -1 -f');
      expect(failures.stdout).toContain('Migration Summary:');
      expect(failures.stdout).not.toMatch(/fail-count|Failed Resource Actions|Failed Fencing Actions/i);
      expect((await crmMon(info, nodeA!)).resources.every((r) => !r.failed)).toBe(true);

      // What each device's host runs, by hand: b's agent runs on a and the other way round.
      for (const [node, simulator] of [
        [nodeA!, simulators!.b],
        [nodeB!, simulators!.a],
      ] as const) {
        const status = await fenceAgentStatus(info, node, simulator);
        expect(status.code, status.output).toBe(0);
        expect(status.output.trim()).toBe('Status: ON');
        // ipmitool finds the cipher suite at once (no 14 s fallback): well inside Pacemaker's timeouts.
        expect(status.elapsedMs).toBeLessThan(10_000);
      }
      const wrong = await fenceAgentStatus(info, nodeA!, { ...simulators!.b, password: 'not-the-password' });
      expect(wrong.code).not.toBe(0);
    });

    it('validate logs into each BMC from the other node: pass with the passwords, fail with a wrong one', { timeout: 300_000 }, async () => {
      type Report = { findings: { id: string; severity: string; node?: string; message: string }[] };
      const validate = async (env: NodeJS.ProcessEnv) => {
        const result = await runLockstep(
          ['validate', '-c', ipmi!.site, '--json', '--known-hosts', info.knownHostsPath],
          { env },
        );
        for (const password of [simulators!.a.password, simulators!.b.password])
          expect(`${result.stdout}${result.stderr}`).not.toContain(password);
        const report = JSON.parse(result.stdout) as Report;
        return { code: result.code, bmc: report.findings.filter((f) => f.id === 'fence.bmc-unreachable') };
      };
      const right = await validate(ipmi!.env);
      expect(right.bmc.map((f) => [f.severity, f.node])).toEqual([
        ['pass', nodeA!.address],
        ['pass', nodeB!.address],
      ]);
      expect(right.bmc[0]?.message).toBe(
        `BMC 10.211.0.1 answers: fence_ipmilan on ${nodeB!.address} logged in as admin (lanplus) and read the power state: on.`,
      );
      const wrong = await validate({ ...ipmi!.env, [defaultBmcPasswordEnv('b')]: 'not-the-password' });
      expect(wrong.bmc.map((f) => [f.severity, f.node])).toEqual([
        ['pass', nodeA!.address],
        ['fail', nodeB!.address],
      ]);
      expect(wrong.bmc[1]?.message).toContain(`fence_ipmilan on ${nodeA!.address} could not log in as admin`);
    });

    it('a second apply changes nothing', { timeout: 600_000 }, async () => {
      const fencing = (await applyChangesNothing(ipmi!)).find(
        (event) => event.type === 'step-finished' && event.step === 'fencing.ipmi',
      );
      expect(fencing).toMatchObject({ outcome: 'noop', reason: 'both fence_ipmilan devices are configured as planned, their passwords in root-only files' });
    });

    it(
      'stonith_admin --reboot lockstep-b on node a power-cycles b’s BMC; status shows the fence',
      { timeout: 300_000 },
      async () => {
        const before = { a: simulators!.a.powerEvents().length, b: simulators!.b.powerEvents().length };
        const serverBefore = simulators!.b.serverPid();
        expect(simulators!.b.power()).toBe('on');
        const started = Date.now();
        const fence = await sshAsRoot(info, nodeA!, `stonith_admin --reboot ${nodeB!.hostname} --timeout 120`);
        try {
          expect(fence.code, `${fence.stdout}${fence.stderr}`).toBe(0);
          const events = simulators!.b.powerEvents().slice(before.b);
          expect(events.map((event) => event.on)).toEqual([false, true]);
          expect(events.every((event) => event.at >= started - 1000)).toBe(true);
          expect(simulators!.b.power()).toBe('on');
          expect(simulators!.b.serverPid()).not.toBe(serverBefore);
          // Only b's chassis moved.
          expect(simulators!.a.powerEvents()).toHaveLength(before.a);

          const history = await sshAsRoot(info, nodeA!, `stonith_admin --history ${nodeB!.hostname}`);
          expect(history.stdout).toMatch(new RegExp(`reboot of ${nodeB!.hostname} successful: delegate=${nodeA!.hostname}`));
          // b was told it was fenced while it still ran (a simulated chassis has no power
          // to cut): Pacemaker there stops itself, as it does after a real fence that failed to.
          const alone = await crmUntil(info, nodeA!, (c) => c.nodes.some((node) => !node.online));
          expect(alone.nodes.find((node) => node.name === nodeB!.hostname)?.online).toBe(false);
        } finally {
          await sshAsRoot(
            info,
            nodeB!,
            'systemctl reset-failed corosync pacemaker; systemctl start corosync pacemaker',
          );
        }
        const back = await crmUntil(info, nodeA!, bothOnline);
        expect(bothOnline(back)).toBe(true);

        const status = await runLockstep(
          ['--json', 'status', '-c', ipmi!.site, '--known-hosts', info.knownHostsPath],
          { env: ipmi!.env },
        );
        const state = (
          JSON.parse(status.stdout) as {
            state: { fencing: { configured: boolean; acknowledgedNone: boolean; history: unknown[] }; reasons: { code: string }[] };
          }
        ).state;
        expect(state.fencing).toMatchObject({ configured: true, acknowledgedNone: false });
        expect(state.fencing.history).toContainEqual(
          expect.objectContaining({ target: nodeB!.hostname, action: 'reboot', status: 'success' }),
        );
        expect(state.reasons.map((reason) => reason.code)).not.toContain('fence.none');
      },
    );

    it('back to fencing: none, apply removes both devices and disables stonith', { timeout: 600_000 }, async () => {
      const result = await applyOnce(none!);
      expect(result.code, result.stderr).toBe(0);
      expect(changedSteps(result.stdout)).toEqual([
        'fencing.ipmi on pair: remove the fence device lockstep-fence-a (the site has fencing: none); remove the BMC password file /etc/lockstep/fence/lockstep-fence-a.password from node a and node b; remove the fence device lockstep-fence-b (the site has fencing: none); remove the BMC password file /etc/lockstep/fence/lockstep-fence-b.password from node a and node b',
        'fencing.policy on pair: set the cluster property stonith-enabled=false',
      ]);
      const crm = await crmUntil(info, nodeA!, (c) => stonithResources(c).length === 0);
      expect(stonithResources(crm)).toEqual([]);
      expect(crm.stonithEnabled).toBe(false);
      const cib = await sshAsRoot(info, nodeA!, 'cibadmin --query --scope configuration');
      expect(cib.stdout).not.toContain('lockstep-fence-');
      for (const password of [simulators!.a.password, simulators!.b.password]) expect(cib.stdout).not.toContain(password);
      for (const node of [nodeA!, nodeB!])
        expect((await sshAsRoot(info, node, 'ls /etc/lockstep/fence/')).stdout.trim(), `password files left on ${node.hostname}`).toBe('');
    });
  },
);
