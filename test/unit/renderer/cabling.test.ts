import { describe, expect, it } from 'vitest';
import { cablingLayout, describeCabling } from '../../../renderer/src/model/cabling';
import { rolesView, withBusinessRemoved, withRole } from '../../../renderer/src/model/roles';
import { serversOf } from '../../../renderer/src/model/servers';
import { newDraft } from '../../../renderer/src/model/site-draft';
import { labProbeNodes, labSuggestion } from './role-fixtures';

const servers = serversOf(labProbeNodes())!;
const draft = newDraft(
  [
    { host: '10.211.0.11', port: 22 },
    { host: '10.211.0.12', port: 22 },
  ],
  { user: 'root' },
  'lab',
);

describe('the cabling picture', () => {
  const view = rolesView(draft, servers, labSuggestion());
  const layout = cablingLayout(view);

  it('draws two servers side by side with every NIC as a labelled port', () => {
    const [a, b] = layout.boxes;
    expect(a.title).toBe('lockstep-a');
    expect(b.title).toBe('lockstep-b');
    expect(a.x + a.width).toBeLessThan(b.x);
    expect(b.x + b.width).toBeLessThanOrEqual(layout.width);
    expect(layout.ports.map((port) => `${port.id}:${port.role}`).sort()).toEqual([
      'a-enp1s0:management',
      'a-enp2s0:business',
      'a-enp3s0:private',
      'b-enp1s0:management',
      'b-enp2s0:private',
      'b-enp3s0:business',
    ]);
  });

  it('runs the private cable straight from one server’s port to the other’s', () => {
    const cable = layout.cables.find((each) => each.role === 'private');
    const from = layout.ports.find((port) => port.id === 'a-enp3s0')!;
    const to = layout.ports.find((port) => port.id === 'b-enp2s0')!;
    expect(cable?.d).toBe(`M ${from.x} ${from.y} H ${to.x}`);
    expect(from.y).toBe(to.y);
    expect(layout.privateCaption?.lines).toEqual(['Private link', '10 Gb/s · 10.254.0.0/30']);
  });

  it('hangs management above and each business network below, inside the picture', () => {
    expect(layout.bars.map((bar) => bar.label)).toEqual([
      'Management network',
      'Business network br-biz0 (bridged for VMs)',
    ]);
    const [management, business] = layout.bars;
    expect(management!.y + management!.height).toBeLessThanOrEqual(layout.boxes[0].y);
    expect(business!.y).toBeGreaterThan(layout.boxes[0].y + layout.boxes[0].height);
    expect(business!.y + business!.height).toBeLessThanOrEqual(layout.height);
    expect(layout.cables.filter((cable) => cable.role === 'business')).toHaveLength(2);
  });

  it('says the cabling in words for screen readers', () => {
    expect(layout.description).toBe(
      'Cabling of lockstep-a and lockstep-b. Private link: lockstep-a enp3s0 to lockstep-b enp2s0, cabled directly (10 Gb/s, subnet 10.254.0.0/30). Management network: lockstep-a enp1s0 and lockstep-b enp1s0. Business network br-biz0: lockstep-a enp2s0 and lockstep-b enp3s0.',
    );
  });

  it('shows a NIC without a role as an unconnected port, and a missing cable in words', () => {
    const noBusiness = withBusinessRemoved(draft, view, 0);
    const sparse = cablingLayout(rolesView(noBusiness, servers, labSuggestion()));
    expect(sparse.ports.filter((port) => port.role === 'unused').map((port) => port.id)).toEqual(['a-enp2s0', 'b-enp3s0']);
    expect(sparse.cables.some((cable) => cable.role === 'business')).toBe(false);
    expect(sparse.description).toContain('Not used: lockstep-a enp2s0, lockstep-b enp3s0.');
    const undecided = cablingLayout(rolesView(draft, servers));
    expect(undecided.cables.some((cable) => cable.role === 'private')).toBe(false);
    expect(undecided.description).toContain('Private link: none found');
  });

  it('says when the chosen private pair is not a cable the wire probe saw', () => {
    const moved = withRole(withBusinessRemoved(draft, view, 0), view, { role: 'private', node: 'b', nic: 'enp3s0' });
    expect(describeCabling(rolesView(moved, servers, labSuggestion()))).toContain(
      'Private link: lockstep-a enp3s0 to lockstep-b enp3s0, not seen connected by the wire probe (subnet 10.254.0.0/30).',
    );
  });
});
