import { describe, expect, it } from 'vitest';
import { STEPS, lockedReason, stepState, type Progress } from '../../../renderer/src/steps';

const stateOf = (id: string, progress: Progress) => {
  const step = STEPS.find((each) => each.id === id);
  if (!step) throw new Error(id);
  return stepState(step, progress);
};

describe('the step rail', () => {
  const fresh: Progress = { current: 'start', selectedCount: 0, trustedCount: 0, inventoryRead: false };

  it('opens with Start current, Find servers reachable, every other step built but locked', () => {
    expect(STEPS.every((step) => step.built)).toBe(true);
    expect(stateOf('start', fresh)).toBe('current');
    expect(stateOf('find', fresh)).toBe('available');
    for (const locked of ['trust', 'inventory', 'roles', 'disks', 'options', 'validate', 'plan', 'install', 'verify', 'console']) {
      expect(stateOf(locked, fresh)).toBe('locked');
    }
    expect(lockedReason('roles')).toBe('Read the inventory of both servers first.');
    expect(lockedReason('verify')).toBe('Run the install first.');
  });

  it('opens Network roles, Disks and Options once both inventories are read, done once handed to Validate', () => {
    const trusted: Progress = { ...fresh, current: 'inventory', selectedCount: 2, trustedCount: 2, inventoryRead: false };
    for (const step of ['roles', 'disks', 'options']) expect(stateOf(step, trusted)).toBe('locked');
    const read: Progress = { ...trusted, inventoryRead: true };
    for (const step of ['roles', 'disks', 'options']) expect(stateOf(step, read)).toBe('available');
    // A new pair has no site file until Options hands the edited one over.
    expect(stateOf('validate', read)).toBe('locked');
    const handedOver: Progress = { ...read, current: 'validate', siteKnown: true, siteCommitted: true };
    for (const step of ['roles', 'disks', 'options']) expect(stateOf(step, handedOver)).toBe('done');
    expect(stateOf('validate', handedOver)).toBe('current');
  });

  it('locks Validate, Plan and Install while an edit has not been handed over', () => {
    const edited: Progress = {
      current: 'roles',
      selectedCount: 2,
      trustedCount: 2,
      inventoryRead: true,
      siteKnown: true,
      siteCommitted: true,
      siteEdited: true,
      validationPassed: true,
      planMade: true,
    };
    for (const step of ['validate', 'plan', 'install']) expect(stateOf(step, edited)).toBe('locked');
    expect(lockedReason('validate', edited)).toBe('Continue from Options to hand the changed site to Validate first.');
    expect(lockedReason('validate')).toBe('Open a site file (or use the practice lab) and trust both servers first.');
    expect(stateOf('options', edited)).toBe('available');
    expect(stateOf('console', edited)).toBe('available');
  });

  it('opens Verify after an install that finished, done when nothing failed', () => {
    const installed: Progress = { ...fresh, current: 'install', selectedCount: 2, trustedCount: 2, inventoryRead: true, siteKnown: true, validationPassed: true, planMade: true, installDone: false };
    expect(stateOf('verify', installed)).toBe('locked');
    expect(stateOf('verify', { ...installed, installDone: true })).toBe('available');
    expect(stateOf('verify', { ...installed, installDone: true, verified: true })).toBe('done');
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
