import { describe, expect, it } from 'vitest';
import { VM_STACK_PACKAGES } from '../../../provisioning/lab/vm/constants';
import { allPackages, CLUSTER_PACKAGES, KVM_PACKAGES, choosePackage } from '../../../provisioning/recipes/package-sets';

/**
 * The VM lab's image preinstalls what the installer's package step would install (apt
 * inside a TCG guest takes minutes): a package the recipes need but the image lacks would
 * make every VM-lab install slow, or fail offline. The lab layer cannot import the recipes,
 * so this test keeps the two lists together.
 */
describe('VM lab image packages', () => {
  it('contain every package a KVM pair node installs (bookworm names)', () => {
    const bookworm = new Set(allPackages().flatMap((choice) => (typeof choice === 'string' ? [choice] : [...choice])));
    const needed = [...KVM_PACKAGES, ...CLUSTER_PACKAGES].map((choice) => choosePackage(choice, bookworm));
    expect(needed.filter((name) => !VM_STACK_PACKAGES.includes(name))).toEqual([]);
  });
});
