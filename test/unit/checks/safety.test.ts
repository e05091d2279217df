import { describe, expect, it } from 'vitest';
import {
  fenceBmcUnreachable,
  fenceNone,
  quorumWitnessUnreachable,
} from '../../../provisioning/checks/safety';
import { LAB, expectFinding, expectOne, labContext, labSite, labSiteWithNodes, run } from './context';

const witness = 'quorum:\n  witness:\n    address: 10.211.0.1\n';
/** The lab site with `fencing: ipmi` and a BMC on node a (and b unless `onlyA`). */
function ipmiSite(onlyA = false) {
  return labSiteWithNodes(
    (address) =>
      address === LAB.a || !onlyA
        ? `  - address: ${address}\n    bmc: { address: ${address.replace('10.211.0.', '10.211.1.')}, user: ADMIN }`
        : `  - address: ${address}`,
    'fencing:\n  mode: ipmi\n',
  );
}

describe('quorum.witness-unreachable', () => {
  it('does not apply in two_node mode (the lab)', () => {
    expect(run(quorumWitnessUnreachable, labContext())).toEqual([]);
  });

  it('passes a witness Lockstep logs into, that both nodes reach on port 5403', () => {
    const context = labContext({
      site: labSite(witness),
      witness: {
        reachable: true,
        detail: 'root logs in over SSH with administrator rights; corosync-qnetd is not running yet',
        qnetdActive: false,
        qnetdPort: 5403,
        port: {
          a: { answer: 'refused', detail: 'connection refused' },
          b: { answer: 'refused', detail: 'connection refused' },
        },
      },
    });
    const finding = expectOne(run(quorumWitnessUnreachable, context), {
      id: 'quorum.witness-unreachable',
      severity: 'pass',
      words: [
        'Witness 10.211.0.1: root logs in',
        'The nodes reach its port 5403',
        'until apply installs corosync-qnetd',
      ],
    });
    expect(finding.subject).toBe('10.211.0.1');
  });

  it('fails a witness that cannot be logged into, with the reason and its remedy', () => {
    const context = labContext({
      site: labSite(witness),
      witness: {
        reachable: false,
        detail: 'Cannot reach SSH on 10.211.0.1 port 22: ECONNREFUSED.',
        remedy: 'Check that sshd runs on 10.211.0.1.',
        qnetdPort: 5403,
      },
    });
    const finding = expectOne(run(quorumWitnessUnreachable, context), {
      id: 'quorum.witness-unreachable',
      severity: 'fail',
      words: ['Witness 10.211.0.1 cannot be used', 'ECONNREFUSED'],
    });
    expect(finding.remedy).toBe('Check that sshd runs on 10.211.0.1.');
  });

  it('fails per node when a node gets no answer or no route to port 5403, and when it is refused while qnetd runs', () => {
    const base = { reachable: true, detail: 'root logs in', qnetdPort: 5403 } as const;
    const silent = run(
      quorumWitnessUnreachable,
      labContext({
        site: labSite(witness),
        witness: {
          ...base,
          qnetdActive: false,
          port: {
            a: { answer: 'unreachable', detail: 'No route to host' },
            b: { answer: 'refused', detail: 'connection refused' },
          },
        },
      }),
    );
    const finding = expectOne(silent, {
      id: 'quorum.witness-unreachable',
      severity: 'fail',
      node: LAB.a,
      words: ['cannot reach the witness', 'No route to host'],
    });
    expect(finding.node).toBe(LAB.a);
    expect(finding.remedy).toContain('a missing route');

    const rejected = run(
      quorumWitnessUnreachable,
      labContext({
        site: labSite(witness),
        witness: {
          ...base,
          qnetdActive: true,
          port: {
            a: { answer: 'open', detail: 'connected' },
            b: { answer: 'refused', detail: 'connection refused' },
          },
        },
      }),
    );
    const refused = expectOne(rejected, {
      id: 'quorum.witness-unreachable',
      severity: 'fail',
      node: LAB.b,
      words: ['port 5403', 'connection refused'],
    });
    expect(refused.node).toBe(LAB.b);
    expect(refused.remedy).toContain('rejects it');
  });

  it('warns when the witness was not checked', () => {
    expectOne(run(quorumWitnessUnreachable, labContext({ site: labSite(witness) })), {
      id: 'quorum.witness-unreachable',
      severity: 'warn',
      words: ['was not checked'],
    });
  });
});

