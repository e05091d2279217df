import { describe, expect, it } from 'vitest';
import {
  closestMatch,
  isAddress,
  parseCidr,
  problemText,
  validateSite,
  validateSiteField,
} from '../../../provisioning/api/site';

describe("validateSiteField: one form field, the loader's words", () => {
  it('accepts a good value', () => {
    expect(validateSiteField('nodes.0.address', 'node-a.example.com')).toEqual([]);
    expect(validateSiteField('nodes[1].port', 2222)).toEqual([]);
    expect(validateSiteField('network.private.mtu', 'auto')).toEqual([]);
  });

  it('explains a bad address exactly as the loader does, without the position', () => {
    expect(validateSiteField('nodes.0.address', '10.0.0.300').map(problemText)).toEqual([
      'nodes[0].address: expected an IPv4 or IPv6 address or a hostname, got "10.0.0.300". Fix: an IPv4 address is four numbers from 0 to 255 separated by dots, e.g. `10.0.0.11`.',
    ]);
    expect(validateSiteField('nodes.0.address', '10.0.0.11:22')[0]?.fix).toBe(
      'write the port under `port:` and the address alone, e.g. `10.0.0.11`.',
    );
  });

  it('refuses a BMC password value and does not echo it', () => {
    const [problem] = validateSiteField('nodes.1.bmc.password', 'hunter2');
    expect(problem?.got).toBe('a secret value (not shown)');
    expect(problem?.fix).toContain('LOCKSTEP_BMC_B_PASSWORD');
    expect(validateSiteField('nodes.1.bmc.password', { env: 'MY_BMC' })).toEqual([]);
  });

  it('knows the count of nodes and unknown fields', () => {
    expect(validateSiteField('nodes', [{ address: '10.0.0.11' }])[0]?.message).toBe(
      'expected exactly two servers, got 1',
    );
    expect(validateSiteField('ssh.usr', 'root')[0]?.message).toBe('unknown field — did you mean `user`?');
  });

  it('validates a whole form with the rules that span fields', () => {
    const result = validateSite({ name: 'pair1', nodes: [{ address: 'h1' }, { address: 'H1' }] });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.map((problem) => problem.field)).toEqual(['nodes[1].address']);
  });
});

describe('value rules', () => {
  it('tells addresses from near misses', () => {
    for (const good of ['10.0.0.11', 'fd00::1', '::1', 'node-a', 'node-a.example.com', '255.255.255.255']) {
      expect(isAddress(good), good).toBe(true);
    }
    for (const bad of ['10.0.0.300', '10.0.0', '010.0.0.1', '-node', 'a b', '', 'node_a', '[fd00::1]']) {
      expect(isAddress(bad), bad).toBe(false);
    }
  });

  it('parses CIDR blocks and finds their network address', () => {
    expect(parseCidr('10.99.0.1/30')).toEqual({
      family: 4,
      address: '10.99.0.1',
      prefix: 30,
      network: '10.99.0.0',
    });
    expect(parseCidr('fd00:99::1/64')?.network).toBe('fd00:99::');
    expect(parseCidr('10.99.0.0/33')).toBeUndefined();
    expect(parseCidr('10.99.0.0')).toBeUndefined();
  });

  it('suggests close names only', () => {
    expect(closestMatch('adress', ['address', 'port'])).toBe('address');
    expect(closestMatch('identity_file', ['user', 'identityFile', 'port'])).toBe('identityFile');
    expect(closestMatch('colour', ['name', 'nodes'])).toBeUndefined();
  });
});
