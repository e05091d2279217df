import { describe, expect, it } from 'vitest';
import { LockstepError } from '../../../provisioning/api/errors';
import { parseTargets, rangeAddresses, resolveTargets, type Target } from '../../../provisioning/discovery/targets';

function usageError(args: string[]): LockstepError {
  try {
    parseTargets(args);
  } catch (error) {
    expect(error).toBeInstanceOf(LockstepError);
    return error as LockstepError;
  }
  throw new Error(`expected ${args.join(' ')} to be refused`);
}

function range(target: Target): Extract<Target, { kind: 'range' }> {
  if (target.kind !== 'range') throw new Error(`not a range: ${JSON.stringify(target)}`);
  return target;
}

describe('parseTargets', () => {
  it('reads IPv4 addresses, with and without a port', () => {
    expect(parseTargets(['10.0.0.11', '10.0.0.12:2222'])).toEqual([
      { kind: 'address', text: '10.0.0.11', address: '10.0.0.11', port: 22 },
      { kind: 'address', text: '10.0.0.12:2222', address: '10.0.0.12', port: 2222 },
    ]);
  });

  it('uses the default port for targets without one', () => {
    expect(parseTargets(['10.0.0.11', 'db1'], 2200).map((target) => target.port)).toEqual([2200, 2200]);
  });

  it('reads IPv6 literals bare, bracketed, with a port and with a zone', () => {
    const targets = parseTargets(['::1', '[2001:DB8::5]:2222', '[fe80::1%eth0]:22', '2001:db8:0:0:0:0:0:7']);
    expect(targets).toEqual([
      { kind: 'address', text: '::1', address: '::1', port: 22 },
      { kind: 'address', text: '[2001:DB8::5]:2222', address: '2001:db8::5', port: 2222 },
      { kind: 'address', text: '[fe80::1%eth0]:22', address: 'fe80::1%eth0', port: 22 },
      { kind: 'address', text: '2001:db8:0:0:0:0:0:7', address: '2001:db8::7', port: 22 },
    ]);
  });

  it('reads hostnames, with and without a port', () => {
    expect(parseTargets(['server1.example.net', 'db1:2222'])).toEqual([
      { kind: 'name', text: 'server1.example.net', name: 'server1.example.net', port: 22 },
      { kind: 'name', text: 'db1:2222', name: 'db1', port: 2222 },
    ]);
  });

  it('reads an IPv4 CIDR as its hosts, without the network and broadcast addresses', () => {
    const target = range(parseTargets(['10.211.0.0/24'])[0]!);
    expect(target).toMatchObject({ family: 4, network: '10.211.0.0', prefix: 24, port: 22, count: 254 });
    const addresses = [...rangeAddresses(target)];
    expect(addresses).toHaveLength(254);
    expect(addresses[0]).toBe('10.211.0.1');
    expect(addresses.at(-1)).toBe('10.211.0.254');
  });

  it('normalises a CIDR written with host bits, and takes a port after it', () => {
    const target = range(parseTargets(['10.211.0.77/30:2222'])[0]!);
    expect(target).toMatchObject({ network: '10.211.0.76', port: 2222, count: 2 });
    expect([...rangeAddresses(target)]).toEqual(['10.211.0.77', '10.211.0.78']);
  });

  it('keeps every address of a /31 and a /32', () => {
    expect([...rangeAddresses(range(parseTargets(['10.0.0.4/31'])[0]!))]).toEqual(['10.0.0.4', '10.0.0.5']);
    expect([...rangeAddresses(range(parseTargets(['10.0.0.9/32'])[0]!))]).toEqual(['10.0.0.9']);
  });

  it('accepts a /16 and refuses anything larger, naming the argument and showing an example', () => {
    expect(range(parseTargets(['10.1.0.0/16'])[0]!).count).toBe(65_534);
    const error = usageError(['10.0.0.11', '10.0.0.0/8']);
    expect(error.code).toBe('usage');
    expect(error.field).toBe('argument 2');
    expect(error.message).toContain("'10.0.0.0/8'");
    expect(error.message).toContain('16,777,216');
    expect(error.remedy).toContain('lockstep discover 10.0.0.0/24');
  });

  it('expands tiny IPv6 prefixes and refuses larger ones', () => {
    const target = range(parseTargets(['[2001:db8::ff/126]:2222'])[0]!);
    expect(target).toMatchObject({ family: 6, network: '2001:db8::fc', port: 2222, count: 4 });
    expect([...rangeAddresses(target)]).toEqual(['2001:db8::fc', '2001:db8::fd', '2001:db8::fe', '2001:db8::ff']);
    expect(range(parseTargets(['2001:db8::/120'])[0]!).count).toBe(256);
    const error = usageError(['fd00::/64']);
    expect(error.message).toContain('/120');
    expect(error.remedy).toMatch(/lockstep discover/);
  });

  it('refuses more than 65,536 addresses in one run', () => {
    const error = usageError(['10.1.0.0/16', '10.2.0.0/24']);
    expect(error.code).toBe('usage');
    expect(error.message).toContain('65,536');
  });

  it.each([
    ['10.0.0.300', /not a valid IPv4 address/],
    ['10.0.0.11:0', /port/],
    ['10.0.0.11:99999', /port/],
    ['10.0.0.11:ssh', /port/],
    ['10.0.0.0/33', /prefix length/],
    ['10.0.0.0/x', /prefix length/],
    ['300.0.0.0/24', /not an IPv4 network address/],
    ['[10.0.0.1]:22', /not an IPv6 address/],
    ['2001:db8::zz', /not a valid address/],
    ['root@10.0.0.11', /user name/],
    ['bad_name!', /not a valid hostname/],
    ['', /empty/],
  ])('refuses %j as a usage error that explains what was expected', (argument, message) => {
    const error = usageError([argument]);
    expect(error.code).toBe('usage');
    expect(error.field).toBe('argument 1');
    expect(error.message).toMatch(message);
    expect(error.remedy.length).toBeGreaterThan(10);
  });

  it('refuses an empty argument list', () => {
    expect(usageError([]).message).toMatch(/No address/);
  });
});

