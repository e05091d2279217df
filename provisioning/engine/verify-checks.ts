import type { PairState } from '../api/monitor';
import type { ResolvedSite } from '../api/site';
import type { ServiceState, VerifyCheck, VerifyNode, VerifyResult } from '../api/verify';
import type { NodeSample } from '../monitor/collect';
import { libvirtUnit } from '../recipes/hypervisor';

/**
 * The proof after an install (flow step 11), as pure functions of what the console's
 * collector read (`monitor/collect`), the pair state built from it (`monitor/model`)
 * and the services systemd reports: the same rules as the install's own `verify.pair`
 * step (quorate, two members, Pacemaker sees both, hypervisor and cluster services
 * running, DRBD ready), said line by line for people.
 */

/** One server as read for Verify. */
export interface VerifiedNode {
  readonly key: 'a' | 'b';
  readonly address: string;
  readonly sample: NodeSample;
  readonly services: readonly ServiceState[];
}

/** The site fields Verify judges by. */
export type VerifySite = Pick<ResolvedSite, 'name' | 'hypervisor' | 'fencing'>;

/** The marker between the sections of `servicesScript`. */
export const SERVICES_MARKER = '--- lockstep-services';

const CLUSTER_UNITS = ['corosync.service', 'pacemaker.service'] as const;
const LIBVIRT_UNITS = ['libvirtd.service', 'virtqemud.service'] as const;

/** One read-only exec: which libvirt unit exists, what systemd says of each unit, whether xl answers. */
export function servicesScript(): string {
  return [
    `systemctl list-unit-files --no-legend ${LIBVIRT_UNITS.join(' ')} 2>/dev/null`,
    `echo '${SERVICES_MARKER}'`,
    `systemctl is-active ${[...CLUSTER_UNITS, ...LIBVIRT_UNITS].join(' ')} 2>/dev/null`,
    `echo '${SERVICES_MARKER}'`,
    'command -v xl >/dev/null 2>&1 && xl info >/dev/null 2>&1 && echo xen-answers',
    'true',
  ].join('\n');
}

/** Reads `servicesScript`'s output: corosync, pacemaker and the hypervisor, each with its state. */
export function parseServices(stdout: string, hypervisor: 'kvm' | 'xen'): ServiceState[] {
  const [files = '', active = '', xen = ''] = stdout.split(`${SERVICES_MARKER}\n`);
  const states = active.split('\n').map((line) => line.trim());
  const stateOf = (unit: string): string => {
    const index = [...CLUSTER_UNITS, ...LIBVIRT_UNITS].indexOf(unit as (typeof CLUSTER_UNITS)[number]);
    return states[index] || 'unknown';
  };
  const services: ServiceState[] = CLUSTER_UNITS.map((unit) => ({
    name: unit.replace('.service', ''),
    unit,
    state: stateOf(unit),
  }));
  if (hypervisor === 'kvm') {
    const unit = libvirtUnit(files);
    services.push({ name: unit.replace('.service', ''), unit, state: stateOf(unit) });
  } else {
    services.push({ name: 'xen', unit: 'xl info', state: xen.includes('xen-answers') ? 'active' : 'not answering' });
  }
  return services;
}

const labelOf = (node: VerifiedNode): string => node.sample.hostname ?? node.address;

/** Every line of the proof and the verdict. */
export function verifyResult(
  site: VerifySite,
  nodes: readonly [VerifiedNode, VerifiedNode],
  state: PairState,
): VerifyResult {
  const checks = [
    quorumCheck(nodes),
    pacemakerCheck(nodes, state),
    servicesCheck(nodes, site),
    storageCheck(nodes, state),
    fencingCheck(site, state),
  ];
  return {
    pair: site.name,
    checkedAt: state.at,
    passed: !checks.some((check) => check.status === 'fail'),
    checks,
    nodes: [viewOf(nodes[0]), viewOf(nodes[1])],
    storage: state.storage,
    fencing: {
      mode: site.fencing.mode,
      configured: state.fencing.configured,
      acknowledgedNone: site.fencing.acknowledgeNoFencing,
    },
  };
}

function viewOf(node: VerifiedNode): VerifyNode {
  const sample = node.sample;
  return {
    key: node.key,
    address: node.address,
    name: sample.hostname,
    reachable: sample.reachable,
    ...(!sample.reachable && { problem: sample.unreachableReason ?? 'not reachable' }),
    quorate: sample.quorum?.quorate ?? null,
    members: sample.quorum?.members.map((member) => member.name) ?? [],
    services: [...node.services],
    drbdVersion: sample.drbd?.version ?? null,
  };
}

function unreachable(node: VerifiedNode): string {
  return `${labelOf(node)}: not reachable (${node.sample.unreachableReason ?? 'no answer'})`;
}

function quorumCheck(nodes: readonly VerifiedNode[]): VerifyCheck {
  const good = (node: VerifiedNode): boolean =>
    node.sample.reachable && !!node.sample.quorum?.quorate && node.sample.quorum.members.length === 2;
  const detail = nodes
    .map((node) => {
      if (!node.sample.reachable) return unreachable(node);
      const quorum = node.sample.quorum;
      if (!quorum) return `${labelOf(node)}: corosync does not answer`;
      const members = quorum.members.map((member) => member.name).join(', ') || 'none';
      return `${labelOf(node)}: ${quorum.quorate ? 'quorate' : 'not quorate'}, ${quorum.members.length} member${quorum.members.length === 1 ? '' : 's'} (${members})`;
    })
    .join('; ');
  const passed = nodes.every(good);
  return {
    id: 'cluster.quorum',
    title: 'Cluster quorate with two members',
    status: passed ? 'pass' : 'fail',
    detail: `${detail}.`,
    ...(!passed && {
      remedy:
        'Run `corosync-quorumtool -s` on both servers; a private link or management address that does not reach the other server is the usual cause.',
    }),
  };
}

