import { describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyDiscovered } from '../../../provisioning/site/resolve';
import { formatSiteFile } from '../../../provisioning/site/format';
import { loadSiteFile } from '../../../provisioning/site/load';
import { DISCOVERED, siteFolder } from './helpers';

describe('formatSiteFile', () => {
  it('writes what the loader reads back equal (smallest file, autos kept)', () => {
    const folder = siteFolder();
    const first = loadSiteFile(
      folder.write(
        'name: pair1\nnodes:\n  - address: 10.0.0.11\n  - address: 10.0.0.12\nssh:\n  identityFile: ./id_test\n',
      ),
    );
    const text = formatSiteFile(first.site, {}, { baseDir: folder.dir, homeDir: folder.home });
    expect(text).toContain('identityFile: ./id_test');
    expect(loadSiteFile(folder.write(text, 'written.yaml')).site).toEqual(first.site);
  });

  it('writes a concrete site with notes above the fields, and reads it back equal', () => {
    const folder = siteFolder();
    mkdirSync(join(folder.home, '.ssh'), { recursive: true });
    writeFileSync(join(folder.home, '.ssh', 'id_ed25519'), 'key');
    const loaded = loadSiteFile(
      folder.write(`name: pair1
nodes:
  - address: 10.0.0.11
    bmc: { address: 10.0.1.11, user: ADMIN }
  - address: fd00::12
    port: 2222
    bmc: { address: bmc-b.example.com, user: ADMIN, password: prompt }
ssh: { user: admin, identityFile: ~/.ssh/id_ed25519 }
hypervisor: xen
network:
  business:
    - { bridge: br-biz }
storage:
  wipe:
    - { node: b, device: /dev/disk/by-id/nvme-B, model: SAMSUNG X, serial: "0042" }
  volumeGroup: vg0
quorum:
  witness: { address: 10.0.0.13, user: qnet }
packages: { bundle: ./bundle }
availability: { default: ft }
`),
      { homeDir: folder.home },
    );
    const concrete = applyDiscovered(loaded.site, DISCOVERED);
    const text = formatSiteFile(
      concrete,
      {
        'network.private': 'private link: enp3s0 ↔ enp2s0, found by probing the wire (10 Gb/s)',
        'nodes[1].name': 'hostname of 10.0.0.12',
      },
      { baseDir: folder.dir, homeDir: folder.home },
    );
    expect(text).toContain(
      '  # private link: enp3s0 ↔ enp2s0, found by probing the wire (10 Gb/s)\n  private: { a: enp3s0, b: enp2s0, subnet: 10.99.0.0/30, mtu: 9000 }',
    );
    expect(text).toContain('    # hostname of 10.0.0.12\n    name: node-b');
    expect(text).toContain('identityFile: ~/.ssh/id_ed25519');
    expect(text).toContain('bundle: ./bundle');
    expect(text).toContain('serial: "0042"');
    const reread = loadSiteFile(folder.write(text, 'written.yaml'), { homeDir: folder.home });
    expect(reread.site).toEqual(concrete);
    expect(reread.site.fencing).toEqual({ mode: 'ipmi', acknowledgeNoFencing: false });
    expect(reread.site.nodes[0].bmc?.password).toEqual({ env: 'LOCKSTEP_BMC_A_PASSWORD' });
  });

  it('keeps an unacknowledged "no fencing" default implicit, so the written file still loads', () => {
    const folder = siteFolder();
    const site = loadSiteFile(
      folder.write('name: pair1\nnodes:\n  - address: a.example.com\n  - address: b.example.com\n'),
    ).site;
    const text = formatSiteFile(site, {}, { homeDir: folder.home });
    expect(text).not.toContain('mode: none');
    expect(text).toContain('# No BMCs given, so no fencing');
    expect(loadSiteFile(folder.write(text, 'written.yaml')).site).toEqual(site);
  });
});
