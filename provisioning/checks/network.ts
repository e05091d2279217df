import { isFactError, type Nic } from '../api/inventory';
import { AUTO, parseCidr } from '../api/site';
import type { WireProbeResult } from '../network/wire-probe';
import { managementNicFor } from '../network/candidates';
import { Thresholds } from './catalogue';
import { formatSpeed, formatMs } from '../api/units';
import { finding, reachedNodes, type Check, type CheckContext } from './types';
import { cidrContains, choosePrivateSubnet } from './subnets';

/** Network checks: management, the private link found on the wire, and its quality. */

function wireOf(context: CheckContext): WireProbeResult | undefined {
  return context.wire && !('error' in context.wire) ? context.wire : undefined;
}

function nicsOf(inventory: { nics: unknown }): Nic[] {
  return isFactError(inventory.nics) ? [] : (inventory.nics as Nic[]);
}

export const netMgmtMissing: Check = {
  id: 'net.mgmt-missing',
  applicable: () => true,
  run: (context) =>
    reachedNodes(context).map((node) => {
      const address = node.sessionAddress ?? node.extras?.session?.serverAddress ?? null;
      if (isFactError(node.inventory.nics))
        return finding(
          'net.mgmt-missing',
          'warn',
          `Could not read the server's NICs: ${node.inventory.nics.error}.`,
          { node: node.label },
        );
      const nic = managementNicFor(nicsOf(node.inventory), address);
      return nic
        ? finding('net.mgmt-missing', 'pass', `Management network on ${nic} (${address}).`, {
            node: node.label,
            subject: nic,
          })
        : finding(
            'net.mgmt-missing',
            'fail',
            `The SSH session arrives at ${address ?? 'an unknown address'}, which no NIC of the server carries (NAT or a jump host in between?).`,
            {
              node: node.label,
            },
          );
    }),
};

export const netNoPrivateLink: Check = {
  id: 'net.no-private-link',
  applicable: (context) => reachedNodes(context).length === 2,
  run: (context) => {
    if (context.wire && 'error' in context.wire)
      return [
        finding(
          'net.no-private-link',
          'warn',
          `The wire probe could not run: ${context.wire.error.message}`,
          { remedy: context.wire.error.remedy },
        ),
      ];
    const wire = wireOf(context);
    if (!wire) return [];
    const [a, b] = context.nodes;
    const configured = context.site.network.private;
    if (!wire.privateLink && wire.ambiguous && wire.ambiguous.length > 1) {
      const list = wire.ambiguous.map((pair) => `${a.label}:${pair.a} ↔ ${b.label}:${pair.b}`).join(' and ');
      return [
        finding(
          'net.no-private-link',
          'fail',
          `${list} each look like a direct cable, and Lockstep could not take one end down to tell a cable from a two-port switch.`,
          {
            remedy:
              'Name the private NICs in the site file (network.private.a and .b), or let the login user change link state (root or sudo).',
          },
        ),
      ];
    }
    if (!wire.privateLink) {
      const switched = wire.pairs.filter((pair) => !pair.direct);
      const detail =
        switched.length > 0
          ? ` ${switched.map((pair) => `${a.label}:${pair.a} and ${b.label}:${pair.b}`).join(', ')} reach each other only through a switch (other devices answer there too).`
          : ' No free NIC of one server hears any free NIC of the other.';
      return [
        finding(
          'net.no-private-link',
          'fail',
          `No NIC pair is cabled directly between the two servers.${detail}`,
        ),
      ];
    }
    const link = wire.privateLink;
    const text = `${a.label}:${link.a} ↔ ${b.label}:${link.b}`;
    if (
      configured.a !== AUTO &&
      configured.b !== AUTO &&
      (configured.a !== link.a || configured.b !== link.b)
    ) {
      const configuredSeen = wire.pairs.find(
        (pair) => pair.a === configured.a && pair.b === configured.b && pair.direct,
      );
      if (!configuredSeen)
        return [
          finding(
            'net.no-private-link',
            'fail',
            `The site file names ${a.label}:${configured.a} ↔ ${b.label}:${configured.b} as the private link, but the direct cable joins ${text}: a swapped or missing cable, or a wrong name in the file.`,
            {
              remedy: `Move the cable to the NICs the site file names, or set network.private to a: ${link.a}, b: ${link.b}.`,
            },
          ),
        ];
    }
    const proof =
      link.carrierConfirmed === true
        ? 'confirmed by the carrier test'
        : 'seen only by each other on the wire';
    return [
      finding('net.no-private-link', 'pass', `Direct cable found: ${text} (${proof}).`, {
        subject: `${link.a}/${link.b}`,
      }),
    ];
  },
};

