import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PairFacts } from '../../../provisioning/engine/types';
import { assertSparesManagement, bridgeCommands, decideNetwork, privateCommands, renderBridges, renderPrivate, sourcesInterfacesD } from '../../../provisioning/recipes/network/interfaces';
import { renderRollback } from '../../../provisioning/recipes/network/rollback';
import { parseIpAddr, parseIpRoutes } from '../../../provisioning/recipes/parse/ip';

const fixture = (name: string): string => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');
const labA = parseIpAddr(fixture('lab/ip-addr-a.json'));

const pair: PairFacts = {
  pairName: 'p',
  hostnames: { a: 'lockstep-a', b: 'lockstep-b' },
  management: { a: { nic: 'enp1s0', address: '10.211.0.11' }, b: { nic: 'enp1s0', address: '10.211.0.12' } },
  privateLink: { a: { nic: 'enp3s0', address: '10.99.0.1' }, b: { nic: 'enp2s0', address: '10.99.0.2' }, prefixLength: 30, mtu: 9000 },
  business: [{ bridge: 'br-biz', a: 'enp2s0', b: 'enp3s0' }],
  disks: { a: [], b: [] },
  storageAvailable: false,
};

describe('ip parsers (captured in the lab and on this machine)', () => {
  it('reads devices with addresses, MTU and master', () => {
    expect(labA.get('enp1s0')).toMatchObject({ mtu: 1500, up: true, master: null, kind: 'veth', addresses: [{ family: 'inet', local: '10.211.0.11', prefixlen: 24, scope: 'global' }, { family: 'inet6', scope: 'link' }] });
  });
  it('reads routes with a gateway', () => {
    expect(parseIpRoutes(fixture('ip-route4-host.json'))[0]).toEqual({ dst: 'default', gateway: '192.0.2.1', dev: 'eth0' });
  });
});

describe('network.bridges / network.private-link', () => {
  it('facts in → commands out: the lab as booted needs a bridge and the private address', () => {
    expect(bridgeCommands([{ bridge: 'br-biz', port: 'enp2s0' }], labA)).toEqual([
      'ip link add name br-biz type bridge stp_state 0 forward_delay 0',
      'ip link set dev enp2s0 master br-biz',
      'ip link set dev br-biz up',
    ]);
    expect(privateCommands('enp3s0', '10.99.0.1', 30, 9000, labA.get('enp3s0'))).toEqual(['ip link set dev enp3s0 mtu 9000', 'ip addr add 10.99.0.1/30 dev enp3s0']);
  });
  it('no-op when the file and the runtime state already hold', () => {
    const configured = parseIpAddr(fixture('lab/ip-addr-a-configured.json'));
    const wanted = renderPrivate('p', 'enp3s0', '10.99.0.1', 30, 9000);
    const runtime = privateCommands('enp3s0', '10.99.0.1', 30, 9000, configured.get('enp3s0'));
    expect(decideNetwork('the private link', '/etc/network/interfaces.d/lockstep-private', wanted, wanted, runtime, true)).toEqual({ kind: 'noop', reason: 'the private link is configured and up' });
    expect(bridgeCommands([{ bridge: 'br-biz', port: 'enp2s0' }], configured)).toEqual([]);
  });
  it('renders ifupdown stanzas with the marker', () => {
    expect(renderBridges('p', [{ bridge: 'br-biz', port: 'enp2s0' }])).toContain('# lockstep-pair: p\n');
    expect(renderBridges('p', [{ bridge: 'br-biz', port: 'enp2s0' }])).toContain('auto br-biz\niface br-biz inet manual\n    bridge_ports enp2s0\n');
    expect(renderPrivate('p', 'enp3s0', 'fd00:99::1', 64, 9000)).toContain('iface enp3s0 inet6 static\n    address fd00:99::1/64\n    mtu 9000\n');
  });
  it('knows whether /etc/network/interfaces reads interfaces.d', () => {
    expect(sourcesInterfacesD('source /etc/network/interfaces.d/*\n')).toBe(true);
    expect(sourcesInterfacesD('auto lo\niface lo inet loopback\n')).toBe(false);
    expect(sourcesInterfacesD(null)).toBe(false);
  });
  it('refuses a plan that names the management NIC', () => {
    expect(() => assertSparesManagement({ ...pair, business: [{ bridge: 'br0', a: 'enp1s0', b: 'enp3s0' }] }, 'a')).toThrow(/management interface enp1s0/);
    expect(() => assertSparesManagement(pair, 'a')).not.toThrow();
  });
  it('the rollback restores files, deletes new bridges, and puts back addresses and routes', () => {
    const script = renderRollback(
      'ID',
      'p',
      { files: [{ path: '/etc/network/interfaces.d/lockstep-bridges', content: 'x' }], commands: [], devices: ['br-biz', 'enp2s0'] },
      { devices: labA, routes: [{ dst: 'default', gateway: '10.211.0.1', dev: 'enp1s0' }], files: new Map([['/etc/network/interfaces.d/lockstep-bridges', null]]) },
      ['enp1s0'],
    );
    expect(script).toContain('rm -f -- /etc/network/interfaces.d/lockstep-bridges\n');
    expect(script).toContain('ip link del dev br-biz\n');
    expect(script).toContain('ip link set dev enp2s0 nomaster\n');
    expect(script).toContain('ip addr add 10.211.0.11/24 dev enp1s0\n');
    expect(script).toContain('ip route replace default via 10.211.0.1 dev enp1s0\n');
    expect(script).not.toMatch(/set -e\b/);
  });
});
