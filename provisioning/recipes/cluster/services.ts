import type { Decision, NodeStep, NodeStepContext } from '../../engine/types';
import { command } from '../../util/shell';
import { notVerified, read, run } from '../support/run';
import { AUTHKEY } from './authkey';
import { COROSYNC_CONF } from './corosync-conf';

/** Unit names are fixed words, never input. */
export function clusterUnits(witness: boolean): string[] {
  return ['corosync', ...(witness ? ['corosync-qdevice'] : []), 'pacemaker'];
}

export interface ServiceState {
  readonly unit: string;
  readonly enabled: string;
  readonly active: string;
}

export interface ClusterServiceFacts {
  readonly units: readonly ServiceState[];
  /** Epoch seconds (with microseconds) corosync entered "active" (null: not running). */
  readonly corosyncSince: number | null;
  /** Newest mtime of corosync.conf and the authkey. */
  readonly configMtime: number | null;
}

export function servicesCommand(units: readonly string[]): string {
  return [
    `for u in ${units.join(' ')}; do printf 'unit %s %s %s\\n' "$u" "$(systemctl is-enabled "$u" 2>/dev/null || true)" "$(systemctl is-active "$u" 2>/dev/null || true)"; done`,
    // Microseconds on both sides: a config written in the same second as a restart must
    // neither be missed nor make every later run restart again.
    `t=$(systemctl show --timestamp=us+utc -p ActiveEnterTimestamp --value corosync); [ -n "$t" ] && printf 'since %s\\n' "$(date -d "$t" +%s.%6N)"`,
    `printf 'config %s\\n' "$(stat -c %.6Y ${COROSYNC_CONF} ${AUTHKEY} 2>/dev/null | sort -n | tail -n 1)"`,
  ].join('; ');
}

/** Parses the output of `servicesCommand`. */
export function parseServices(stdout: string): ClusterServiceFacts {
  const units: ServiceState[] = [];
  let since: number | null = null;
  let config: number | null = null;
  for (const line of stdout.split('\n')) {
    const unit = /^unit (\S+) (\S*) ?(\S*)$/.exec(line.trim());
    if (unit) units.push({ unit: unit[1] ?? '', enabled: unit[2] ?? '', active: unit[3] ?? '' });
    const s = /^since (\d+(?:\.\d+)?)$/.exec(line.trim());
    if (s) since = Number(s[1]);
    const c = /^config (\d+(?:\.\d+)?)$/.exec(line.trim());
    if (c) config = Number(c[1]);
  }
  return { units, corosyncSince: since, configMtime: config };
}

/** Decides (pure): enable what is not enabled, restart corosync when its files are newer than the process, start the rest. */
export function decideServices(facts: ClusterServiceFacts): Decision {
  const changes = [];
  const disabled = facts.units.filter((unit) => unit.enabled !== 'enabled').map((unit) => unit.unit);
  if (disabled.length)
    changes.push({
      summary: `enable ${disabled.join(', ')} at boot`,
      commands: [command('systemctl', 'enable', ...disabled)],
    });
  const corosync = facts.units.find((unit) => unit.unit === 'corosync');
  const stale =
    corosync?.active === 'active' &&
    facts.corosyncSince !== null &&
    facts.configMtime !== null &&
    facts.configMtime > facts.corosyncSince;
  if (stale)
    changes.push({
      summary: 'restart corosync (its configuration or key changed since it started)',
      commands: [command('systemctl', 'restart', 'corosync')],
    });
  const inactive = facts.units.filter((unit) => unit.active !== 'active').map((unit) => unit.unit);
  if (inactive.length || stale) {
    const start = stale ? facts.units.map((unit) => unit.unit) : inactive;
    changes.push({
      summary: `start ${start.join(', ')}`,
      commands: [command('systemctl', 'start', ...start)],
    });
  }
  if (changes.length === 0)
    return {
      kind: 'noop',
      reason: `${facts.units.map((unit) => unit.unit).join(', ')} are enabled and running with the current configuration`,
    };
  return { kind: 'change', changes };
}

async function facts(context: NodeStepContext): Promise<ClusterServiceFacts> {
  return parseServices(
    (await read(context, servicesCommand(clusterUnits(context.site.quorum !== 'two_node')))).stdout,
  );
}

/** `cluster.services` (node): corosync (+ qdevice) and pacemaker enabled and running with the written configuration. */
export const clusterServicesStep: NodeStep = {
  id: 'cluster.services',
  title: 'Start Corosync and Pacemaker',
  group: 'cluster',
  scope: 'node',
  applicable: () => true,
  inspect: async (context) => decideServices(await facts(context)),
  async apply(context) {
    const decision = decideServices(await facts(context));
    if (decision.kind === 'noop') return;
    for (const line of decision.changes.flatMap((change) => change.commands)) {
      await run(context, line, {
        timeoutMs: 180_000,
        fix: 'Read `journalctl -u corosync -u pacemaker -n 50` on the server; a wrong address in corosync.conf is the usual cause.',
      });
    }
  },
  async verify(context) {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const current = await facts(context);
      const down = current.units.filter((unit) => unit.active !== 'active' || unit.enabled !== 'enabled');
      if (down.length === 0) return;
      if (Date.now() > deadline) {
        throw notVerified(
          context.label,
          `${down.map((unit) => `${unit.unit} is ${unit.active || 'unknown'}/${unit.enabled || 'unknown'}`).join(', ')}.`,
          'Read `journalctl -u corosync -u pacemaker -n 50` on the server.',
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  },
};
