import { describe, expect, it } from 'vitest';
import {
  COLO_BUILDING_BLOCKS,
  COLO_TCG_FIX_MARKER,
  coloSupport,
  parseQemuVersion,
} from '../../../provisioning/ft/support';

const all = [...COLO_BUILDING_BLOCKS];
const debian = { version: '7.2.22', package: 'Debian 1:7.2+dfsg-7+deb12u18+b3', features: all };

describe('coloSupport', () => {
  it('refuses Debian 12’s QEMU 7.2 under TCG: measured to hang at a checkpoint', () => {
    const verdict = coloSupport({ ...debian, accel: 'tcg' });
    expect(verdict.status).toBe('refused');
    expect(verdict.reason).toContain('QEMU 7.2.22 cannot run COLO here');
    expect(verdict.reason).toContain('a checkpoint of the primary never ends');
  });

  it('calls QEMU 7.2 with the checkpoint-lock fix proven under TCG (the lab test’s build)', () => {
    expect(coloSupport({ ...debian, package: COLO_TCG_FIX_MARKER, accel: 'tcg' }).status).toBe('proven');
  });

  it('calls QEMU 7.2 with KVM unproven: the hang is TCG’s, but COLO never ran under KVM here', () => {
    const verdict = coloSupport({ ...debian, accel: 'kvm' });
    expect(verdict.status).toBe('unproven');
    expect(verdict.reason).toContain('with KVM');
    expect(verdict.reason).toContain('experimental');
  });

  it('says so when it is unknown whether KVM works', () => {
    expect(coloSupport({ ...debian, accel: null })).toMatchObject({
      status: 'unproven',
      reason: expect.stringContaining('unknown whether KVM works'),
    });
  });

  it('refuses other releases under TCG (same unlocked call upstream, never run) and calls them unproven with KVM', () => {
    expect(coloSupport({ version: '8.2.2', features: all, accel: 'tcg' }).status).toBe('refused');
    expect(coloSupport({ version: '9.2.0', features: all, accel: 'kvm' })).toMatchObject({
      status: 'unproven',
      reason: expect.stringContaining('only run COLO on QEMU 7.2'),
    });
  });

  it('refuses a build without a building block, whatever the accelerator', () => {
    const features = all.filter((feature) => feature !== 'replication' && feature !== 'colo-compare');
    expect(coloSupport({ version: '7.2.22', features, accel: 'kvm' })).toEqual({
      status: 'refused',
      reason: 'QEMU 7.2.22 lacks COLO building blocks: colo-compare, replication.',
    });
  });

  it('refuses when QEMU is not installed', () => {
    expect(coloSupport({ version: null, features: [], accel: 'kvm' }).status).toBe('refused');
  });
});

describe('parseQemuVersion', () => {
  it('reads major.minor.micro, and major.minor alone', () => {
    expect(parseQemuVersion('7.2.22')).toEqual([7, 2, 22]);
    expect(parseQemuVersion('8.0')).toEqual([8, 0, 0]);
    expect(parseQemuVersion('v7')).toBeNull();
  });
});
