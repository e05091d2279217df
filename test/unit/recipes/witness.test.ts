import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  decideWitness,
  nodesCertified,
  parseNodeCertFacts,
  parseSections,
  parseWitnessFacts,
  samePem,
  type NodeCertFacts,
  type WitnessHostFacts,
} from '../../../provisioning/recipes/cluster/witness';
import { decideServices, parseServices } from '../../../provisioning/recipes/cluster/services';
import { parseQuorumTool } from '../../../provisioning/recipes/parse/cluster';
import { clusterProblems } from '../../../provisioning/recipes/verify';
import { classifyPortProbe } from '../../../provisioning/validation/gather';

const fixture = (name: string): string => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');

describe('witness facts, parsed from the real witness and nodes', () => {
  it('a fresh witness: bookworm amd64, nothing of qnetd yet', () => {
    expect(parseWitnessFacts(fixture('witness/witness-facts-fresh.txt'))).toEqual({
      release: 'bookworm',
      architecture: 'amd64',
      qnetdInstalled: false,
      qnetdEnabled: false,
      qnetdActive: false,
      caPem: null,
      clusterCert: false,
    });
  });

  it('an installed witness: qnetd enabled and running, its CA, the cluster certificate signed', () => {
    const facts = parseWitnessFacts(fixture('witness/witness-facts-installed.txt'));
    expect(facts).toMatchObject({
      release: 'bookworm',
      architecture: 'amd64',
      qnetdInstalled: true,
      qnetdEnabled: true,
      qnetdActive: true,
      clusterCert: true,
    });
    expect(facts.caPem).toMatch(/^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----$/);
  });

  it('a node without a qdevice database, and one certified for cluster lab by the witness CA', () => {
    expect(parseNodeCertFacts(fixture('witness/node-certs-none.txt'))).toEqual({
      caPem: null,
      clusterSubject: null,
    });
    const certified = parseNodeCertFacts(fixture('witness/node-certs-a.txt'));
    expect(certified.clusterSubject).toBe('CN=lab');
    const witness = parseWitnessFacts(fixture('witness/witness-facts-installed.txt'));
    expect(samePem(certified.caPem, witness.caPem)).toBe(true);
  });

  it('sections: `@@ name` lines split the output, empty sections stay empty', () => {
    expect(parseSections('@@ one\nfirst\nsecond\n@@ two\n@@ three\nx\n')).toEqual(
      new Map([
        ['one', 'first\nsecond'],
        ['two', ''],
        ['three', 'x'],
      ]),
    );
  });
});

const CA = '-----BEGIN CERTIFICATE-----\nMIIBfake0\nAAAA\n-----END CERTIFICATE-----';
const OTHER_CA = '-----BEGIN CERTIFICATE-----\nMIIBfake1\nBBBB\n-----END CERTIFICATE-----';
const installed: WitnessHostFacts = {
  release: 'bookworm',
  architecture: 'amd64',
  qnetdInstalled: true,
  qnetdEnabled: true,
  qnetdActive: true,
  caPem: CA,
  clusterCert: true,
};
const certified: NodeCertFacts = { caPem: CA.replaceAll('\n', '\r\n'), clusterSubject: 'CN=lab' };

describe('cluster.witness decisions', () => {
  it('nothing to do when qnetd runs and both nodes hold certificates from its CA', () => {
    expect(
      decideWitness('lab', {
        witness: installed,
        source: 'bundle',
        bundle: null,
        nodes: [certified, certified],
      }),
    ).toEqual({
      kind: 'noop',
      reason: "the witness runs corosync-qnetd and both nodes hold cluster lab's certificate from its CA",
    });
  });

  it('a fresh witness of a bundle site: bundle, install from it, certificates, nothing started by hand', () => {
    const fresh: WitnessHostFacts = {
      ...installed,
      qnetdInstalled: false,
      qnetdEnabled: false,
      qnetdActive: false,
      caPem: null,
      clusterCert: false,
    };
    const none: NodeCertFacts = { caPem: null, clusterSubject: null };
    const decision = decideWitness('lab', {
      witness: fresh,
      source: 'bundle',
      bundle: {
        kind: 'change',
        changes: [{ summary: 'upload 333 of 333 bundle files', commands: ['sftp put …'] }],
      },
      nodes: [none, none],
    });
    expect(decision.kind).toBe('change');
    if (decision.kind !== 'change') return;
    expect(decision.changes.map((change) => change.summary)).toEqual([
      'witness: upload 333 of 333 bundle files',
      'install corosync-qnetd on the witness',
      'issue the certificate of cluster lab and import it on both nodes',
      'enable and start corosync-qnetd on the witness',
    ]);
    expect(decision.changes[1]?.commands.join('\n')).toContain(
      'Dir::Etc::SourceList=/etc/apt/sources.list.d/lockstep-bundle.list',
    );
  });

  it('reissues certificates when the witness has a new CA, or a node holds another cluster’s', () => {
    const renewed = {
      witness: { ...installed, caPem: OTHER_CA },
      source: 'bundle',
      bundle: null,
      nodes: [certified, certified],
    } as const;
    expect(nodesCertified('lab', renewed)).toBe(false);
    expect(decideWitness('lab', renewed)).toMatchObject({
      kind: 'change',
      changes: [{ summary: 'issue the certificate of cluster lab and import it on both nodes' }],
    });
    const renamed = {
      witness: installed,
      source: 'bundle',
      bundle: null,
      nodes: [certified, certified],
    } as const;
    expect(nodesCertified('prod', renamed)).toBe(false);
    expect(nodesCertified('lab', renamed)).toBe(true);
  });

  it('a witness whose CA database was removed gets a new CA; a stopped qnetd is started', () => {
    const decision = decideWitness('lab', {
      witness: { ...installed, caPem: null, qnetdActive: false },
      source: 'bundle',
      bundle: null,
      nodes: [certified, certified],
    });
    expect(decision.kind === 'change' && decision.changes.map((change) => change.commands[0])).toEqual([
      'corosync-qnetd-certutil -i -G',
      'corosync-qdevice-net-certutil -i -c /var/lib/lockstep/qdevice-exchange/qnetd-cacert.crt',
      'systemctl enable --now corosync-qnetd',
    ]);
  });

  it('samePem ignores line breaks and refuses a missing certificate', () => {
    expect(samePem(CA, CA.replaceAll('\n', '\n\n'))).toBe(true);
    expect(samePem(CA, OTHER_CA)).toBe(false);
    expect(samePem(null, CA)).toBe(false);
  });
});

