import type { Finding } from '../api/finding';
import type { ResolvedSite } from '../api/site';
import { computeCapacity, type Capacity } from '../checks/capacity';
import { runChecks } from '../checks/registry';
import type { CheckContext } from '../checks/types';
import { gather, type GatherOptions } from './gather';

/** The outcome of validating a pair: findings, capacity, and the context they came from. */
export interface ValidationReport {
  readonly findings: readonly Finding[];
  readonly capacity: Capacity;
  readonly context: CheckContext;
  /** A node could not be reached or logged into (exit code 3 in the CLI). */
  readonly connectionFailed: boolean;
  readonly failed: boolean;
}

/** Gathers from both servers, runs every check (or `only` those), and closes the connections. */
export async function validatePair(
  site: ResolvedSite,
  options: GatherOptions & { readonly only?: readonly string[] },
): Promise<ValidationReport> {
  const { context, transports } = await gather(site, options);
  try {
    return reportFor(context, options.only);
  } finally {
    await Promise.allSettled(transports.map((transport) => transport?.close()));
  }
}

/** Judges an already gathered context (re-running checks needs no new SSH round trip). */
export function reportFor(context: CheckContext, only?: readonly string[]): ValidationReport {
  const findings = runChecks(context, only);
  return {
    findings,
    capacity: computeCapacity(context),
    context,
    connectionFailed: context.nodes.some((node) => node.connectError !== undefined),
    failed: findings.some((finding) => finding.severity === 'fail'),
  };
}