export const netLinkDown: Check = {
  id: 'net.link-down',
  applicable: (context) => wireOf(context) !== undefined,
  run: (context) => {
    const wire = wireOf(context);
    if (!wire) return [];
    const [a, b] = context.nodes;
    const link = wire.privateLink;
    if (!link) {
      // No cable found: NICs without carrier are where a cable is missing or unplugged.
      const dark = [
        ...[...wire.carriers.a]
          .filter(([, carrier]) => carrier === false)
          .map(([nic]) => ({ node: a.label, nic })),
        ...[...wire.carriers.b]
          .filter(([, carrier]) => carrier === false)
          .map(([nic]) => ({ node: b.label, nic })),
      ];
      return dark.map((end) =>
        finding(
          'net.link-down',
          'fail',
          `${end.nic} has no carrier: if it is meant for the private link, its cable is unplugged or the far end is down.`,
          {
            node: end.node,
            subject: end.nic,
          },
        ),
      );
    }
    // A private NIC that is named in the site file or already carries an address is in
    // service: down is a fault. An unconfigured one is down by nature until the install.
    const inService = (node: (typeof context.nodes)[number], nic: string): boolean => {
      const named = context.site.network.private[node.key] === nic;
      const nics = node.inventory && !isFactError(node.inventory.nics) ? node.inventory.nics : [];
      return (
        named ||
        nics.some(
          (candidate) =>
            candidate.name === nic && candidate.addresses.some((address) => address.scope === 'global'),
        )
      );
    };
    const ends = [
      {
        node: a.label,
        nic: link.a,
        wasUp: wire.before.a.get(link.a),
        carrier: wire.measurement?.a.carrier,
        configured: inService(a, link.a),
      },
      {
        node: b.label,
        nic: link.b,
        wasUp: wire.before.b.get(link.b),
        carrier: wire.measurement?.b.carrier,
        configured: inService(b, link.b),
      },
    ];
    return ends.map((end) => {
      if (end.carrier === false)
        return finding(
          'net.link-down',
          'fail',
          `${end.nic} has no carrier: the cable is unplugged or the far end is down.`,
          {
            node: end.node,
            subject: end.nic,
          },
        );
      if (end.wasUp === false && end.configured)
        return finding(
          'net.link-down',
          'fail',
          `${end.nic}, the private link, is administratively down: replication and the cluster's first ring cannot use it.`,
          {
            node: end.node,
            subject: end.nic,
            remedy: `Bring it up on that server: \`ifup ${end.nic}\` (or \`ip link set ${end.nic} up\`), and find out who took it down.`,
          },
        );
      if (end.wasUp === false)
        return finding(
          'net.link-down',
          'info',
          `${end.nic} is down now (not configured yet); the probe raised it briefly and found carrier. The install brings it up and keeps it up.`,
          { node: end.node, subject: end.nic, remedy: 'Nothing to do: the install configures this NIC.' },
        );
      return finding('net.link-down', 'pass', `${end.nic} is up with carrier.`, {
        node: end.node,
        subject: end.nic,
      });
    });
  },
};

export const netSpeedLow: Check = {
  id: 'net.speed-low',
  applicable: (context) => wireOf(context)?.measurement != null,
  run: (context) => {
    const measurement = wireOf(context)?.measurement;
    if (!measurement) return [];
    const speeds = [measurement.a.speedMbps, measurement.b.speedMbps];
    if (speeds.some((speed) => speed === null))
      return [
        finding(
          'net.speed-low',
          'info',
          'The private NICs do not report a link speed (virtual NICs often do not).',
        ),
      ];
    const speed = Math.min(...(speeds as number[]));
    if (speed < Thresholds.privateLinkFailMbps)
      return [finding('net.speed-low', 'fail', `The private link runs at ${formatSpeed(speed)}.`)];
    if (speed < Thresholds.privateLinkWarnMbps)
      return [
        finding(
          'net.speed-low',
          'warn',
          `The private link runs at ${formatSpeed(speed)}; 10 Gb/s is recommended.`,
        ),
      ];
    return [finding('net.speed-low', 'pass', `The private link runs at ${formatSpeed(speed)}.`)];
  },
};

export const netMtuMismatch: Check = {
  id: 'net.mtu-mismatch',
  applicable: (context) => wireOf(context)?.measurement != null,
  run: (context) => {
    const wire = wireOf(context);
    const measurement = wire?.measurement;
    const link = wire?.privateLink;
    if (!measurement || !link) return [];
    const [a, b] = context.nodes;
    const mtuA = measurement.a.mtu;
    const mtuB = measurement.b.mtu;
    if (mtuA === null || mtuB === null)
      return [
        finding(
          'net.mtu-mismatch',
          'warn',
          `Could not read the MTU of ${mtuA === null ? `${a.label}:${link.a}` : `${b.label}:${link.b}`}.`,
        ),
      ];
    if (mtuA !== mtuB)
      return [
        finding(
          'net.mtu-mismatch',
          'fail',
          `The MTU differs across the private link: ${mtuA} on ${a.label}:${link.a}, ${mtuB} on ${b.label}:${link.b}.`,
          {
            remedy: `Set the same MTU on both ends, e.g. \`ip link set ${link.a} mtu ${Math.max(mtuA, mtuB)}\` on ${a.label} and the same on ${b.label}:${link.b} (and in /etc/network/interfaces).`,
          },
        ),
      ];
    const wanted = context.site.network.private.mtu;
    if (wanted !== AUTO && wanted > mtuA)
      return [
        finding(
          'net.mtu-mismatch',
          'warn',
          `The site file asks for MTU ${wanted}, but the private NICs run ${mtuA} now, so only ${mtuA} could be tested. The install sets ${wanted} and its verify step proves the path carries it.`,
          {
            remedy: `Make sure both NICs (and anything between them) support MTU ${wanted}, or set network.private.mtu to ${mtuA}.`,
          },
        ),
      ];
    if (measurement.mtuProbe && !measurement.mtuProbe.passed)
      return [
        finding(
          'net.mtu-mismatch',
          'fail',
          `Both ends say MTU ${mtuA}, but a ${measurement.mtuProbe.mtu}-byte packet does not cross the link unfragmented.`,
        ),
      ];
    if (!measurement.mtuProbe)
      return [
        finding(
          'net.mtu-mismatch',
          'warn',
          `Both ends say MTU ${mtuA}; the path could not be tested (no link-local address on ${b.label}:${link.b}).`,
        ),
      ];
    return [finding('net.mtu-mismatch', 'pass', `MTU ${mtuA} on both ends, carried unfragmented.`)];
  },
};

