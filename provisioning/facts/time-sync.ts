import type { ChronyTracking } from '../api/inventory';
import { keyValueLines } from './parse-util';
import { COMMAND_NOT_FOUND, FactParseError, type Fact } from './types';

/** timedatectl's view of the clock. */
export interface TimedatectlInfo {
  readonly timezone: string | null;
  readonly ntpEnabled: boolean | null;
  readonly synchronized: boolean | null;
}

function yesNo(value: string | undefined): boolean | null {
  if (value === 'yes') return true;
  if (value === 'no') return false;
  return null;
}

/** Clock synchronisation as systemd sees it (`time.unsynced`). */
export const timeSyncFact: Fact<TimedatectlInfo> = {
  id: 'time-sync',
  command: 'timedatectl show',
  parse(stdout) {
    const fields = keyValueLines(stdout);
    if (!fields.has('NTPSynchronized') && !fields.has('NTP'))
      throw new FactParseError('timedatectl show printed no NTP fields');
    return {
      timezone: fields.get('Timezone') || null,
      ntpEnabled: yesNo(fields.get('NTP')),
      synchronized: yesNo(fields.get('NTPSynchronized')),
    };
  },
};

/** chrony's tracking, or null when chrony is not installed or chronyd does not answer. */
export const chronyFact: Fact<ChronyTracking | null> = {
  id: 'chrony',
  command: 'command -v chronyc >/dev/null || exit 127; chronyc -n tracking',
  // 127: chrony is not installed; 1: chronyd is not running ("506 Cannot talk to daemon").
  acceptExitCodes: [0, 1, COMMAND_NOT_FOUND],
  parse(stdout, context) {
    if (context.code !== 0) return null;
    const fields = new Map<string, string>();
    for (const line of stdout.split('\n')) {
      const match = /^([A-Za-z ]+?)\s*:\s*(.*)$/.exec(line);
      if (match) fields.set(match[1] ?? '', (match[2] ?? '').trim());
    }
    if (!fields.has('Reference ID')) throw new FactParseError('chronyc tracking printed no Reference ID');
    const offset = /^([\d.]+) seconds (fast|slow)/.exec(fields.get('System time') ?? '');
    const stratum = fields.get('Stratum');
    return {
      referenceId: fields.get('Reference ID') ?? null,
      stratum: stratum !== undefined && /^\d+$/.test(stratum) ? Number(stratum) : null,
      offsetSeconds: offset ? Number(offset[1]) * (offset[2] === 'slow' ? -1 : 1) : null,
      leapStatus: fields.get('Leap status') ?? null,
    };
  },
};
