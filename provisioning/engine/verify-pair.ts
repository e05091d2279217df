import { toErrorInfo } from '../api/errors';
import type { Secrets } from '../api/endpoint';
import type { ResolvedSite } from '../api/site';
import type { VerifyResult } from '../api/verify';
import { pollNode, unreachableSample, type NodeSample } from '../monitor/collect';
import { buildPairState } from '../monitor/model';
import { connect } from '../ssh/connect';
import type { Transport } from '../ssh/types';
import { parseServices, servicesScript, verifyResult, type VerifiedNode } from './verify-checks';

/**
 * Verify (flow step 11): reads both servers once, read-only — the console's own poll
 * (`monitor/collect`, one exec) and what systemd says of the cluster and hypervisor
 * services — and judges the pair with `verifyResult`. A server that cannot be reached
 * becomes a failed line, never an exception: the screen shows what it could see.
 */
export interface VerifyOptions {
  readonly knownHostsPath: string;
  readonly secrets?: Secrets;
  readonly signal?: AbortSignal;
  readonly progress?: (message: string) => void;
}

export async function verifyPair(site: ResolvedSite, options: VerifyOptions): Promise<VerifyResult> {
  options.progress?.(`reading ${site.nodes.map((node) => node.address).join(' and ')}`);
  const nodes = (await Promise.all(
    site.nodes.map(async (node, index): Promise<VerifiedNode> => {
      const key = index === 0 ? 'a' : 'b';
      let transport: Transport | undefined;
      try {
        transport = await connect(
          {
            endpoint: { host: node.address, port: node.port },
            login: { user: site.ssh.user, ...(site.ssh.identityFile && { identityFile: site.ssh.identityFile }) },
            knownHostsPath: options.knownHostsPath,
            ...(options.secrets && { secrets: options.secrets }),
          },
          { label: node.address, readyTimeoutMs: 10_000, ...(options.signal && { signal: options.signal }) },
        );
      } catch (error) {
        if (options.signal?.aborted) throw error;
        return { key, address: node.address, sample: unreachableSample(toErrorInfo(error).message), services: [] };
      }
      try {
        const sample: NodeSample = await pollNode(transport, {
          timeoutMs: 20_000,
          ...(options.signal && { signal: options.signal }),
        });
        if (!sample.reachable) return { key, address: node.address, sample, services: [] };
        const result = await transport.exec(servicesScript(), {
          timeoutMs: 20_000,
          ...(options.signal && { signal: options.signal }),
        });
        return { key, address: node.address, sample, services: parseServices(result.stdout, site.hypervisor) };
      } finally {
        await transport.close().catch(() => undefined);
      }
    }),
  )) as [VerifiedNode, VerifiedNode];
  const nic = (value: string): string | null => (value === 'auto' ? null : value);
  const state = buildPairState(
    {
      pair: site.name,
      addresses: [site.nodes[0].address, site.nodes[1].address],
      acknowledgeNoFencing: site.fencing.acknowledgeNoFencing,
      privateNics: { a: nic(site.network.private.a), b: nic(site.network.private.b) },
    },
    [nodes[0].sample, nodes[1].sample],
    new Date(),
  );
  return verifyResult(site, nodes, state);
}
