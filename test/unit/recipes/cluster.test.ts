import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ResolvedSite } from '../../../provisioning/api/site';
import type { PairFacts } from '../../../provisioning/engine/types';
import { decideAuthkey, parseAuthkeyState } from '../../../provisioning/recipes/cluster/authkey';
import { decideCorosyncConf, renderCorosyncConf } from '../../../provisioning/recipes/cluster/corosync-conf';
import {
  decideFenceRemoval,
  decideFencing,
  fenceDevices,
  parseDigests,
  passwordDigest,
  renderFencePrimitive,
  type FenceState,
} from '../../../provisioning/recipes/cluster/fencing';
import { decideProperties, decideSettings, wantedProperties } from '../../../provisioning/recipes/cluster/pacemaker';
import { decideServices, parseServices } from '../../../provisioning/recipes/cluster/services';
import { parseCrmMon, parseNvpairs, parseQuorumTool } from '../../../provisioning/recipes/parse/cluster';
import { clusterProblems } from '../../../provisioning/recipes/verify';

const fixture = (name: string): string => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');

const labPair: PairFacts = {
  pairName: 'labpair',
  hostnames: { a: 'lockstep-a', b: 'lockstep-b' },
  management: { a: { nic: 'enp1s0', address: '10.211.0.11' }, b: { nic: 'enp1s0', address: '10.211.0.12' } },
  privateLink: null,
  business: [],
  disks: { a: [], b: [] },
  storageAvailable: false,
};
const withLink: PairFacts = { ...labPair, privateLink: { a: { nic: 'enp3s0', address: '10.99.0.1' }, b: { nic: 'enp2s0', address: '10.99.0.2' }, prefixLength: 30, mtu: 9000 } };

describe('parsers on captured cluster outputs', () => {
  it('corosync-quorumtool -s: quorate, two members, 2Node flags', () => {
    const status = parseQuorumTool(fixture('lab/quorumtool-a.txt'));
    expect(status).toMatchObject({ quorate: true, nodes: 2, expectedVotes: 2, totalVotes: 2, flags: ['2Node', 'Quorate', 'WaitForAll'] });
    expect(status.members).toEqual([
      { nodeid: 1, votes: 1, name: 'lockstep-a', local: true },
      { nodeid: 2, votes: 1, name: 'lockstep-b', local: false },
    ]);
  });
  it('corosync-quorumtool -s with the peer down: still quorate (two_node), one member', () => {
    const status = parseQuorumTool(fixture('lab/quorumtool-b-peer-down.txt'));
    expect(status.quorate).toBe(true);
    expect(status.members.map((member) => member.name)).toEqual(['lockstep-b']);
  });
  it('crm_mon XML: DC with quorum, both nodes online', () => {
    const status = parseCrmMon(fixture('lab/crm_mon-a.xml'));
    expect(status).toMatchObject({ dcPresent: true, quorum: true });
    expect(status.nodes.map((node) => [node.name, node.online])).toEqual([['lockstep-a', true], ['lockstep-b', true]]);
  });
  it('verify: no problem on the formed cluster; a missing member is named', () => {
    expect(clusterProblems(fixture('lab/quorumtool-a.txt'), fixture('lab/crm_mon-a.xml'), ['lockstep-a', 'lockstep-b'])).toEqual([]);
    expect(clusterProblems(fixture('lab/quorumtool-b-peer-down.txt'), null, ['lockstep-a', 'lockstep-b'])).toEqual(['corosync sees 1 member(s), not 2', 'Pacemaker does not answer']);
  });
});