export const netLatencyHigh: Check = {
  id: 'net.latency-high',
  applicable: (context) => wireOf(context)?.measurement != null,
  run: (context) => {
    const measurement = wireOf(context)?.measurement;
    const latency = measurement?.latency;
    if (!latency && !measurement?.b.linkLocal)
      return [
        finding(
          'net.latency-high',
          'warn',
          'Latency was not measured: the far end of the private link has no IPv6 link-local address to ping.',
          {
            remedy:
              'Enable IPv6 on the private NICs (used link-local only, for this test); the verify step measures again over the configured addresses.',
          },
        ),
      ];
    if (!latency)
      return [
        finding(
          'net.latency-high',
          'fail',
          'No reply crossed the private link: its latency cannot be measured.',
        ),
      ];
    const rtt = latency.averageMs ?? 0;
    const text = `Round trip over the private link: ${formatMs(rtt)} on average (${latency.received}/${latency.transmitted} replies).`;
    if (rtt > Thresholds.latencyFailMs) return [finding('net.latency-high', 'fail', text)];
    if (rtt > Thresholds.latencyWarnMs) return [finding('net.latency-high', 'warn', text)];
    return [finding('net.latency-high', 'pass', text)];
  },
};

export const netAddressConflict: Check = {
  id: 'net.address-conflict',
  applicable: (context) => reachedNodes(context).length === 2,
  run: (context) => {
    const nodes = reachedNodes(context);
    const addresses = nodes.flatMap((node) =>
      nicsOf(node.inventory).flatMap((nic) =>
        nic.addresses
          .filter((address) => address.family === 'inet')
          .map((address) => ({ node: node.label, nic: nic.name, address })),
      ),
    );
    const link = wireOf(context)?.privateLink;
    const [nodeA, nodeB] = context.nodes;
    const onPrivateLink = (entry: { node: string; nic: string }): boolean =>
      link !== null &&
      link !== undefined &&
      ((entry.node === nodeA.label && entry.nic === link.a) ||
        (entry.node === nodeB.label && entry.nic === link.b));
    const wanted = context.site.network.private.subnet;
    if (wanted === AUTO) {
      // The private NICs' own addresses (from an earlier install) do not count as taken:
      // the same subnet is chosen again, as the install's pair facts choose it.
      const others = addresses.filter((entry) => !onPrivateLink(entry));
      const chosen = choosePrivateSubnet(others.map((entry) => entry.address));
      return [
        finding(
          'net.address-conflict',
          'pass',
          `Private link addresses will be taken from ${chosen}, which nothing on either server uses.`,
          { subject: chosen },
        ),
      ];
    }
    const cidr = parseCidr(wanted);
    if (!cidr)
      return [
        finding('net.address-conflict', 'fail', `network.private.subnet "${wanted}" is not a CIDR block.`),
      ];
    const clashes = addresses.filter(
      (entry) =>
        cidrContains(wanted, entry.address.address) ||
        cidrContains(`${entry.address.address}/${entry.address.prefixLength}`, cidr.network),
    );
    // The private NICs themselves may already carry addresses of this subnet from an earlier install.
    const foreign = clashes.filter((entry) => !onPrivateLink(entry));
    return foreign.length > 0
      ? [
          finding(
            'net.address-conflict',
            'fail',
            `The private subnet ${wanted} overlaps ${foreign.map((entry) => `${entry.address.address}/${entry.address.prefixLength} on ${entry.node}:${entry.nic}`).join(', ')}.`,
            { subject: wanted },
          ),
        ]
      : [
          finding('net.address-conflict', 'pass', `The private subnet ${wanted} is free on both servers.`, {
            subject: wanted,
          }),
        ];
  },
};

export const networkChecks: readonly Check[] = [
  netMgmtMissing,
  netNoPrivateLink,
  netLinkDown,
  netSpeedLow,
  netMtuMismatch,
  netLatencyHigh,
  netAddressConflict,
];
