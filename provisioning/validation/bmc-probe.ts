import { toErrorInfo } from '../api/errors';
import type { NodeKey, ResolvedBmc, ResolvedSite } from '../api/site';
import type { BmcState } from '../checks/types';
import { redactor } from '../engine/redact';
import type { Transport } from '../ssh/types';
import { command } from '../util/shell';

/**
 * `fence.bmc-unreachable` for real: each BMC is asked for its power state by
 * `fence_ipmilan -o status` on the node that will run its fence device (the other
 * node: a device never runs on the node it fences), with the options — password
 * included — on the agent's stdin, as Pacemaker passes them. So validate proves the
 * address, the port, the user and the password before apply writes them into the CIB.
 * Before the first apply the agent is not installed yet: the BMC is then reported as
 * not tested, and the next validate or apply tests it.
 */

/** The agent's options as `name=value` lines (fence agents read them from stdin when given no arguments). */
export function fenceAgentInput(bmc: Pick<ResolvedBmc, 'address' | 'port' | 'user'>, password: string): string {
  return [
    `ip=${bmc.address}`,
    `ipport=${bmc.port}`,
    `username=${bmc.user}`,
    `password=${password}`,
    'lanplus=1',
    'action=status',
    '',
  ].join('\n');
}

/** Exit status of the probe when the node has no fence_ipmilan (the shell's "command not found"). */
export const AGENT_MISSING = 127;

const PROBE = command('sh', '-c', `command -v fence_ipmilan >/dev/null || exit ${AGENT_MISSING}; exec timeout 60 fence_ipmilan`);

/** What one `fence_ipmilan -o status` run says of a BMC (pure, tested on captured outputs). */
export function classifyBmcProbe(
  result: { readonly code: number | null; readonly stdout: string; readonly stderr: string },
  bmc: Pick<ResolvedBmc, 'port' | 'user'>,
  from: string,
): BmcState {
  const power = /^Status: (ON|OFF)$/m.exec(result.stdout)?.[1];
  if (result.code === 0 && power)
    return {
      reachable: true,
      detail: `fence_ipmilan on ${from} logged in as ${bmc.user} (lanplus) and read the power state: ${power.toLowerCase()}`,
    };
  if (result.code === AGENT_MISSING && !result.stdout.trim())
    return { reachable: null, detail: `fence_ipmilan is not installed on ${from} yet (apply installs it)` };
  const error = result.stderr
    .split('\n')
    .map((line) => /\bERROR: (?:Failed: )?(.*)$/.exec(line)?.[1]?.trim())
    .filter((line): line is string => !!line)
    .at(-1);
  if (error && /timed out/i.test(error))
    return {
      reachable: false,
      detail: `fence_ipmilan on ${from} got no answer on UDP port ${bmc.port} (${error.toLowerCase()})`,
    };
  if (error && /unable to obtain correct plug status/i.test(error))
    return {
      reachable: false,
      detail: `fence_ipmilan on ${from} could not log in as ${bmc.user}: a wrong user or password, or IPMI over LAN (lanplus) disabled on the BMC`,
    };
  if (result.code === 124)
    return { reachable: false, detail: `fence_ipmilan on ${from} did not finish within 60 s` };
  return {
    reachable: false,
    detail: `fence_ipmilan on ${from} failed (exit ${result.code ?? 'by signal'})${error ? `: ${error}` : ''}`,
  };
}

/**
 * Asks one BMC for its power state from the node that would fence through it, over
 * `transport` (a connection to that node). The password goes to the agent's stdin only,
 * and is taken out of the answer should the agent ever echo it.
 */
export async function probeBmc(
  transport: Transport,
  bmc: Pick<ResolvedBmc, 'address' | 'port' | 'user'>,
  password: string,
  from: string,
  signal?: AbortSignal,
): Promise<BmcState> {
  const redact = redactor([password]);
  try {
    const result = await transport.exec(PROBE, {
      stdin: fenceAgentInput(bmc, password),
      timeoutMs: 90_000,
      ...(signal && { signal }),
    });
    return redact(classifyBmcProbe(result, bmc, from));
  } catch (error) {
    if (signal?.aborted) throw error;
    return redact({ reachable: null, detail: `fence_ipmilan could not be run on ${from}: ${toErrorInfo(error).message}` });
  }
}

/**
 * Probes the BMC of each node from the other node. A BMC without a password (none
 * exported, or validate not asked for it) is reported as not tested.
 */
export async function probeBmcs(
  site: ResolvedSite,
  transports: readonly [Transport | undefined, Transport | undefined],
  passwords: { readonly a?: string; readonly b?: string } | undefined,
  signal?: AbortSignal,
): Promise<Partial<Record<NodeKey, BmcState>>> {
  const [nodeA, nodeB] = site.nodes;
  const [transportA, transportB] = transports;
  // Node a's BMC is probed from b, and b's from a.
  const targets = [
    { key: 'a', bmc: nodeA.bmc, from: nodeB.address, transport: transportB },
    { key: 'b', bmc: nodeB.bmc, from: nodeA.address, transport: transportA },
  ] as const;
  const states = await Promise.all(
    targets.map(async ({ key, bmc, from, transport }): Promise<BmcState | undefined> => {
      if (!bmc || !transport) return undefined;
      const password = passwords?.[key];
      if (!password)
        return {
          reachable: null,
          detail: `no password was given for it${bmc.password === 'prompt' ? '' : ` (export ${bmc.password.env})`}`,
        };
      return probeBmc(transport, bmc, password, from, signal);
    }),
  );
  const probed: Partial<Record<NodeKey, BmcState>> = {};
  for (const [index, state] of states.entries()) if (state) probed[targets[index]?.key ?? 'a'] = state;
  return probed;
}
