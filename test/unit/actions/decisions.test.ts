import { describe, expect, it } from 'vitest';
import { LockstepError } from '../../../provisioning/api/errors';
import { decideNodeMode, nodeAttributeCommand, nodeModeProblem } from '../../../provisioning/actions/node-mode';
import { decideLevel, levelProblem } from '../../../provisioning/actions/vm-level';
import { renderVmPrimitive } from '../../../provisioning/recipes/vm/cluster-xml';
import { decideMigrate, migrateProblem } from '../../../provisioning/actions/vm-migrate';
import { parseCrmMonitor, type CrmMonitor, type CrmNodeInfo, type CrmResourceInfo } from '../../../provisioning/monitor/parse/crm-mon';
import { fixture } from '../monitor/fixtures';

/** The lab's real cluster (two nodes online, no resources), from captured crm_mon XML. */
const healthy = parseCrmMonitor(fixture('lab', 'healthy', 'a', 'crm_mon.out'));
/** The lab with lockstep-a's corosync stopped, as lockstep-b's crm_mon saw it. */
const aStopped = parseCrmMonitor(fixture('lab', 'node-a-stopped', 'b', 'crm_mon.out'));

const node = (name: string, patch: Partial<CrmNodeInfo> = {}): CrmNodeInfo => ({
  name,
  id: name,
  online: true,
  standby: false,
  maintenance: false,
  unclean: false,
  isDc: false,
  ...patch,
});
const vm = (id: string, on: string[], patch: Partial<CrmResourceInfo> = {}): CrmResourceInfo => ({
  id,
  agent: 'ocf:heartbeat:VirtualDomain',
  role: on.length ? 'Started' : 'Stopped',
  active: on.length > 0,
  failed: false,
  managed: true,
  nodes: on,
  ...patch,
});
const cluster = (nodes: CrmNodeInfo[], resources: CrmResourceInfo[] = []): CrmMonitor => ({
  ...healthy,
  nodes,
  resources,
});