describe('cluster.corosync-conf', () => {
  const site = { name: 'labpair', quorum: 'two_node' } as const;
  it('renders exactly the file the lab runs (management link only)', () => {
    expect(renderCorosyncConf(site, labPair)).toBe(fixture('lab/corosync.conf-a'));
  });
  it('two knet links, private first; crypto; two_node', () => {
    const text = renderCorosyncConf(site, withLink);
    expect(text.split('\n').slice(0, 2)).toEqual(['# managed by Lockstep — edits are overwritten', '# lockstep-pair: labpair']);
    expect(text).toMatch(/transport: knet\n {4}crypto_cipher: aes256\n {4}crypto_hash: sha256/);
    expect(text).toContain('        ring0_addr: 10.99.0.1\n        ring1_addr: 10.211.0.11\n');
    expect(text).toContain('    two_node: 1\n');
  });
  it('a witness replaces two_node with a net device', () => {
    const text = renderCorosyncConf({ name: 'p', quorum: { witness: { address: '10.0.0.13', port: 22, user: 'root' } } }, withLink);
    expect(text).not.toContain('two_node');
    expect(text).toContain('        model: net\n');
    expect(text).toContain('            host: 10.0.0.13\n');
  });
  it('facts in → changes out, and the no-op when both nodes hold it', () => {
    const wanted = renderCorosyncConf(site, labPair);
    const debianDefault = 'totem {\n    version: 2\n    cluster_name: debian\n}\n';
    expect(decideCorosyncConf(wanted, { a: debianDefault, b: null })).toMatchObject({ kind: 'change', changes: [{ summary: 'write /etc/corosync/corosync.conf on node a (it differs)' }, { summary: 'write /etc/corosync/corosync.conf on node b' }] });
    expect(decideCorosyncConf(wanted, { a: fixture('lab/corosync.conf-a'), b: fixture('lab/corosync.conf-a') }).kind).toBe('noop');
  });
});

describe('cluster.authkey', () => {
  const sum = 'a'.repeat(64);
  it('generates when node a has none; copies to b when only a has it; no-op when equal and 0400', () => {
    const none = parseAuthkeyState('');
    const a = parseAuthkeyState(`400 256 ${sum}\n`);
    expect(decideAuthkey(none, none)).toMatchObject({ kind: 'change', changes: [{ summary: 'generate a new 256-byte authkey and install it on both nodes (mode 0400)' }] });
    expect(decideAuthkey(a, none)).toMatchObject({ kind: 'change', changes: [{ summary: 'copy the authkey from node a to node b (mode 0400)' }] });
    expect(decideAuthkey(a, a)).toEqual({ kind: 'noop', reason: 'both nodes hold the same authkey, mode 0400' });
  });
  it('never shows key material in a change', () => {
    const decision = decideAuthkey(parseAuthkeyState(''), parseAuthkeyState(''));
    expect(JSON.stringify(decision)).toContain('content not shown');
  });
});

describe('cluster.services', () => {
  it('no-op on the lab: enabled, running, started after its files changed', () => {
    const facts = parseServices(fixture('lab/services-a.txt'));
    expect(decideServices(facts)).toEqual({ kind: 'noop', reason: 'corosync, pacemaker are enabled and running with the current configuration' });
  });
  it('Debian’s corosync running with its default file is restarted after the file changes', () => {
    const facts = parseServices('unit corosync enabled active\nunit pacemaker disabled inactive\nsince 100\nconfig 200\n');
    const decision = decideServices(facts);
    expect(decision.kind === 'change' && decision.changes.flatMap((change) => change.commands)).toEqual(['systemctl enable pacemaker', 'systemctl restart corosync', 'systemctl start corosync pacemaker']);
  });
});

