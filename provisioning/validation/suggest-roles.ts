import type { RoleSuggestion } from '../api/roles';
import { parseCidr } from '../api/site';
import { initSite, type InitOptions, type InitResult } from './init-site';

/**
 * The wizard's "Network roles" and "Disks" start from exactly what `lockstep init`
 * decides (the same gather, wire probe and pair facts), so the app and the CLI never
 * disagree about which NIC is the private cable or which disks are free.
 */
export async function suggestRoles(options: InitOptions): Promise<RoleSuggestion> {
  return roleSuggestionOf(await initSite(options));
}

/** The decisions of `initSite`, with the wire evidence behind them, as the contract carries them (pure). */
export function roleSuggestionOf(result: Pick<InitResult, 'pair' | 'notes' | 'report'>): RoleSuggestion {
  const { pair, report } = result;
  const wire = report.context.wire;
  const probed = wire && !('error' in wire) ? wire : undefined;
  const link = pair.privateLink;
  const measured =
    link && probed?.privateLink && probed.privateLink.a === link.a.nic && probed.privateLink.b === link.b.nic
      ? probed.privateLink
      : undefined;
  const problem = wireProblem(wire);
  const network = link ? parseCidr(`${link.a.address}/${link.prefixLength}`)?.network : undefined;
  return {
    hostnames: { ...pair.hostnames },
    management: { a: { ...pair.management.a }, b: { ...pair.management.b } },
    privateLink: link
      ? {
          a: { ...link.a },
          b: { ...link.b },
          subnet: `${network ?? link.a.address}/${link.prefixLength}`,
          mtu: link.mtu,
          speedMbps: measured?.speedMbps ?? null,
          carrierConfirmed: measured?.carrierConfirmed ?? null,
        }
      : null,
    business: pair.business.map((bridge) => ({ ...bridge })),
    disks: { a: [...pair.disks.a], b: [...pair.disks.b] },
    wire: (probed?.pairs ?? []).map((each) => ({
      a: each.a,
      b: each.b,
      direct: each.direct,
      speedMbps: each.speedMbps,
    })),
    ...(problem && { wireProblem: problem }),
    notes: { ...result.notes },
    poolBytes: report.capacity.poolBytes,
  };
}

function wireProblem(wire: InitResult['report']['context']['wire']): string | undefined {
  if (wire === undefined)
    return 'The wire was not probed: a server could not be read, or sudo was refused. Validate says which.';
  if ('error' in wire) return `${wire.error.message} ${wire.error.remedy}`;
  if (wire.ambiguous && wire.ambiguous.length > 1)
    return `Several NIC pairs look like a direct cable and the carrier test could not tell them apart (${wire.ambiguous
      .map((pair) => `${pair.a} ↔ ${pair.b}`)
      .join(', ')}): choose the private link yourself.`;
  if (!wire.privateLink) return 'No direct cable was found between the servers: connect a free NIC of each with a direct cable, then probe again.';
  return undefined;
}
