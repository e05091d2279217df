import { describe, expect, it } from 'vitest';
import { STEPS, stepState, type Progress } from '../../../renderer/src/steps';

const stateOf = (id: string, progress: Progress) => {
  const step = STEPS.find((each) => each.id === id);
  if (!step) throw new Error(id);
  return stepState(step, progress);
};

describe('the step rail', () => {
  const fresh: Progress = { current: 'start', selectedCount: 0, trustedCount: 0, inventoryRead: false };

  it('opens with Start current, Find servers reachable, the rest locked or not built', () => {
    expect(stateOf('start', fresh)).toBe('current');
    expect(stateOf('find', fresh)).toBe('available');
    expect(stateOf('trust', fresh)).toBe('locked');
    expect(stateOf('inventory', fresh)).toBe('locked');
    for (const later of ['roles', 'disks', 'options', 'verify']) {
      expect(stateOf(later, fresh)).toBe('unbuilt');
    }
    for (const locked of ['validate', 'plan', 'install', 'console']) {
      expect(stateOf(locked, fresh)).toBe('locked');
    }
  });

  it('opens Validate on a site file with both servers trusted, then Plan and Install as each passes', () => {
    const trusted: Progress = { ...fresh, current: 'inventory', selectedCount: 2, trustedCount: 2, inventoryRead: true };
    expect(stateOf('validate', trusted)).toBe('locked');
    expect(stateOf('console', trusted)).toBe('locked');
    const withSite: Progress = { ...trusted, siteKnown: true };
    expect(stateOf('validate', withSite)).toBe('available');
    expect(stateOf('console', withSite)).toBe('available');
    expect(stateOf('plan', withSite)).toBe('locked');
    expect(stateOf('plan', { ...withSite, validationPassed: true })).toBe('available');
    expect(stateOf('validate', { ...withSite, validationPassed: true })).toBe('done');
    expect(stateOf('install', { ...withSite, validationPassed: true })).toBe('locked');
    expect(stateOf('install', { ...withSite, validationPassed: true, planMade: true })).toBe('available');
  });

  it('unlocks trust with two servers and inventory when both are trusted', () => {
    const chosen: Progress = { ...fresh, current: 'find', selectedCount: 2 };
    expect(stateOf('find', chosen)).toBe('current');
    expect(stateOf('start', chosen)).toBe('done');
    expect(stateOf('trust', chosen)).toBe('available');
    expect(stateOf('inventory', { ...chosen, trustedCount: 1 })).toBe('locked');
    expect(stateOf('inventory', { ...chosen, trustedCount: 2 })).toBe('available');
    expect(stateOf('trust', { ...chosen, trustedCount: 2 })).toBe('done');
  });
});