describe('fence.bmc-unreachable', () => {
  it('does not apply without ipmi fencing (the lab)', () => {
    expect(run(fenceBmcUnreachable, labContext())).toEqual([]);
  });

  it('passes BMCs that answer IPMI', () => {
    const context = labContext({
      site: ipmiSite(),
      bmc: {
        a: { reachable: true, detail: 'IPMI 2.0, chassis power on' },
        b: { reachable: true, detail: 'IPMI 2.0, chassis power on' },
      },
    });
    const findings = run(fenceBmcUnreachable, context);
    expect(findings).toHaveLength(2);
    const finding = expectFinding(findings[0], {
      id: 'fence.bmc-unreachable',
      severity: 'pass',
      node: LAB.a,
      words: ['BMC 10.211.1.11 answers', 'chassis power on'],
    });
    expect(finding.subject).toBe('10.211.1.11');
  });

  it('fails a BMC that does not answer, with the reason', () => {
    const context = labContext({
      site: ipmiSite(),
      bmc: {
        a: { reachable: true, detail: 'IPMI 2.0' },
        b: { reachable: false, detail: 'no answer on UDP port 623' },
      },
    });
    expectFinding(run(fenceBmcUnreachable, context)[1], {
      id: 'fence.bmc-unreachable',
      severity: 'fail',
      node: LAB.b,
      words: ['BMC 10.211.1.12', 'no answer on UDP port 623'],
    });
  });

  it('warns for a BMC that was not tested', () => {
    expectFinding(run(fenceBmcUnreachable, labContext({ site: ipmiSite() }))[0], {
      id: 'fence.bmc-unreachable',
      severity: 'warn',
      node: LAB.a,
      words: ['BMC 10.211.1.11 was not tested'],
    });
  });

  it('warns with the reason when a BMC could not be tested yet', () => {
    const context = labContext({
      site: ipmiSite(),
      bmc: {
        a: { reachable: null, detail: 'fence_ipmilan is not installed on 10.211.0.12 yet (apply installs it)' },
        b: { reachable: true, detail: 'fence_ipmilan on 10.211.0.11 logged in as ADMIN (lanplus) and read the power state: on' },
      },
    });
    const [a, b] = run(fenceBmcUnreachable, context);
    expectFinding(a, {
      id: 'fence.bmc-unreachable',
      severity: 'warn',
      node: LAB.a,
      words: ['BMC 10.211.1.11 was not tested: fence_ipmilan is not installed on 10.211.0.12 yet'],
    });
    expect(b).toMatchObject({ severity: 'pass' });
  });

  it('never sees ipmi without a BMC on both nodes: the site file refuses it first', () => {
    // The check's "no BMC is given for this server" fail is a safeguard a valid site cannot reach.
    expect(() => ipmiSite(true)).toThrow('`fencing.mode: ipmi` needs a BMC on both nodes');
  });
});

describe('fence.none', () => {
  it('fails when no fencing is configured and the risk is not acknowledged (the lab)', () => {
    expectOne(run(fenceNone, labContext()), {
      id: 'fence.none',
      severity: 'fail',
      words: ['No fencing is configured', 'not acknowledged'],
    });
  });

  it('warns when the risk is acknowledged', () => {
    const context = labContext({ site: labSite('fencing:\n  acknowledgeNoFencing: true\n') });
    expectOne(run(fenceNone, context), {
      id: 'fence.none',
      severity: 'warn',
      words: ['both may run the same VM', 'risk is acknowledged'],
    });
  });

  it('does not apply with ipmi fencing', () => {
    const context = labContext({ site: ipmiSite() });
    expect(run(fenceNone, context)).toEqual([]);
  });
});
