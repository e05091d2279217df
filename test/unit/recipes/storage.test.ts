import { describe, expect, it } from 'vitest';
import { decidePool, dom0MemoryMiB, libvirtDropInPath, libvirtUnit, parsePoolInfo, renderLibvirtDropIn } from '../../../provisioning/recipes/hypervisor';
import { samplePair } from './sample-pair';
import { decideVolumeGroup, parsePvs, renderDrbdGlobal, renderDrbdResource, renderDrbdTemplate } from '../../../provisioning/recipes/storage';

const pair = samplePair();

describe('storage.volume-group', () => {
  it('facts in → commands out: pvcreate and vgcreate on the planned disks only', () => {
    const decision = decideVolumeGroup('lockstep', ['/dev/nvme1n1'], parsePvs('{"report":[{"pv":[{"pv_name":"/dev/sda3","vg_name":"system"}]}]}'), false);
    expect(decision.kind === 'change' && decision.changes.flatMap((change) => change.commands)).toEqual(['pvcreate -- /dev/nvme1n1', 'vgcreate -- lockstep /dev/nvme1n1']);
  });
  it('no-op when the VG spans the disks', () => {
    expect(decideVolumeGroup('lockstep', ['/dev/nvme1n1'], new Map([['/dev/nvme1n1', 'lockstep']]), true).kind).toBe('noop');
  });
  it('refuses a disk of another volume group', () => {
    expect(() => decideVolumeGroup('lockstep', ['/dev/sda3'], new Map([['/dev/sda3', 'system']]), false)).toThrow(/already belongs to the volume group system/);
  });
});

describe('storage.drbd-config', () => {
  it('DRBD 8.4 (Debian kernel): protocol C, split-brain policies, fencing in disk, crm-fence-peer handlers', () => {
    const text = renderDrbdGlobal('p', 8);
    expect(text).toContain('        protocol C;\n        after-sb-0pri discard-zero-changes;\n        after-sb-1pri discard-secondary;\n        after-sb-2pri disconnect;\n');
    expect(text).toMatch(/disk \{\n {8}fencing resource-only;/);
    expect(text).toContain('fence-peer "/usr/lib/drbd/crm-fence-peer.sh";');
    expect(renderDrbdGlobal('p', 9)).toContain('crm-fence-peer.9.sh');
  });
  it('a per-VM-disk resource over the private link; the template has placeholders', () => {
    expect(renderDrbdResource('p', pair, 'lockstep', 'vm1-disk0', 3)).toContain('    device /dev/drbd3;\n    disk /dev/lockstep/vm1-disk0;\n    meta-disk internal;\n    on node-a {\n        address 10.99.0.1:7791;');
    expect(renderDrbdTemplate('p', pair, 'lockstep')).toContain('address 10.99.0.2:@PORT@;');
  });
});

describe('hypervisor', () => {
  it('libvirt unit: monolithic libvirtd on bookworm, virtqemud when only that exists', () => {
    expect(libvirtUnit('libvirtd.service enabled enabled\n')).toBe('libvirtd.service');
    expect(libvirtUnit('virtqemud.service enabled enabled\n')).toBe('virtqemud.service');
  });
  it('libvirt keeps running: the drop-in clears Debian\'s --timeout 120 (seen exiting on the VM lab)', () => {
    expect(libvirtDropInPath('libvirtd.service')).toBe('/etc/systemd/system/libvirtd.service.d/lockstep.conf');
    expect(renderLibvirtDropIn('p', 'libvirtd.service')).toMatch(/\n\[Service\]\nEnvironment=LIBVIRTD_ARGS=\n$/);
    expect(renderLibvirtDropIn('p', 'virtqemud.service')).toContain('Environment=VIRTQEMUD_ARGS=\n');
  });
  it('storage pool: define, autostart, start; no-op when running', () => {
    expect(decidePool('lockstep', false, { state: null, autostart: false }).kind).toBe('change');
    expect(decidePool('lockstep', true, parsePoolInfo('Name:           lockstep\nState:          running\nAutostart:      yes\n')).kind).toBe('noop');
  });
  it('dom0 memory: an eighth of the host within 2–8 GiB', () => {
    expect(dom0MemoryMiB(16 * 1024 ** 3)).toBe(2048);
    expect(dom0MemoryMiB(128 * 1024 ** 3)).toBe(8192);
  });
});
