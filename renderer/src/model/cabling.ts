import { formatSpeed } from '../format';
import type { Role, RolesView, ServerRoles } from './roles';

/**
 * Where everything goes in the cabling picture (pure, so it is tested without a
 * browser): two server boxes side by side, the management network as a bar above
 * them, the private cable straight across between them, each business network as a
 * bar below, one port per NIC on the box edge that faces its network. Also the same
 * picture in words, for the image's accessible name.
 */
export interface Box {
  readonly key: 'a' | 'b';
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly title: string;
  readonly subtitle: string;
}

export interface Port {
  readonly id: string;
  readonly role: Role;
  readonly x: number;
  readonly y: number;
  readonly label: string;
  readonly labelX: number;
  readonly labelY: number;
  readonly anchor: 'start' | 'middle' | 'end';
}

export interface Bar {
  readonly id: string;
  readonly role: 'management' | 'business';
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly label: string;
}

export interface Cable {
  readonly id: string;
  readonly role: 'management' | 'private' | 'business';
  /** SVG path data. */
  readonly d: string;
}

export interface CablingLayout {
  readonly width: number;
  readonly height: number;
  readonly boxes: readonly [Box, Box];
  readonly ports: readonly Port[];
  readonly bars: readonly Bar[];
  readonly cables: readonly Cable[];
  /** The private cable's caption (speed, subnet), centred above it; null when there is no private link. */
  readonly privateCaption: { readonly x: number; readonly y: number; readonly lines: readonly string[] } | null;
  /** The picture in words. */
  readonly description: string;
}

const WIDTH = 760;
const BOX_WIDTH = 250;
const BOX_HEIGHT = 150;
const BOX_Y = 96;
const MARGIN = 24;
const BAR_HEIGHT = 26;
const BAR_GAP = 44;
const PORT_SPACING = 58;

export function cablingLayout(view: RolesView): CablingLayout {
  const unusedMost = Math.max(...view.servers.map((server) => server.nics.filter((nic) => nic.role === 'unused').length));
  const height = Math.max(BOX_HEIGHT, 40 + unusedMost * 24 + 40);
  const boxes: [Box, Box] = [
    boxOf(view.servers[0], MARGIN, height),
    boxOf(view.servers[1], WIDTH - MARGIN - BOX_WIDTH, height),
  ];
  const ports: Port[] = [];
  const cables: Cable[] = [];
  const bars: Bar[] = [];

  // Management: a bar above, one port on each box's top edge.
  const managementBar: Bar = {
    id: 'bar-management',
    role: 'management',
    x: MARGIN + 40,
    y: 20,
    width: WIDTH - 2 * (MARGIN + 40),
    height: BAR_HEIGHT,
    label: 'Management network',
  };
  bars.push(managementBar);
  for (const [index, server] of view.servers.entries()) {
    const box = boxes[index]!;
    const nic = view.management[server.key].nic;
    if (!nic) continue;
    const x = index === 0 ? box.x + 60 : box.x + box.width - 60;
    ports.push(port(`${server.key}-${nic}`, 'management', x, box.y, nic, x, box.y + 22, 'middle'));
    cables.push({ id: `cable-management-${server.key}`, role: 'management', d: `M ${x} ${box.y} V ${managementBar.y + BAR_HEIGHT}` });
  }

  // Private link: straight across between the facing edges.
  const linkY = boxes[0].y + 80;
  const privateA = view.privateLink.a.nic;
  const privateB = view.privateLink.b.nic;
  if (privateA) ports.push(port(`a-${privateA}`, 'private', boxes[0].x + BOX_WIDTH, linkY, privateA, boxes[0].x + BOX_WIDTH - 12, linkY + 4, 'end'));
  if (privateB) ports.push(port(`b-${privateB}`, 'private', boxes[1].x, linkY, privateB, boxes[1].x + 12, linkY + 4, 'start'));
  const privateCaption =
    privateA && privateB
      ? {
          x: WIDTH / 2,
          y: linkY - 26,
          lines: [
            'Private link',
            [view.privateLink.speedMbps !== null ? formatSpeed(view.privateLink.speedMbps) : null, view.privateLink.subnet.value]
              .filter(Boolean)
              .join(' · '),
          ].filter((line) => line !== ''),
        }
      : null;
  if (privateA && privateB)
    cables.push({ id: 'cable-private', role: 'private', d: `M ${boxes[0].x + BOX_WIDTH} ${linkY} H ${boxes[1].x}` });

  // Business networks: one bar each below, ports on the boxes' bottom edges.
  const bottom = BOX_Y + height;
  view.business.forEach((network, index) => {
    const bar: Bar = {
      id: `bar-${network.bridge}`,
      role: 'business',
      x: MARGIN + 40,
      y: bottom + BAR_GAP + index * BAR_GAP,
      width: WIDTH - 2 * (MARGIN + 40),
      height: BAR_HEIGHT,
      label: `Business network ${network.bridge} (bridged for VMs)`,
    };
    bars.push(bar);
    for (const [side, server] of view.servers.entries()) {
      const nic = network[server.key];
      if (!nic) continue;
      const box = boxes[side]!;
      const x = side === 0 ? box.x + 60 + index * PORT_SPACING : box.x + box.width - 60 - index * PORT_SPACING;
      ports.push(port(`${server.key}-${nic}`, 'business', x, bottom, nic, x, bottom - 12, 'middle'));
      cables.push({ id: `cable-${network.bridge}-${server.key}`, role: 'business', d: `M ${x} ${bottom} V ${bar.y}` });
    }
  });

  // NICs without a role: grey ports on the outer edges, no cable.
  for (const [side, server] of view.servers.entries()) {
    const box = boxes[side]!;
    server.nics
      .filter((nic) => nic.role === 'unused')
      .forEach((nic, index) => {
        const y = box.y + 40 + index * 24;
        const x = side === 0 ? box.x : box.x + box.width;
        ports.push(port(`${server.key}-${nic.name}`, 'unused', x, y, nic.name, side === 0 ? x + 12 : x - 12, y + 4, side === 0 ? 'start' : 'end'));
      });
  }

  const lastBar = bars[bars.length - 1]!;
  return {
    width: WIDTH,
    height: Math.max(bottom + 30, lastBar.y + BAR_HEIGHT + 16),
    boxes,
    ports,
    bars,
    cables,
    privateCaption,
    description: describeCabling(view),
  };
}

