import { describe, expect, it } from 'vitest';
import { unixWiring, type ColoWiring } from '../../../provisioning/ft/colo-args';
import {
  coloMigrateSteps,
  countCheckpoints,
  diskSyncStep,
  primaryFailoverSteps,
  primaryReplicationSteps,
  secondaryExportSteps,
  secondaryFailoverSteps,
  type QmpStep,
} from '../../../provisioning/ft/colo';
import { parseQmpStream, type QmpEvent } from '../../../provisioning/ft/qmp';
import { fixture, sentCommands } from './fixtures';

/**
 * The COLO sequences as data, checked against the commands QEMU 7.2 accepted in the
 * lab runs (fixtures/PROVENANCE.md): the wire logs list every line the driver sent.
 */

/** The commands a wire log shows the driver sent, without the ids, polls and probes. */
function sent(name: string): QmpStep[] {
  const polls = new Set(['qmp_capabilities', 'query-colo-status', 'query-migrate', 'query-status']);
  return sentCommands(name)
    .filter((command) => !polls.has(command.execute))
    .map((command) => ({
      command: command.execute,
      ...(command.arguments && { arguments: command.arguments }),
    }));
}

/** The wiring of a lab run, from the NBD socket path in its wire log. */
function wiringOf(name: string): ColoWiring {
  const dir = /(\/[^"?]+)\/nbd\.sock/.exec(fixture(name))?.[1];
  if (!dir) throw new Error(`${name}: no NBD socket`);
  return unixWiring(dir);
}

describe('the start sequence', () => {
  it('is what the primary sent to QEMU 7.2 (Debian) in the lab: mirror, stop, cancel, replication child, x-colo, migrate', () => {
    const secondaryWiring = wiringOf('qmp-fixed-7.2-secondary-takes-over.wire.txt');
    expect(sent('qmp-fixed-7.2-secondary-takes-over.wire.txt').slice(0, 2)).toEqual(
      secondaryExportSteps(secondaryWiring),
    );

    const primaryWiring = wiringOf('qmp-debian-7.2-primary.wire.txt');
    expect(sent('qmp-debian-7.2-primary.wire.txt')).toEqual([
      // The first lab step: x-colo-lost-heartbeat before COLO, refused by QEMU.
      { command: 'x-colo-lost-heartbeat' },
      diskSyncStep(primaryWiring),
      { command: 'stop' },
      { command: 'block-job-cancel', arguments: { device: 'resync' } },
      ...primaryReplicationSteps(primaryWiring),
      ...coloMigrateSteps(primaryWiring, 2000),
    ]);
  });

  it('mirrors the running disk into the secondary’s export, raw over NBD', () => {
    expect(
      diskSyncStep({
        ...wiringOf('qmp-fixed-7.2-secondary-takes-over.wire.txt'),
        nbd: { type: 'inet', host: '10.99.0.2', port: 9999 },
      }),
    ).toEqual({
      command: 'drive-mirror',
      arguments: {
        device: 'colo-disk0',
        'job-id': 'resync',
        target: 'nbd://10.99.0.2:9999/parent0',
        mode: 'existing',
        format: 'raw',
        sync: 'full',
      },
    });
  });
});

describe('the failover sequences', () => {
  it('on the secondary: what it sent when the primary had been killed', () => {
    const steps = secondaryFailoverSteps();
    expect(sent('qmp-fixed-7.2-secondary-takes-over.wire.txt').slice(2)).toEqual([
      ...steps.before,
      ...steps.after,
    ]);
    expect(steps.before.map((step) => step.command)).toEqual(['nbd-server-stop', 'x-colo-lost-heartbeat']);
  });

  it('on the primary: what it sent when the secondary had been killed', () => {
    expect(sent('qmp-fixed-7.2-primary-takes-over.wire.txt').slice(-primaryFailoverSteps().length)).toEqual(
      primaryFailoverSteps(),
    );
  });
});

describe('countCheckpoints', () => {
  const events = (name: string): QmpEvent[] =>
    parseQmpStream(fixture(name)).frames.flatMap((frame) =>
      frame.message.kind === 'event' ? [frame.message.event] : [],
    );

  it('counts the VM’s resumptions: the COLO start, the checkpoints, and the failover', () => {
    // The secondary resumed at the COLO start, after each of 8 checkpoints, and once in the failover.
    expect(countCheckpoints(events('qmp-fixed-7.2-secondary-takes-over.raw'))).toBe(10);
    const all = events('qmp-fixed-7.2-secondary-takes-over.raw');
    const exit = all.findIndex((event) => event.event === 'COLO_EXIT');
    expect(countCheckpoints(all.slice(0, exit), 1)).toBe(8);
  });
});
