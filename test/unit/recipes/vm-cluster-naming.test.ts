import { describe, expect, it } from 'vitest';
import { haIds, vmOfResource } from '../../../provisioning/recipes/vm/cluster-xml';

describe('the cluster ids of a VM', () => {
  it('every resource `ha` creates names its VM back (the console tells whose failure it is)', () => {
    const ids = haIds('web-1');
    for (const id of [ids.vm, ids.clone, ids.drbd]) expect(vmOfResource(id)).toBe('web-1');
    expect(vmOfResource('lockstep-fence-a')).toBeUndefined();
    expect(vmOfResource(ids.colocation)).toBeUndefined();
  });
});
