import type { NodeStepContext, PairStep } from '../engine/types';
import { libvirtUnit } from './hypervisor';
import { parseCrmMon, parseQuorumTool } from './parse/cluster';
import { notVerified, read } from './support/run';

/**
 * The final check (flow step 11): the cluster is quorate with both members, Pacemaker
 * sees both nodes online, the hypervisor runs, and DRBD is ready where it can run.
 * Its inspect always finds something to prove, so it never reads as "already done"
 * without having looked.
 */

/** The problems found on one node (pure parts fed by captured outputs); `witness`: the site has a quorum witness. */
export function clusterProblems(quorumOutput: string, crmOutput: string | null, hostnames: readonly string[], witness = false): string[] {
  const problems: string[] = [];
  const quorum = parseQuorumTool(quorumOutput);
  if (!quorum.quorate) problems.push('the cluster is not quorate');
  if (quorum.members.length !== 2) problems.push(`corosync sees ${quorum.members.length} member(s), not 2`);
  if (witness && !quorum.qdevice?.votes) problems.push('corosync counts no vote from the quorum witness (corosync-qdevice is not connected to it)');
  if (crmOutput === null) problems.push('Pacemaker does not answer');
  else {
    const crm = parseCrmMon(crmOutput);
    for (const name of hostnames) {
      const node = crm.nodes.find((entry) => entry.name === name);
      if (!node?.online) problems.push(`Pacemaker does not see ${name} online`);
    }
  }
  return problems;
}

async function nodeProblems(context: NodeStepContext, hostnames: readonly string[], kvm: boolean, storage: boolean): Promise<string[]> {
  const quorum = await read(context, 'corosync-quorumtool -s');
  const crm = await read(context, 'crm_mon -1 --output-as=xml');
  const problems = clusterProblems(quorum.stdout, crm.code === 0 ? crm.stdout : null, hostnames, context.site.quorum !== 'two_node');
  for (const unit of ['corosync', 'pacemaker']) {
    if ((await read(context, `systemctl is-active ${unit}`)).stdout.trim() !== 'active') problems.push(`${unit} is not running`);
  }
  if (kvm) {
    const unit = libvirtUnit((await read(context, 'systemctl list-unit-files --no-legend libvirtd.service virtqemud.service')).stdout);
    if ((await read(context, `systemctl is-active ${unit}`)).stdout.trim() !== 'active') problems.push(`${unit} is not running`);
  } else if ((await read(context, 'xl info')).code !== 0) problems.push('xl does not answer (not running as Xen dom0?)');
  if (storage) {
    if ((await read(context, 'test -e /proc/drbd')).code !== 0) problems.push('the DRBD module is not loaded');
    if ((await read(context, 'drbdadm dump all')).code !== 0) problems.push('drbdadm rejects the configuration');
  }
  return problems;
}

/** `verify.pair` (pair). */
export const verifyStep: PairStep = {
  id: 'verify.pair',
  title: 'Verify the pair',
  group: 'verify',
  scope: 'pair',
  applicable: () => true,
  async inspect() {
    return { kind: 'noop', reason: 'nothing to change here: the checks (quorum with 2 members, Pacemaker, hypervisor, DRBD) run in verify' };
  },
  async apply() {
    // Nothing to change: verify does the work.
  },
  async verify(context) {
    const hostnames = [context.pair.hostnames.a, context.pair.hostnames.b];
    const deadline = Date.now() + 90_000;
    for (;;) {
      const results = await Promise.all(context.nodes.map((node) => nodeProblems(node, hostnames, context.site.hypervisor === 'kvm', context.pair.storageAvailable)));
      const failing = results.map((problems, index) => ({ problems, node: context.nodes[index] })).filter((entry) => entry.problems.length > 0);
      if (failing.length === 0) return;
      if (Date.now() > deadline) {
        const first = failing[0];
        throw notVerified(first?.node?.label ?? 'the pair', failing.map((entry) => `${entry.node?.label}: ${entry.problems.join('; ')}`).join(' — '), 'Run `corosync-quorumtool -s` and `crm_mon -1` on both nodes; a private link or management address that does not reach the other node is the usual cause.');
      }
      await new Promise((resolve) => setTimeout(resolve, 3000));
    }
  },
};