describe('cluster.services on a site without a witness', () => {
  it('stops and disables a corosync-qdevice left from a witness, before restarting corosync', () => {
    const facts = parseServices(fixture('witness/services-two-node-after-witness.txt'));
    const decision = decideServices(facts, ['corosync-qdevice']);
    expect(
      decision.kind === 'change' && decision.changes.map((change) => change.commands.join('; ')),
    ).toEqual([
      'systemctl disable --now corosync-qdevice',
      'systemctl restart corosync',
      'systemctl start corosync pacemaker',
    ]);
  });

  it('a disabled, stopped corosync-qdevice is as it should be', () => {
    const facts = parseServices(
      'unit corosync-qdevice disabled inactive\nunit corosync enabled active\nunit pacemaker enabled active\nsince 200\nconfig 100\n',
    );
    expect(decideServices(facts, ['corosync-qdevice'])).toEqual({
      kind: 'noop',
      reason:
        'corosync, pacemaker are enabled and running with the current configuration (corosync-qdevice off)',
    });
  });
});

describe('corosync-quorumtool -s with a quorum witness', () => {
  it('both nodes and the Qdevice vote: 3 expected, 3 total, the device is not a member', () => {
    const status = parseQuorumTool(fixture('witness/quorumtool-witness-a.txt'));
    expect(status).toMatchObject({
      quorate: true,
      nodes: 2,
      expectedVotes: 3,
      totalVotes: 3,
      flags: ['Quorate', 'Qdevice'],
      qdevice: { votes: 1 },
    });
    expect(status.members).toEqual([
      { nodeid: 1, votes: 1, name: 'lockstep-a', local: true, qdevice: ['A', 'V', 'NMW'] },
      { nodeid: 2, votes: 1, name: 'lockstep-b', local: false, qdevice: ['A', 'V', 'NMW'] },
    ]);
    expect(parseQuorumTool(fixture('lab/quorumtool-a.txt')).qdevice).toBeNull();
  });

  it('one node alone stays quorate with the witness: 2 of 3 votes', () => {
    const status = parseQuorumTool(fixture('witness/quorumtool-witness-b-alone.txt'));
    expect(status).toMatchObject({
      quorate: true,
      nodes: 1,
      expectedVotes: 3,
      totalVotes: 2,
      qdevice: { votes: 1 },
    });
    expect(status.members.map((member) => member.name)).toEqual(['lockstep-b']);
  });

  it('verify.pair wants the witness’s vote on a witness site, and only there', () => {
    const crm = fixture('lab/crm_mon-a.xml');
    const hosts = ['lockstep-a', 'lockstep-b'];
    expect(clusterProblems(fixture('witness/quorumtool-witness-a.txt'), crm, hosts, true)).toEqual([]);
    expect(clusterProblems(fixture('lab/quorumtool-a.txt'), crm, hosts, true)).toEqual([
      'corosync counts no vote from the quorum witness (corosync-qdevice is not connected to it)',
    ]);
    expect(clusterProblems(fixture('lab/quorumtool-a.txt'), crm, hosts, false)).toEqual([]);
  });
});

describe('a node’s connection to the witness’s qnetd port', () => {
  it('classifies what bash /dev/tcp says', () => {
    expect(classifyPortProbe(1, fixture('witness/probe-refused.stderr'))).toEqual({
      answer: 'refused',
      detail: 'connection refused',
    });
    expect(classifyPortProbe(1, fixture('witness/probe-no-route.stderr'))).toEqual({
      answer: 'unreachable',
      detail: 'No route to host',
    });
    expect(classifyPortProbe(124, '')).toEqual({ answer: 'no-answer', detail: 'no answer within 5 s' });
    expect(classifyPortProbe(0, '')).toEqual({ answer: 'open', detail: 'connected' });
  });
});