function boxOf(server: ServerRoles, x: number, height: number): Box {
  return { key: server.key, x, y: BOX_Y, width: BOX_WIDTH, height, title: server.label, subtitle: server.address };
}

function port(
  id: string,
  role: Role,
  x: number,
  y: number,
  label: string,
  labelX: number,
  labelY: number,
  anchor: Port['anchor'],
): Port {
  return { id, role, x, y, label, labelX, labelY, anchor };
}

/** The cabling in words: what a screen reader says for the picture. */
export function describeCabling(view: RolesView): string {
  const [a, b] = view.servers;
  const sentences: string[] = [`Cabling of ${a.label} and ${b.label}.`];
  const link = view.privateLink;
  if (link.a.nic && link.b.nic) {
    const evidence =
      link.cable === 'direct'
        ? 'cabled directly'
        : link.cable === 'switched'
          ? 'connected through a switch, not a direct cable'
          : link.cable === 'not-seen'
            ? 'not seen connected by the wire probe'
            : 'chosen as the private link';
    const details = [link.speedMbps !== null ? formatSpeed(link.speedMbps) : null, link.subnet.value ? `subnet ${link.subnet.value}` : null]
      .filter(Boolean)
      .join(', ');
    sentences.push(`Private link: ${a.label} ${link.a.nic} to ${b.label} ${link.b.nic}, ${evidence}${details ? ` (${details})` : ''}.`);
  } else {
    sentences.push('Private link: none found; the two servers need a direct cable between two free interfaces.');
  }
  const management = view.management;
  sentences.push(
    `Management network: ${a.label} ${management.a.nic ?? 'not known'} and ${b.label} ${management.b.nic ?? 'not known'}.`,
  );
  for (const network of view.business)
    sentences.push(`Business network ${network.bridge}: ${a.label} ${network.a ?? 'none'} and ${b.label} ${network.b ?? 'none'}.`);
  if (view.business.length === 0) sentences.push('No business network.');
  const unused = view.servers.flatMap((server) =>
    server.nics.filter((nic) => nic.role === 'unused').map((nic) => `${server.label} ${nic.name}`),
  );
  if (unused.length > 0) sentences.push(`Not used: ${unused.join(', ')}.`);
  return sentences.join(' ');
}
