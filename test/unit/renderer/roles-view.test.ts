import { describe, expect, it } from 'vitest';
import { validateSite } from '../../../provisioning/api/site';
import {
  privateAddresses,
  rolesView,
  withAutomaticNetwork,
  withBusinessAdded,
  withBusinessRemoved,
  withRole,
} from '../../../renderer/src/model/roles';
import { serversOf } from '../../../renderer/src/model/servers';
import { newDraft, toSiteFile } from '../../../renderer/src/model/site-draft';
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

describe('the network roles view', () => {
  it('shows what probing decided when the site leaves the roles automatic', () => {
    const view = rolesView(draft, servers, labSuggestion());
    expect(view.management.a).toEqual({ nic: 'enp1s0', source: 'automatic' });
    expect(view.privateLink.a).toEqual({ nic: 'enp3s0', source: 'automatic' });
    expect(view.privateLink.b).toEqual({ nic: 'enp2s0', source: 'automatic' });
    expect(view.privateLink.cable).toBe('direct');
    expect(view.privateLink.carrierConfirmed).toBe(true);
    expect(view.privateLink.addresses).toEqual({ a: '10.254.0.1', b: '10.254.0.2' });
    expect(view.business).toEqual([{ bridge: 'br-biz0', a: 'enp2s0', b: 'enp3s0' }]);
    const roles = Object.fromEntries(view.servers[1].nics.map((nic) => [nic.name, nic.role]));
    expect(roles).toEqual({ enp1s0: 'management', enp2s0: 'private', enp3s0: 'business' });
    // The loopback is never offered for a role.
    expect(view.servers[0].nics.map((nic) => nic.name)).not.toContain('lo');
    expect(view.problems).toEqual([]);
  });

  it('finds the management NIC from the inventory alone while probing has not answered', () => {
    const view = rolesView(draft, servers);
    expect(view.management.b).toEqual({ nic: 'enp1s0', source: 'automatic' });
    expect(view.privateLink.a).toEqual({ nic: null, source: 'undecided' });
    expect(view.privateLink.cable).toBe('unknown');
    expect(view.business).toEqual([]);
  });

  it('writes a changed role into the draft, and says the wire did not see that cable', () => {
    const suggestion = labSuggestion();
    const view = rolesView(draft, servers, suggestion);
    const changed = withRole(draft, view, { role: 'private', node: 'a', nic: 'enp2s0' });
    expect(changed.network.private.a).toBe('enp2s0');
    expect(changed.network.private.b).toBe('auto');
    const after = rolesView(changed, servers, suggestion);
    expect(after.privateLink.a).toEqual({ nic: 'enp2s0', source: 'chosen' });
    // enp2s0 ↔ enp2s0 never reached each other on the wire.
    expect(after.privateLink.cable).toBe('not-seen');
    expect(after.privateLink.carrierConfirmed).toBeNull();
    // …and enp2s0 of lockstep-a is now both the private link and br-biz0's port.
    expect(after.problems).toEqual([
      {
        field: 'network.business[0].a',
        message: 'enp2s0 is already the private link interface of node a: a business network needs an interface of its own.',
      },
    ]);
  });

  it('reports the same NIC for management and private link with the site format’s own rule', () => {
    const view = rolesView(draft, servers, labSuggestion());
    const clash = withRole(withRole(draft, view, { role: 'management', node: 'b', nic: 'enp2s0' }), view, {
      role: 'private',
      node: 'b',
      nic: 'enp2s0',
    });
    const result = validateSite(toSiteFile(clash));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems.map((problem) => problem.field)).toContain('network.private.b');
  });

  it('edits business networks as an explicit list, and goes back to automatic', () => {
    const view = rolesView(draft, servers, labSuggestion());
    const none = withBusinessRemoved(draft, view, 0);
    expect(none.network.business).toEqual([]);
    expect(rolesView(none, servers, labSuggestion()).businessSource).toBe('chosen');
    const again = withBusinessAdded(none, rolesView(none, servers, labSuggestion()));
    expect(again.network.business).toEqual([{ bridge: 'br-biz0', a: 'enp2s0', b: 'enp3s0' }]);
    expect(withAutomaticNetwork(again).network).toEqual(draft.network);
  });

  it('gives the private link the first two addresses of its subnet', () => {
    expect(privateAddresses('10.99.0.0/30')).toEqual({ a: '10.99.0.1', b: '10.99.0.2' });
    expect(privateAddresses('10.99.0.254/31')).toEqual({ a: '10.99.0.254', b: '10.99.0.255' });
    expect(privateAddresses('not a subnet')).toBeNull();
  });
});
