import { quote } from '../util/shell';

/**
 * The shell snippets of the wire probe. Each NIC name is quoted; each snippet runs as
 * root (through sudo) because bringing a link up is a privileged change — one the
 * probe always undoes (see `restoreScript`).
 */

/**
 * Link state is read over netlink (`ip`, `ethtool`), not /sys/class/net: sysfs shows
 * the network namespace that mounted it, which in containers is the host's.
 */

/** Prints `up|down disable_ipv6` of the NIC, then brings it up with IPv6 link-local enabled. */
export function prepareScript(nic: string): string {
  const n = quote(nic);
  return [
    `if ip link show dev ${n} | head -n 1 | grep -q '[<,]UP[,>]'; then f=up; else f=down; fi`,
    `d=$(cat /proc/sys/net/ipv6/conf/${n}/disable_ipv6 2>/dev/null || echo 0)`,
    'echo "$f $d"',
    `if [ "$d" = 1 ]; then echo 0 > /proc/sys/net/ipv6/conf/${n}/disable_ipv6; fi`,
    `ip link set dev ${n} up`,
  ].join('; ');
}

/** Waits (at most ~4 s) for carrier and for the link-local address to leave "tentative". */
export function settleScript(nics: readonly string[]): string {
  const carriers = nics.map((nic) => `ip link show dev ${quote(nic)} | head -n 1 | grep -q LOWER_UP || ok=0`);
  return [
    'i=0',
    'while [ $i -lt 40 ]; do',
    '  ok=1',
    ...carriers.map((line) => `  ${line}`),
    '  ip -6 addr show scope link 2>/dev/null | grep -q tentative && ok=0',
    '  [ $ok = 1 ] && break',
    '  sleep 0.1; i=$((i+1))',
    'done',
    'echo $i',
  ].join('\n');
}

/** Sends link-local all-nodes pings so that peers on the wire show up as neighbours. */
export function announceScript(nic: string): string {
  return `ping -6 -n -c 3 -i 0.2 -w 2 ${quote(`ff02::1%${nic}`)} 2>&1 || true`;
}

/** The neighbour table of the NIC, as JSON. */
export function neighboursScript(nic: string): string {
  return `ip -j -6 neigh show dev ${quote(nic)}`;
}

/** Link facts read during the probe, after the link was brought up. */
export function linkStateScript(nic: string): string {
  const n = quote(nic);
  return [
    `ip -j link show dev ${n}`,
    'echo',
    `ethtool ${n} 2>/dev/null | grep 'Speed:' || true`,
    `ip -j -6 addr show dev ${n} scope link`,
  ].join('; ');
}

/** Sets the NIC administratively up or down (the carrier test of a candidate cable). */
export function setLinkScript(nic: string, state: 'up' | 'down'): string {
  return `ip link set dev ${quote(nic)} ${state}`;
}

/** Prints 1 when the NIC has carrier after a short wait (read while the peer's end is down). */
export function carrierScript(nic: string): string {
  return `sleep 0.5; if ip link show dev ${quote(nic)} | head -n 1 | grep -q LOWER_UP; then echo 1; else echo 0; fi`;
}

/**
 * Round-trip latency over the link to the peer's link-local address. Five echoes 50 ms
 * apart (the probe runs as root, which may go below ping's 200 ms default for users):
 * the spacing does not change a round trip, and every validation waits for it.
 */
export function latencyScript(nic: string, peerLinkLocal: string): string {
  return `ping -6 -n -c 5 -i 0.05 -w 4 ${quote(`${peerLinkLocal}%${nic}`)} 2>&1`;
}

/** Whether a packet of the full MTU crosses the link without fragmentation. */
export function mtuScript(nic: string, peerLinkLocal: string, mtu: number): string {
  // IPv6 header (40) + ICMPv6 echo header (8) ride inside the MTU.
  const payload = Math.max(0, mtu - 48);
  return `ping -6 -n -M do -c 2 -i 0.05 -w 3 -s ${payload} ${quote(`${peerLinkLocal}%${nic}`)} 2>&1`;
}

/** Puts the NIC back as it was: down if it was down, IPv6 off if it was off. */
export function restoreScript(nic: string, wasUp: boolean, ipv6WasDisabled: boolean): string {
  const n = quote(nic);
  const lines: string[] = [];
  if (!wasUp) lines.push(`ip link set dev ${n} down`);
  if (ipv6WasDisabled) lines.push(`echo 1 > /proc/sys/net/ipv6/conf/${n}/disable_ipv6`);
  return lines.length > 0 ? lines.join('; ') : 'true';
}
