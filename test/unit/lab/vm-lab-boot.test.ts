import { describe, expect, it } from 'vitest';
import { VM_LAB_NODES } from '../../../provisioning/lab/vm/constants';
import { initialGrubConfig, labGrubDefaults } from '../../../provisioning/lab/vm/grub-boot';
import { qemuArgs, vmFiles } from '../../../provisioning/lab/vm/qemu';
import { siteFileText } from '../../../provisioning/lab/site-file';

const image = {
  dir: '/cache/img',
  base: '/cache/img/base.qcow2',
  kernel: '/cache/img/vmlinuz',
  initrd: '/cache/img/initrd.img',
  grubLoader: '/cache/img/grub.krn',
  kernelRelease: '6.1.0-50-amd64',
};

describe('how the VM lab boots its servers', () => {
  const [a, b] = VM_LAB_NODES;
  if (!a || !b) throw new Error('two lab nodes');
  const args = (boot?: 'kernel' | 'grub') => qemuArgs(a, vmFiles('/lab', a), vmFiles('/lab', b), image, 'tcg', boot);

  it('the KVM lab starts the image’s kernel; the Xen lab starts GRUB, which reads the menu on the disk', () => {
    const kernel = args();
    expect(kernel.slice(kernel.indexOf('-kernel'), kernel.indexOf('-kernel') + 2)).toEqual(['-kernel', image.kernel]);
    expect(kernel).toContain('-append');
    const grub = args('grub');
    expect(grub.slice(grub.indexOf('-kernel'), grub.indexOf('-kernel') + 2)).toEqual(['-kernel', image.grubLoader]);
    // Nothing on QEMU's command line overrides what update-grub wrote.
    expect(grub).not.toContain('-append');
    expect(grub).not.toContain('-initrd');
  });

  it('the image’s GRUB settings keep the lab’s serial console and root read-write, on Linux and under Xen', () => {
    const defaults = labGrubDefaults();
    expect(defaults).toMatch(/^GRUB_CMDLINE_LINUX="rw console=ttyS0 /m);
    expect(defaults).toMatch(/^GRUB_CMDLINE_LINUX_XEN_REPLACE="rw console=hvc0 /m);
    expect(defaults).toMatch(/^GRUB_CMDLINE_XEN=".*console=com1.*smep=0 smap=0"/m);
    // The recipe's file sets GRUB_CMDLINE_XEN_DEFAULT (dom0 memory); the lab leaves it alone.
    expect(defaults).not.toContain('GRUB_CMDLINE_XEN_DEFAULT');
    expect(initialGrubConfig('6.1.0-50-amd64')).toContain('linux /boot/vmlinuz-6.1.0-50-amd64 root=/dev/vda rw console=ttyS0');
  });

  it('the Xen lab’s site file asks for Xen; the KVM lab’s leaves the default', () => {
    const kind = { name: 'vmlab', servers: 'QEMU VMs', noBmc: 'The VMs', command: 'lockstep lab up --kind vm' };
    expect(siteFileText(VM_LAB_NODES, '/k', { ...kind, hypervisor: 'xen' })).toMatch(/^hypervisor: xen$/m);
    expect(siteFileText(VM_LAB_NODES, '/k', kind)).not.toContain('hypervisor');
  });
});