describe('fencing', () => {
  const base = { fencing: { mode: 'none', acknowledgeNoFencing: true } } as const;
  it('stonith-enabled=false only with the acknowledgement', () => {
    expect(wantedProperties(base)).toEqual({ 'stonith-enabled': 'false', 'no-quorum-policy': 'stop' });
    expect(() => wantedProperties({ fencing: { mode: 'none', acknowledgeNoFencing: false } })).toThrow(/not acknowledged/);
    expect(wantedProperties({ fencing: { mode: 'ipmi', acknowledgeNoFencing: false } })['stonith-enabled']).toBe('true');
  });
  it('properties: facts in → commands out, no-op when set', () => {
    const wanted = wantedProperties(base);
    expect(decideProperties(wanted, new Map([['stonith-enabled', null], ['no-quorum-policy', 'stop']]))).toMatchObject({ kind: 'change', changes: [{ commands: ['crm_attribute --type crm_config --name stonith-enabled --update false'] }] });
    expect(decideProperties(wanted, new Map([['stonith-enabled', 'false'], ['no-quorum-policy', 'stop']])).kind).toBe('noop');
  });
  it('resource stickiness: a default of its own type, decided with the properties in one step', () => {
    const properties = new Map([['stonith-enabled', 'false'], ['no-quorum-policy', 'stop']]);
    const missing = decideSettings(base, properties, new Map([['resource-stickiness', null]]));
    expect(missing).toEqual({
      kind: 'change',
      changes: [
        {
          summary: 'set the resource default resource-stickiness=100',
          commands: ['crm_attribute --type rsc_defaults --name resource-stickiness --update 100'],
        },
      ],
    });
    expect(decideSettings(base, properties, new Map([['resource-stickiness', '100']]))).toEqual({
      kind: 'noop',
      reason: 'stonith-enabled=false, no-quorum-policy=stop already set; resource-stickiness=100 already set',
    });
    // Before the cluster runs: everything is a change.
    const fresh = decideSettings(base, new Map(), new Map());
    expect(fresh.kind === 'change' && fresh.changes.map((change) => change.summary)).toEqual([
      'set the cluster property stonith-enabled=false',
      'set the cluster property no-quorum-policy=stop',
      'set the resource default resource-stickiness=100',
    ]);
  });
  const site = {
    nodes: [
      { address: 'a', port: 22, name: 'x', bmc: { address: '10.0.9.11', user: 'admin', port: 623, password: 'prompt' } },
      { address: 'b', port: 22, name: 'y', bmc: { address: '10.0.9.12', user: 'admin', port: 623, password: 'prompt' } },
    ],
  } as unknown as ResolvedSite;
  const devices = fenceDevices({ site, pair: labPair });
  const secret = 's3cr<t"&';
  const secrets = new Map([['a', secret], ['b', secret]] as const);
  const stored = { a: passwordDigest(secret), b: passwordDigest(secret) };
  const configured = (passwordFiles: FenceState['passwordFiles'] = stored) =>
    new Map(devices.map((device) => [device.node, { params: parseNvpairs(renderFencePrimitive(device)), constraint: true, passwordFiles }] as const));
  it('fence_ipmilan primitives name a root-only password file; the password is in no primitive and no change', () => {
    const params = parseNvpairs(renderFencePrimitive(devices[0]!));
    expect(params.has('password')).toBe(false);
    expect(params.get('password_script')).toBe('cat /etc/lockstep/fence/lockstep-fence-a.password');
    expect(params.get('pcmk_host_list')).toBe('lockstep-a');
    const decision = decideFencing(devices, new Map(), secrets);
    expect(decision.kind === 'change' && decision.changes.map((change) => change.summary)).toEqual([
      'store the BMC password of lockstep-a in /etc/lockstep/fence/lockstep-fence-a.password on both servers (root only)',
      'create the fence_ipmilan device lockstep-fence-a for lockstep-a (BMC 10.0.9.11:623, user admin)',
      'keep lockstep-fence-a off lockstep-a',
      'store the BMC password of lockstep-b in /etc/lockstep/fence/lockstep-fence-b.password on both servers (root only)',
      'create the fence_ipmilan device lockstep-fence-b for lockstep-b (BMC 10.0.9.12:623, user admin)',
      'keep lockstep-fence-b off lockstep-b',
    ]);
    expect(decision.kind === 'change' && decision.changes[0]!.commands).toEqual([
      'umask 077 && mkdir -p /etc/lockstep/fence && cat > /etc/lockstep/fence/lockstep-fence-a.password.new && mv /etc/lockstep/fence/lockstep-fence-a.password.new /etc/lockstep/fence/lockstep-fence-a.password  < password on stdin, not shown',
    ]);
    expect(JSON.stringify(decision)).not.toContain('s3cr');
  });
  it('no-op when both devices, constraints and password files are in place; a changed password or a missing file is a change', () => {
    expect(decideFencing(devices, configured(), secrets)).toEqual({
      kind: 'noop',
      reason: 'both fence_ipmilan devices are configured as planned, their passwords in root-only files',
    });
    const changed = decideFencing(devices, configured(), new Map([['a', 'other'], ['b', secret]]));
    expect(changed.kind === 'change' && changed.changes.map((change) => change.summary)).toEqual([
      'store the BMC password of lockstep-a in /etc/lockstep/fence/lockstep-fence-a.password on both servers (root only)',
    ]);
    const missingOnB = decideFencing(devices, configured({ a: stored.a, b: null }), secrets);
    expect(missingOnB.kind === 'change' && missingOnB.changes).toHaveLength(2);
  });
  it('a device that still carries its password in the CIB (made by an earlier version) is rewritten without it', () => {
    const old = new Map(
      devices.map((device) => {
        const params = parseNvpairs(renderFencePrimitive(device));
        params.delete('password_script');
        params.set('password', secret);
        return [device.node, { params, constraint: true, passwordFiles: { a: null, b: null } }] as const;
      }),
    );
    const decision = decideFencing(devices, old, secrets);
    expect(decision.kind === 'change' && decision.changes.slice(0, 2)).toEqual([
      expect.objectContaining({ summary: expect.stringMatching(/^store the BMC password of lockstep-a/) }),
      {
        summary: 'update the fence_ipmilan device lockstep-fence-a for lockstep-a (BMC 10.0.9.11:623, user admin), its password out of the CIB',
        commands: [
          'cibadmin --modify --allow-create --scope resources --xml-pipe  < primitive lockstep-fence-a',
          `cibadmin --delete --scope resources --xml-text '<nvpair id="lockstep-fence-a-password"/>'`,
        ],
      },
    ]);
    expect(JSON.stringify(decision)).not.toContain('s3cr');
  });
  it('reads sha256sum output into file digests', () => {
    const line = `${'ab'.repeat(32)}  /etc/lockstep/fence/lockstep-fence-a.password`;
    expect(parseDigests(`${line}\n`)).toEqual(new Map([['/etc/lockstep/fence/lockstep-fence-a.password', 'ab'.repeat(32)]]));
    expect(parseDigests('')).toEqual(new Map());
  });
  it('fencing: none removes the devices and password files an ipmi apply left, constraint before primitive', () => {
    const decision = decideFenceRemoval(configured({ a: stored.a, b: null }));
    expect(decision.kind === 'change' && decision.changes.map((change) => [change.summary, change.commands])).toEqual([
      [
        'remove the fence device lockstep-fence-a (the site has fencing: none)',
        [
          `cibadmin --delete --scope constraints --xml-text '<rsc_location id="lockstep-fence-a-avoid"/>'`,
          `cibadmin --delete --scope resources --xml-text '<primitive id="lockstep-fence-a"/>'`,
        ],
      ],
      ['remove the BMC password file /etc/lockstep/fence/lockstep-fence-a.password from node a', ['rm -f /etc/lockstep/fence/lockstep-fence-a.password']],
      [
        'remove the fence device lockstep-fence-b (the site has fencing: none)',
        [
          `cibadmin --delete --scope constraints --xml-text '<rsc_location id="lockstep-fence-b-avoid"/>'`,
          `cibadmin --delete --scope resources --xml-text '<primitive id="lockstep-fence-b"/>'`,
        ],
      ],
      ['remove the BMC password file /etc/lockstep/fence/lockstep-fence-b.password from node a', ['rm -f /etc/lockstep/fence/lockstep-fence-b.password']],
    ]);
    // Half-removed (a constraint without its primitive): only what is left goes.
    const none = { a: null, b: null };
    const half = decideFenceRemoval(
      new Map([
        ['a', { params: null, constraint: true, passwordFiles: none }],
        ['b', { params: null, constraint: false, passwordFiles: none }],
      ]),
    );
    expect(half.kind === 'change' && half.changes.flatMap((change) => change.commands)).toEqual([
      `cibadmin --delete --scope constraints --xml-text '<rsc_location id="lockstep-fence-a-avoid"/>'`,
    ]);
  });
  it('fencing: none is a no-op when the CIB holds no Lockstep fence device', () => {
    const files = { a: null, b: null };
    const none = new Map([['a', { params: null, constraint: false, passwordFiles: files }], ['b', { params: null, constraint: false, passwordFiles: files }]] as const);
    expect(decideFenceRemoval(none)).toEqual({ kind: 'noop', reason: 'no Lockstep fence devices (the site has fencing: none)' });
    expect(decideFenceRemoval(new Map()).kind).toBe('noop');
  });
});
