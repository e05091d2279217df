import { LockstepError } from '../api/errors';
import { reachableNodes, type ActionContext, type ActionNode } from '../engine/action';
import { read } from '../engine/run-command';
import { parseCrmMonitor, type CrmMonitor } from '../monitor/parse/crm-mon';
import { parseVirshList, type VirshDomain } from '../monitor/parse/virsh';

/**
 * What the actions decide from: Pacemaker's view of the cluster (`crm_mon` XML, the
 * console's own parser), read from the first node whose Pacemaker answers, and the
 * libvirt domains each node has defined.
 */
export interface ClusterView {
  readonly crm: CrmMonitor;
  /** The node that answered: actions change the CIB through it. */
  readonly via: ActionNode;
}

/** Pacemaker's view from the first reachable node where it answers; throws when none does. */
export async function readCluster(context: ActionContext): Promise<ClusterView> {
  const problems: string[] = [];
  for (const node of reachableNodes(context)) {
    const result = await read(node, 'crm_mon -1 --output-as=xml', { timeoutMs: 30_000 });
    const crm = parseCrmMonitor(result.stdout);
    if (crm.connected) return { crm, via: node };
    problems.push(`${node.label}: ${crm.statusMessage ?? (result.stderr.trim() || `crm_mon exited with ${result.code}`)}`);
  }
  throw new LockstepError({
    code: 'command.failed',
    message: `Pacemaker does not answer on any reachable node (${problems.join('; ') || 'no node reachable'}).`,
    remedy: 'Look at `lockstep status -c site.yaml`; start the cluster (`systemctl start corosync pacemaker`) on a node, then try again.',
  });
}

/** The cluster name of a node as the user named it: `a`/`b`, its site address, or its name. */
export async function clusterNodeName(context: ActionContext, crm: CrmMonitor, ref: string): Promise<string> {
  const index = ref === 'a' ? 0 : ref === 'b' ? 1 : context.site.nodes.findIndex((node) => node.address === ref);
  if (index === 0 || index === 1) {
    const configured = context.site.nodes[index].name;
    if (configured !== 'auto') return configured;
    const node = context.nodes[index];
    if (node) {
      const hostname = (await read(node, 'uname -n', { sudo: false, timeoutMs: 15_000 })).stdout.trim();
      if (hostname) return hostname;
    }
  }
  if (crm.nodes.some((node) => node.name === ref)) return ref;
  throw new LockstepError({
    code: 'usage',
    field: 'node',
    message: `"${ref}" is not a node of this cluster (its nodes: ${crm.nodes.map((node) => node.name).join(', ') || 'none'}).`,
    remedy: 'Name a node by its cluster name, its address in the site file, or a / b.',
  });
}

/** The libvirt domains defined on each reachable node (empty where virsh is missing). */
export async function readDomains(context: ActionContext): Promise<{ node: ActionNode; domains: VirshDomain[] }[]> {
  return Promise.all(
    reachableNodes(context).map(async (node) => {
      const result = await read(node, 'command -v virsh >/dev/null || exit 0; virsh -q -c qemu:///system list --all', { timeoutMs: 30_000 });
      return { node, domains: result.code === 0 ? parseVirshList(result.stdout) : [] };
    }),
  );
}

/** Polls the cluster until `holds` says so (returns its text null) or the time is up (throws with its last word). */
export async function waitForCluster(
  context: ActionContext,
  holds: (crm: CrmMonitor) => string | null,
  options: { timeoutMs: number; what: string; fix: string },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let last = '';
  for (;;) {
    context.signal.throwIfAborted();
    const { crm } = await readCluster(context);
    const problem = holds(crm);
    if (problem === null) return;
    if (problem !== last) context.log(`waiting: ${problem}`);
    last = problem;
    if (Date.now() > deadline)
      throw new LockstepError({
        code: 'command.failed',
        message: `${options.what} did not happen within ${Math.round(options.timeoutMs / 1000)} s: ${problem}.`,
        remedy: options.fix,
      });
    await new Promise((resolve) => setTimeout(resolve, 1500));
  }
}