function refusal(run: () => unknown): LockstepError {
  try {
    run();
  } catch (error) {
    if (error instanceof LockstepError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('node to maintenance and back (decided from crm_mon)', () => {
  it('plans standby of an online node with its peer online, naming what moves', () => {
    expect(healthy.nodes.map((each) => [each.name, each.online])).toEqual([
      ['lockstep-a', true],
      ['lockstep-b', true],
    ]);
    const decision = decideNodeMode(healthy, 'lockstep-b', 'standby');
    expect(decision).toEqual({
      kind: 'change',
      changes: [
        {
          summary: 'put lockstep-b into standby (it runs nothing; lockstep-a keeps running everything)',
          commands: ['crm_attribute --node lockstep-b --name standby --update on --lifetime forever'],
        },
      ],
    });
    const withVm = cluster([node('lockstep-a'), node('lockstep-b')], [vm('vm-web1', ['lockstep-b'])]);
    const moving = decideNodeMode(withVm, 'lockstep-b', 'standby');
    expect(moving.kind === 'change' && moving.changes[0]?.summary).toBe('put lockstep-b into standby: Pacemaker moves vm-web1 to lockstep-a');
  });

  it('refuses standby when the peer could not take over, and says how to fix it', () => {
    const error = refusal(() => decideNodeMode(aStopped, 'lockstep-b', 'standby'));
    expect(error.code).toBe('action.refused');
    expect(error.message).toContain('lockstep-a is not online');
    expect(error.remedy).toContain('lockstep node online lockstep-a');
    expect(refusal(() => decideNodeMode(cluster([node('a'), node('b', { standby: true })]), 'a', 'standby')).code).toBe('action.refused');
  });

  it('is already done when the node is in the wanted mode, and names an unknown node', () => {
    const standby = cluster([node('lockstep-a'), node('lockstep-b', { standby: true })]);
    expect(decideNodeMode(standby, 'lockstep-b', 'standby')).toEqual({ kind: 'noop', reason: 'lockstep-b is already in standby; it runs nothing' });
    expect(decideNodeMode(healthy, 'lockstep-a', 'online')).toEqual({ kind: 'noop', reason: 'lockstep-a is already online (not in standby)' });
    const unknown = refusal(() => decideNodeMode(healthy, 'lockstep-c', 'online'));
    expect(unknown.code).toBe('usage');
    expect(unknown.message).toContain('lockstep-a, lockstep-b');
  });

  it('online clears standby in both lifetimes and Pacemaker maintenance when set', () => {
    const both = cluster([node('lockstep-a'), node('lockstep-b', { standby: true, maintenance: true })]);
    const decision = decideNodeMode(both, 'lockstep-b', 'online');
    expect(decision.kind === 'change' && decision.changes.flatMap((change) => change.commands)).toEqual([
      'crm_attribute --node lockstep-b --name standby --delete --lifetime forever',
      'crm_attribute --node lockstep-b --name standby --delete --lifetime reboot',
      'crm_attribute --node lockstep-b --name maintenance --delete --lifetime forever',
    ]);
  });

  it('verifies standby only once nothing runs on the node any more', () => {
    const moving = cluster([node('a'), node('b', { standby: true })], [vm('vm-web1', ['b'])]);
    expect(nodeModeProblem(moving, 'b', 'standby')).toBe('vm-web1 still running on b');
    expect(nodeModeProblem(cluster([node('a'), node('b', { standby: true })]), 'b', 'standby')).toBeNull();
    expect(nodeModeProblem(healthy, 'lockstep-b', 'standby')).toBe('lockstep-b is not in standby yet');
    expect(nodeModeProblem(healthy, 'lockstep-b', 'online')).toBeNull();
  });

  it('quotes node names in the commands it builds', () => {
    expect(nodeAttributeCommand("it's", 'standby', 'on')).toBe("crm_attribute --node 'it'\\''s' --name standby --update on --lifetime forever");
  });
});

describe('VM actions (decided from crm_mon and virsh)', () => {
  const pair = [node('lockstep-a'), node('lockstep-b')];

  it('says plainly that a pair without VMs has none, rather than pretending', () => {
    const error = refusal(() => decideMigrate(healthy, 'web1', null, []));
    expect(error.message).toBe('There are no VMs on this pair yet, so there is no "web1".');
    expect(refusal(() => decideLevel(healthy, [{ node: '10.211.0.11', domains: [] }], 'web1', 'ha')).message).toContain('no VMs on this pair yet');
  });

  it('migrates an ha VM to the other node, or finds it already there', () => {
    const running = cluster(pair, [vm('vm-web1', ['lockstep-a'])]);
    const decision = decideMigrate(running, 'web1', null, ['web1']);
    expect(decision.kind === 'change' && decision.changes[0]?.commands).toEqual(['crm_resource --move --resource vm-web1 --node lockstep-b']);
    expect(decision.target).toBe('lockstep-b');
    expect(decideMigrate(running, 'web1', 'lockstep-a', ['web1'])).toEqual({ kind: 'noop', reason: 'web1 already runs on lockstep-a' });
    expect(migrateProblem(running, 'web1', 'lockstep-b')).toBe('web1 runs on lockstep-a');
    expect(migrateProblem(cluster(pair, [vm('vm-web1', ['lockstep-b'])]), 'web1', 'lockstep-b')).toBeNull();
  });

  it('refuses to migrate a level-none VM or onto a node in standby', () => {
    expect(refusal(() => decideMigrate(healthy, 'web1', null, ['web1'])).remedy).toContain('lockstep vm level web1 ha');
    const standby = cluster([node('lockstep-a'), node('lockstep-b', { standby: true })], [vm('vm-web1', ['lockstep-a'])]);
    expect(refusal(() => decideMigrate(standby, 'web1', null, ['web1'])).message).toContain('it is in standby');
  });

  it('makes a libvirt VM ha from its definition on the node that has it; ha again is already done', () => {
    const defined = [
      { node: '10.211.0.11', domains: [] },
      { node: '10.211.0.12', domains: [{ id: 3, name: 'web1', state: 'running' }] },
    ];
    const decision = decideLevel(healthy, defined, 'web1', 'ha');
    expect(decision.kind).toBe('change');
    expect(decision.source).toBe('10.211.0.12');
    expect(decision.kind === 'change' && decision.changes.map((change) => change.summary)).toEqual([
      "copy web1's libvirt definition from 10.211.0.12 to /etc/lockstep/vms/web1.xml on both nodes, and turn off libvirt's own autostart of it",
      'make web1 a cluster resource (vm-web1, ocf:heartbeat:VirtualDomain) that Pacemaker restarts on the survivor',
    ]);
    expect(decideLevel(cluster(pair, [vm('vm-web1', ['lockstep-b'])]), defined, 'web1', 'ha')).toEqual({ kind: 'noop', reason: 'web1 is already ha (cluster resource vm-web1)' });
    expect(renderVmPrimitive('web1')).toContain('<nvpair id="vm-web1-config" name="config" value="/etc/lockstep/vms/web1.xml"/>');
  });

  it('level none leaves the resource, unmanaged (a deleted resource would be stopped); ha hands it back; a VM on a mirrored disk gets its disk rules', () => {
    const disk = (on: string[], role: string): CrmResourceInfo => ({ id: 'drbd-web1', agent: 'ocf:linbit:drbd', role, active: true, failed: false, managed: true, nodes: on });
    const managed = cluster(pair, [disk(['lockstep-a'], 'Promoted'), disk(['lockstep-b'], 'Unpromoted'), vm('vm-web1', ['lockstep-a'])]);
    const none = decideLevel(managed, [], 'web1', 'none');
    expect(none.kind === 'change' && none.changes[0]).toEqual({
      summary: 'stop the cluster managing web1 (it keeps running on lockstep-a; vm-web1 stays, unmanaged: watched, never restarted or moved to the other node)',
      commands: ['crm_resource --clear --resource vm-web1', 'crm_resource --resource vm-web1 --meta --set-parameter is-managed --parameter-value false'],
    });
    const watched = cluster(pair, [disk(['lockstep-a'], 'Promoted'), vm('vm-web1', ['lockstep-a'], { managed: false })]);
    expect(decideLevel(watched, [], 'web1', 'none')).toEqual({ kind: 'noop', reason: 'web1 is level none already (vm-web1 is unmanaged: only watched)' });
    expect(levelProblem(watched, 'web1', 'none')).toBeNull();
    expect(levelProblem(managed, 'web1', 'none')).toBe('vm-web1 is still managed by the cluster');
    const back = decideLevel(watched, [], 'web1', 'ha');
    expect(back.kind === 'change' && back.changes).toEqual([
      { summary: 'give web1 back to the cluster (vm-web1 managed again: restarted on the survivor if its node fails)', commands: ['crm_resource --resource vm-web1 --meta --delete-parameter is-managed'] },
    ]);
    expect(levelProblem(watched, 'web1', 'ha')).toBe('vm-web1 is still unmanaged');
    const unmanagedVm = cluster(pair, [disk(['lockstep-a'], 'Promoted'), disk(['lockstep-b'], 'Unpromoted')]);
    const defined = [{ node: '10.211.0.11', domains: [{ id: 1, name: 'web1', state: 'running' }] }, { node: '10.211.0.12', domains: [] }];
    const ha = decideLevel(unmanagedVm, defined, 'web1', 'ha');
    expect(ha.kind === 'change' && ha.changes[1]).toEqual({
      summary: 'make web1 a cluster resource (vm-web1, ocf:heartbeat:VirtualDomain) tied to its mirrored disk (ms-web1), taken over where it runs without a restart',
      commands: [
        'cibadmin --create --scope resources --xml-pipe < vm-web1 (unmanaged)',
        'cibadmin --create --scope constraints --xml-pipe < <rsc_colocation id="col-web1" rsc="vm-web1" with-rsc="ms-web1" with-rsc-role="Promoted" score="INFINITY"/>',
        'cibadmin --create --scope constraints --xml-pipe < <rsc_order id="ord-web1" first="ms-web1" first-action="promote" then="vm-web1" then-action="start" kind="Mandatory"/>',
        'crm_resource --resource vm-web1 --meta --delete-parameter is-managed',
      ],
    });
    expect(renderVmPrimitive('web1', { unmanaged: true })).toContain('<nvpair id="vm-web1-is-managed" name="is-managed" value="false"/>');
  });

  it('level none unmanages the resource; ft is refused, not faked', () => {
    const managed = cluster(pair, [vm('vm-web1', ['lockstep-a'])]);
    const decision = decideLevel(managed, [], 'web1', 'none');
    expect(decision.kind === 'change' && decision.changes[0]?.commands).toEqual([
      'crm_resource --clear --resource vm-web1',
      'crm_resource --resource vm-web1 --meta --set-parameter is-managed --parameter-value false',
    ]);
    expect(levelProblem(healthy, 'web1', 'none')).toBeNull();
    const ft = refusal(() => decideLevel(managed, [], 'web1', 'ft'));
    expect(ft.code).toBe('action.refused');
    expect(ft.message).toContain('not offered by this version');
  });
});
