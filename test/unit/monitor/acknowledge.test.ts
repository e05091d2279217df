import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LockstepError } from '../../../provisioning/api/errors';
import type { Alert } from '../../../provisioning/api/monitor';
import { acknowledgeAlert, appendAlerts, readAlerts, readRecentAlerts } from '../../../provisioning/monitor/event-log';

const alert = (n: number): Alert => ({
  id: `2026-11-29T11:52:0${n}.000Z:link-down:corosync-${n}`,
  at: `2026-11-29T11:52:0${n}.000Z`,
  pair: 'labpair',
  kind: 'link-down',
  severity: 'warn',
  message: `Link corosync-${n} is down.`,
  subject: `corosync-${n}`,
});

describe('acknowledging an alert', () => {
  const dir = mkdtempSync('/tmp/lockstep-ack-');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is written to the event log, so the alert reads back acknowledged (once)', () => {
    const path = join(dir, 'events', 'labpair.jsonl');
    appendAlerts(path, [alert(1), alert(2)]);
    const first = acknowledgeAlert(path, alert(1).id, new Date('2026-11-29T12:00:00Z'));
    expect(first).toEqual({ alert: { ...alert(1), acknowledgedAt: '2026-11-29T12:00:00.000Z' }, alreadyAcknowledged: false });
    // A fresh reader (another process, the next app start) sees it acknowledged.
    expect(readRecentAlerts(path).map((each) => each.acknowledgedAt ?? null)).toEqual(['2026-11-29T12:00:00.000Z', null]);
    const again = acknowledgeAlert(path, alert(1).id, new Date('2026-11-29T13:00:00Z'));
    expect(again.alreadyAcknowledged).toBe(true);
    expect(again.alert.acknowledgedAt).toBe('2026-11-29T12:00:00.000Z');
    expect(readFileSync(path, 'utf8').split('\n').filter(Boolean)).toHaveLength(3);
  });

  it('finds alerts in the rotated part of the log too, and refuses an unknown id with the way to list them', () => {
    const path = join(dir, 'rotated.jsonl');
    writeFileSync(`${path}.1`, `${JSON.stringify(alert(3))}\n`);
    appendAlerts(path, [alert(4)]);
    acknowledgeAlert(path, alert(3).id);
    expect(readAlerts(path).map((each) => [each.id.slice(-10), !!each.acknowledgedAt])).toEqual([
      ['corosync-3', true],
      ['corosync-4', false],
    ]);
    let error: unknown;
    try {
      acknowledgeAlert(path, 'nope');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(LockstepError);
    expect((error as LockstepError).code).toBe('usage');
    expect((error as LockstepError).remedy).toContain('lockstep alert list');
  });
});
