import type { NicAddress } from '../api/inventory';
import { parseCidr } from '../api/site';

/**
 * IPv4 subnet arithmetic for the private link: does a block hold an address, and
 * which /30 is free on both servers (everRun suggested the private addresses itself).
 */
function toNumber(address: string): number {
  return address.split('.').reduce((sum, part) => sum * 256 + Number(part), 0);
}

/** True when the IPv4 `address` lies inside the IPv4 block `cidr`. */
export function cidrContains(cidr: string, address: string): boolean {
  const block = parseCidr(cidr);
  if (!block || block.family !== 4 || address.includes(':')) return false;
  const size = 2 ** (32 - block.prefix);
  const start = toNumber(block.network);
  const value = toNumber(address);
  return value >= start && value < start + size;
}

/** Candidate private subnets, in order of preference. */
export function* privateSubnetCandidates(): Generator<string> {
  for (let third = 0; third < 256; third += 1) yield `10.254.${third}.0/30`;
  for (let third = 0; third < 256; third += 1) yield `172.31.${third}.0/30`;
}

/** The first candidate /30 that overlaps no address already on either server. */
export function choosePrivateSubnet(existing: readonly NicAddress[]): string {
  for (const candidate of privateSubnetCandidates()) {
    const network = parseCidr(candidate)?.network ?? '';
    const clash = existing.some(
      (address) =>
        cidrContains(candidate, address.address) ||
        cidrContains(`${address.address}/${address.prefixLength}`, network),
    );
    if (!clash) return candidate;
  }
  return '10.254.0.0/30';
}