describe('resolveTargets', () => {
  const resolver = async (name: string): Promise<string[]> => {
    if (name === 'pair.example') return ['10.0.0.11', '2001:db8::11'];
    if (name === 'dup.example') return ['10.0.0.11'];
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
  };

  it('scans every address of a name, and reports a name that does not resolve instead of failing', async () => {
    const { endpoints, unresolved } = await resolveTargets(
      parseTargets(['pair.example', 'nosuch.example:2222', '10.0.0.12']),
      resolver,
    );
    expect(endpoints).toEqual([
      { host: '10.0.0.11', port: 22, target: 'pair.example', name: 'pair.example', single: true },
      { host: '2001:db8::11', port: 22, target: 'pair.example', name: 'pair.example', single: true },
      { host: '10.0.0.12', port: 22, target: '10.0.0.12', single: true },
    ]);
    expect(unresolved).toEqual([
      { target: 'nosuch.example:2222', name: 'nosuch.example', port: 2222, reason: 'does not resolve' },
    ]);
  });

  it('tries each address and port once, and marks range members', async () => {
    const { endpoints } = await resolveTargets(parseTargets(['dup.example', '10.0.0.8/29', '10.0.0.11']), resolver);
    expect(endpoints.map((endpoint) => `${endpoint.host}:${endpoint.port}:${endpoint.single}`)).toEqual([
      '10.0.0.11:22:true',
      '10.0.0.9:22:false',
      '10.0.0.10:22:false',
      '10.0.0.12:22:false',
      '10.0.0.13:22:false',
      '10.0.0.14:22:false',
    ]);
  });
});
