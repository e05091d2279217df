import { describe, expect, it } from 'vitest';
import { formatEndpoint, parseEndpoint, parsePort } from '../../../provisioning/api/endpoint-parse';
import { LockstepError } from '../../../provisioning/api/errors';

const usage = (run: () => unknown): LockstepError => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(LockstepError);
    expect((error as LockstepError).code).toBe('usage');
    return error as LockstepError;
  }
  throw new Error('expected a usage error');
};

describe('parseEndpoint', () => {
  it.each([
    ['10.0.0.11', { host: '10.0.0.11', port: 22 }],
    ['10.0.0.11:2222', { host: '10.0.0.11', port: 2222 }],
    ['Node1.Example.org', { host: 'node1.example.org', port: 22 }],
    ['node1.example.org.:2200', { host: 'node1.example.org', port: 2200 }],
    ['localhost', { host: 'localhost', port: 22 }],
    ['[::1]:2222', { host: '::1', port: 2222 }],
    ['[::1]', { host: '::1', port: 22 }],
    ['::1', { host: '::1', port: 22 }],
    ['2001:DB8::5', { host: '2001:db8::5', port: 22 }],
    ['[fe80::1%eth0]:22', { host: 'fe80::1%eth0', port: 22 }],
    ['::ffff:10.0.0.1', { host: '::ffff:10.0.0.1', port: 22 }],
  ])('reads %s', (text, expected) => {
    expect(parseEndpoint(text)).toEqual(expected);
  });

  it('uses the default port when none is written', () => {
    expect(parseEndpoint('10.0.0.11', 2022)).toEqual({ host: '10.0.0.11', port: 2022 });
  });

  it.each([
    ['', /is empty/],
    ['root@10.0.0.11', /contains a user name/],
    ['10.0.0.256', /not a valid IPv4 address/],
    ['10.0.0', /not a valid IPv4 address/],
    ['10.0.0.11:0', /out of range/],
    ['10.0.0.11:70000', /out of range/],
    ['10.0.0.11:ssh', /not a number/],
    ['bad_name', /not a valid hostname/],
    ['-node', /not a valid hostname/],
    ['[10.0.0.11]:22', /not an IPv6 address/],
    ['2001:db8::5:22:1:2:3:4:5', /not a valid address/],
    [':22', /has a port but no host/],
    ['a b', /contains a space/],
  ])('refuses %j naming the field', (text, message) => {
    const error = usage(() => parseEndpoint(text, 22, 'nodes[0].address'));
    expect(error.field).toBe('nodes[0].address');
    expect(error.message).toMatch(message);
    expect(error.remedy).not.toBe('');
  });

  it('writes endpoints back the way it reads them', () => {
    for (const text of ['10.0.0.11', '10.0.0.11:2222', '[::1]:2222', '::1', 'node1']) {
      expect(formatEndpoint(parseEndpoint(text))).toBe(text);
    }
  });

  it('reads ports strictly', () => {
    expect(parsePort('22')).toBe(22);
    expect(usage(() => parsePort('22x', '--port')).field).toBe('--port');
  });
});
