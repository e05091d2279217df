import type { Fact } from './types';

/** What only sysfs tells about a NIC: negotiated speed, carrier, and the kernel driver. */
export interface NicSysfs {
  readonly name: string;
  /** Mb/s; null when the link is down or the driver does not say (-1, empty). */
  readonly speedMbps: number | null;
  /** null when the interface is administratively down (reading carrier fails then). */
  readonly carrier: boolean | null;
  readonly operState: string | null;
  readonly driver: string | null;
}

/** One line per /sys/class/net entry: name, speed, carrier, operstate, driver (tab separated). */
export const nicSysfsFact: Fact<Map<string, NicSysfs>> = {
  id: 'nic-sysfs',
  // Shell builtins (read, ${x##*/}) instead of cat/basename: one fork per NIC (readlink), not five.
  command:
    'for d in /sys/class/net/*; do n=${d##*/}; s=; c=; o=; ' +
    '{ read -r s < "$d/speed"; } 2>/dev/null; { read -r c < "$d/carrier"; } 2>/dev/null; ' +
    '{ read -r o < "$d/operstate"; } 2>/dev/null; r=$(readlink "$d/device/driver" 2>/dev/null); ' +
    'printf "%s\\t%s\\t%s\\t%s\\t%s\\n" "$n" "$s" "$c" "$o" "${r##*/}"; done',
  parse(stdout) {
    const byName = new Map<string, NicSysfs>();
    for (const line of stdout.split('\n')) {
      const [name, speed = '', carrier = '', operState = '', driver = ''] = line.split('\t');
      // /sys/class/net/bonding_masters is a file, not a NIC: every field is empty.
      if (!name || (speed === '' && carrier === '' && operState === '' && driver === '')) continue;
      const speedValue = /^\d+$/.test(speed) ? Number(speed) : null;
      byName.set(name, {
        name,
        speedMbps: speedValue !== null && speedValue > 0 ? speedValue : null,
        carrier: carrier === '1' ? true : carrier === '0' ? false : null,
        operState: operState || null,
        driver: driver || null,
      });
    }
    return byName;
  },
};
