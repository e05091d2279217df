/**
 * Which NICs are cabled directly to each other, decided from what each NIC saw on the
 * wire (IPv6 link-local neighbours) — never from interface names. A direct cable shows
 * exactly one neighbour on each end, and it is the other server's NIC; a switched
 * network shows the other server too, but also its other devices.
 */

/** What one NIC saw during the wire probe. */
export interface WireObservation {
  readonly nic: string;
  readonly mac: string;
  /** MAC addresses of the link-local neighbours that answered on this NIC. */
  readonly neighbours: readonly string[];
  readonly speedMbps: number | null;
}

/** Two NICs that reach each other at layer 2. */
export interface WirePair {
  readonly a: string;
  readonly b: string;
  /** Each end saw only the other: a cable, not a switch. */
  readonly direct: boolean;
  /** The lower of the two ends' speeds: what the link can carry. */
  readonly speedMbps: number | null;
  /** Devices other than the peer seen on either end (empty for a direct cable). */
  readonly others: readonly string[];
}

const normaliseMac = (mac: string): string => mac.toLowerCase();

/** Pairs every NIC of server A with the NIC of server B it reaches, best link first. */
export function pairNics(a: readonly WireObservation[], b: readonly WireObservation[]): WirePair[] {
  const pairs: WirePair[] = [];
  for (const left of a) {
    const leftSeen = new Set(left.neighbours.map(normaliseMac));
    for (const right of b) {
      const rightSeen = new Set(right.neighbours.map(normaliseMac));
      const reached = leftSeen.has(normaliseMac(right.mac)) || rightSeen.has(normaliseMac(left.mac));
      if (!reached) continue;
      const others = [
        ...[...leftSeen].filter((mac) => mac !== normaliseMac(right.mac) && mac !== normaliseMac(left.mac)),
        ...[...rightSeen].filter((mac) => mac !== normaliseMac(left.mac) && mac !== normaliseMac(right.mac)),
      ].filter((mac, index, all) => all.indexOf(mac) === index);
      const direct = others.length === 0;
      pairs.push({
        a: left.nic,
        b: right.nic,
        direct,
        speedMbps: minSpeed(left.speedMbps, right.speedMbps),
        others,
      });
    }
  }
  return pairs.sort(comparePairs);
}

/** The private link: the fastest direct pair, or none. */
export function choosePrivateLink(pairs: readonly WirePair[]): WirePair | undefined {
  return pairs.find((pair) => pair.direct);
}

function minSpeed(left: number | null, right: number | null): number | null {
  if (left === null) return right;
  if (right === null) return left;
  return Math.min(left, right);
}

function comparePairs(left: WirePair, right: WirePair): number {
  if (left.direct !== right.direct) return left.direct ? -1 : 1;
  const speed = (right.speedMbps ?? 0) - (left.speedMbps ?? 0);
  if (speed !== 0) return speed;
  return left.a.localeCompare(right.a) || left.b.localeCompare(right.b);
}
