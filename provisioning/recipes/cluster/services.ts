import type { Decision, NodeStep, NodeStepContext } from '../../engine/types';
import { command } from '../../util/shell';
import { notVerified, read, run } from '../support/run';
import { AUTHKEY } from './authkey';
import { COROSYNC_CONF } from './corosync-conf';

/** Unit names are fixed words, never input. */
export function clusterUnits(witness: boolean): string[] {
  return ['corosync', ...(witness ? ['corosync-qdevice'] : []), 'pacemaker'];
}

/**
 * Units that must NOT run: a site that went back from a witness to `two_node` still has
 * corosync-qdevice installed, and left enabled it fails on every boot (its corosync.conf
 * has no device section any more).
 */
export function unwantedUnits(witness: boolean): string[] {
  return witness ? [] : ['corosync-qdevice'];
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

/** An unwanted unit is in the way while it is enabled or running. */
function inTheWay(unit: ServiceState): boolean {
  return unit.enabled === 'enabled' || unit.active === 'active' || unit.active === 'activating';
}

/**
 * Decides (pure): stop and disable the `unwanted` units, enable what is not enabled,
 * restart corosync when its files are newer than the process, start the rest.
 */
export function decideServices(facts: ClusterServiceFacts, unwanted: readonly string[] = []): Decision {
  const changes = [];
  const stray = facts.units
    .filter((unit) => unwanted.includes(unit.unit) && inTheWay(unit))
    .map((unit) => unit.unit);
  if (stray.length)
    changes.push({
      summary: `stop and disable ${stray.join(', ')} (the site has no quorum witness)`,
      commands: [command('systemctl', 'disable', '--now', ...stray)],
    });
  const wanted = facts.units.filter((unit) => !unwanted.includes(unit.unit));
  const disabled = wanted.filter((unit) => unit.enabled !== 'enabled').map((unit) => unit.unit);
  if (disabled.length)
    changes.push({
      summary: `enable ${disabled.join(', ')} at boot`,
      commands: [command('systemctl', 'enable', ...disabled)],
    });
  const corosync = wanted.find((unit) => unit.unit === 'corosync');
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
  const inactive = wanted.filter((unit) => unit.active !== 'active').map((unit) => unit.unit);
  if (inactive.length || stale) {
    const start = stale ? wanted.map((unit) => unit.unit) : inactive;
    changes.push({
      summary: `start ${start.join(', ')}`,
      commands: [command('systemctl', 'start', ...start)],
    });
  }
  if (changes.length === 0)
    return {
      kind: 'noop',
      reason: `${wanted.map((unit) => unit.unit).join(', ')} are enabled and running with the current configuration${facts.units.length > wanted.length ? ` (${unwanted.join(', ')} off)` : ''}`,
    };
  return { kind: 'change', changes };
}

function unitsOf(context: NodeStepContext): { units: string[]; unwanted: string[] } {
  const witness = context.site.quorum !== 'two_node';
  return { units: clusterUnits(witness), unwanted: unwantedUnits(witness) };
}

async function facts(context: NodeStepContext): Promise<ClusterServiceFacts> {
  const { units, unwanted } = unitsOf(context);
  return parseServices((await read(context, servicesCommand([...unwanted, ...units]))).stdout);
}

/** `cluster.services` (node): corosync (+ qdevice) and pacemaker enabled and running with the written configuration. */
export const clusterServicesStep: NodeStep = {
  id: 'cluster.services',
  title: 'Start Corosync and Pacemaker',
  group: 'cluster',
  scope: 'node',
  applicable: () => true,
  inspect: async (context) => decideServices(await facts(context), unitsOf(context).unwanted),
  async apply(context) {
    const decision = decideServices(await facts(context), unitsOf(context).unwanted);
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
      const { unwanted } = unitsOf(context);
      const down = current.units.filter((unit) =>
        unwanted.includes(unit.unit)
          ? inTheWay(unit)
          : unit.active !== 'active' || unit.enabled !== 'enabled',
      );
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