function pacemakerCheck(nodes: readonly VerifiedNode[], state: PairState): VerifyCheck {
  const detail = state.nodes
    .map((node, index) => {
      const verified = nodes[index];
      if (verified && !verified.sample.reachable) return unreachable(verified);
      return `${node.name ?? node.address}: ${node.pacemaker ? node.condition : 'Pacemaker does not answer'}`;
    })
    .join('; ');
  const passed = state.nodes.every((node) => node.pacemaker && node.condition === 'online');
  return {
    id: 'cluster.pacemaker',
    title: 'Pacemaker sees both servers online',
    status: passed ? 'pass' : 'fail',
    detail: `${detail}.`,
    ...(!passed && {
      remedy: 'Run `crm_mon -1` on either server; a server in standby or maintenance is brought back from the console.',
    }),
  };
}

function servicesCheck(nodes: readonly VerifiedNode[], site: VerifySite): VerifyCheck {
  const names = nodes[0]?.services.map((service) => service.name) ?? [];
  const detail = nodes
    .map((node) =>
      node.sample.reachable
        ? `${labelOf(node)}: ${node.services.map((service) => `${service.name} ${service.state}`).join(', ')}`
        : unreachable(node),
    )
    .join('; ');
  const down = nodes.flatMap((node) =>
    node.sample.reachable ? node.services.filter((service) => service.state !== 'active') : [],
  );
  const passed = nodes.every((node) => node.sample.reachable) && down.length === 0;
  return {
    id: 'services',
    title: `Services running (${names.join(', ') || `corosync, pacemaker, ${site.hypervisor === 'kvm' ? 'libvirtd' : 'xen'}`})`,
    status: passed ? 'pass' : 'fail',
    detail: `${detail}.`,
    ...(!passed && {
      remedy: `Run \`systemctl status ${[...new Set(down.map((service) => service.unit))].join(' ') || 'corosync pacemaker'}\` on the server named, or retry the install: it starts what is stopped.`,
    }),
  };
}

function storageCheck(nodes: readonly VerifiedNode[], state: PairState): VerifyCheck {
  const title = 'Mirrored storage (DRBD)';
  if (state.storage.length === 0) {
    const missing = nodes.filter((node) => node.sample.reachable && !node.sample.drbd?.version);
    if (missing.length > 0)
      return {
        id: 'storage.drbd',
        title,
        status: 'warn',
        detail: `No DRBD resources yet, and the DRBD module is not loaded on ${missing.map(labelOf).join(' and ')}: mirrored storage is not available there.`,
        remedy:
          'On real servers the install loads DRBD; containers share this computer’s kernel and cannot (`lockstep lab up --kind vm` gives a pair with DRBD).',
      };
    const versions = [...new Set(nodes.map((node) => node.sample.drbd?.version).filter(Boolean))];
    return {
      id: 'storage.drbd',
      title,
      status: 'info',
      detail: `No DRBD resources yet: one is created for each protected VM disk. DRBD${versions.length > 0 ? ` ${versions.join(', ')}` : ''} is loaded on both servers.`,
    };
  }
  const problems = state.reasons.filter((reason) => reason.code.startsWith('drbd.'));
  const broken = problems.filter((reason) => reason.code !== 'drbd.resync');
  const count = `${state.storage.length} resource${state.storage.length === 1 ? '' : 's'}`;
  if (broken.length > 0)
    return {
      id: 'storage.drbd',
      title,
      status: 'fail',
      detail: broken.map((reason) => reason.message).join(' '),
      remedy: 'Run `drbdadm status` on both servers; the console shows each resource and its connection.',
    };
  if (problems.length > 0)
    return {
      id: 'storage.drbd',
      title,
      status: 'warn',
      detail: `${count}: ${problems.map((reason) => reason.message).join(' ')}`,
      remedy: 'Wait for the resync to finish; the console shows its progress.',
    };
  return {
    id: 'storage.drbd',
    title,
    status: 'pass',
    detail: `${count} connected and up to date on both servers.`,
  };
}

function fencingCheck(site: VerifySite, state: PairState): VerifyCheck {
  const title = 'Fencing';
  if (state.fencing.configured)
    return {
      id: 'fencing',
      title,
      status: 'pass',
      detail:
        'Pacemaker has fencing enabled with a fence device for each server. Lockstep does not fire a test fence here: it would power a server off.',
    };
  if (!state.nodes.some((node) => node.pacemaker))
    return {
      id: 'fencing',
      title,
      status: 'fail',
      detail: 'Pacemaker does not answer, so fencing cannot be read.',
      remedy: 'Run `crm_mon -1` on either server.',
    };
  if (site.fencing.mode === 'none' && site.fencing.acknowledgeNoFencing)
    return {
      id: 'fencing',
      title,
      status: 'warn',
      detail:
        'No fencing: the risk is acknowledged in the site file (acknowledgeNoFencing). A split brain can corrupt data; the console shows this permanently.',
      remedy: 'Give both servers a BMC in Options (fencing: IPMI) and run the install again.',
    };
  return {
    id: 'fencing',
    title,
    status: 'fail',
    detail:
      site.fencing.mode === 'ipmi'
        ? 'The site fences with IPMI, but Pacemaker has no fence device or fencing is disabled.'
        : 'No fencing is configured, and the risk is not acknowledged.',
    remedy:
      site.fencing.mode === 'ipmi'
        ? 'Retry the install: its fencing step configures `fence_ipmilan` with the BMC passwords.'
        : 'Give both servers a BMC (fencing: IPMI), or acknowledge running without fencing in Options.',
  };
}
