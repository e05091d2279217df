import { LockstepError, toErrorInfo, type ErrorInfo } from '../api/errors';
import type { Secrets } from '../api/endpoint';
import type { ResolvedSite } from '../api/site';
import { connect } from '../ssh/connect';
import type { ActionContext, ActionNode } from './action';

/**
 * Opens what an action works on: a connection to each node of the site, tolerating one
 * that cannot be reached (a node brought back from maintenance may be the one that was
 * down). A host key in doubt is never tolerated: it stops the action like every command.
 */
export interface ActionSession {
  readonly context: Omit<ActionContext, 'log'>;
  /** Why a node could not be connected to (null when it was). */
  readonly errors: readonly [ErrorInfo | null, ErrorInfo | null];
  close(): Promise<void>;
}

/** Connects to both nodes of the site; throws only when neither answers or a host key is in doubt. */
export async function openActionSession(
  site: ResolvedSite,
  options: { knownHostsPath: string; secrets?: Secrets; signal: AbortSignal },
): Promise<ActionSession> {
  const opened = await Promise.all(
    site.nodes.map(async (node, index): Promise<{ node: ActionNode } | { error: ErrorInfo }> => {
      try {
        const transport = await connect(
          {
            endpoint: { host: node.address, port: node.port },
            login: { user: site.ssh.user, ...(site.ssh.identityFile && { identityFile: site.ssh.identityFile }) },
            knownHostsPath: options.knownHostsPath,
            ...(options.secrets && { secrets: options.secrets }),
          },
          { label: node.address, signal: options.signal },
        );
        return {
          node: {
            key: index === 0 ? 'a' : 'b',
            label: node.address,
            transport,
            signal: options.signal,
            // Replaced by `runAction`, which collects every node's lines into the action's log.
            log: () => undefined,
          },
        };
      } catch (error) {
        if (options.signal.aborted) throw error;
        return { error: toErrorInfo(error) };
      }
    }),
  );
  const nodes = opened.map((entry) => ('node' in entry ? entry.node : null)) as [ActionNode | null, ActionNode | null];
  const errors = opened.map((entry) => ('error' in entry ? entry.error : null)) as [ErrorInfo | null, ErrorInfo | null];
  const close = async (): Promise<void> => {
    await Promise.all(nodes.map((node) => node?.transport.close()));
  };
  const hostKey = errors.find((error) => error?.code.startsWith('ssh.host-key-'));
  const first = errors[0] ?? errors[1];
  if (hostKey || (!nodes[0] && !nodes[1] && first)) {
    await close();
    throw new LockstepError((hostKey ?? first)!);
  }
  return { context: { site, nodes, signal: options.signal }, errors, close };
}
