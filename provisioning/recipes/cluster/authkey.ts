import { randomBytes } from 'node:crypto';
import type { Change, Decision, NodeStepContext, PairStep } from '../../engine/types';
import { sh } from '../../util/shell';
import { notVerified, read, run } from '../support/run';

export const AUTHKEY = '/etc/corosync/authkey';
const KEY_BYTES = 256;

/**
 * The Corosync authkey: made once in this process from the OS's CSPRNG (the same
 * source corosync-keygen reads), uploaded over SFTP with mode 0400; copied from node a
 * to node b the same way when only a has it. The key is only ever in memory, on
 * SFTP, or in the file: never in a command line, an output that is logged, or a Change.
 */

/** What each node has: the key's sum (never the key) and its mode. */
export interface AuthkeyState {
  readonly sha256: string | null;
  readonly mode: string | null;
  readonly size: number;
}

export function parseAuthkeyState(stdout: string): AuthkeyState {
  const [mode = '', size = '0', sum = ''] = stdout.trim().split(/\s+/);
  if (!mode) return { sha256: null, mode: null, size: 0 };
  return { sha256: /^[0-9a-f]{64}$/.test(sum) ? sum : null, mode, size: Number(size) };
}

const STATE_COMMAND = sh`if [ -f ${AUTHKEY} ]; then stat -c '%a %s' -- ${AUTHKEY} | tr '\n' ' '; sha256sum < ${AUTHKEY} | cut -d' ' -f1; fi`;

/** Decides from both nodes' key states (pure). */
export function decideAuthkey(a: AuthkeyState, b: AuthkeyState): Decision {
  const usable = (state: AuthkeyState): boolean => state.sha256 !== null && state.size >= 128;
  const changes: Change[] = [];
  if (!usable(a)) {
    changes.push({
      summary: `generate a new ${KEY_BYTES}-byte authkey and install it on both nodes (mode 0400)`,
      commands: [`sftp put ${AUTHKEY} (node a, node b; mode 0400; content not shown)`],
    });
  } else {
    if (b.sha256 !== a.sha256)
      changes.push({
        summary: 'copy the authkey from node a to node b (mode 0400)',
        commands: [`sftp get ${AUTHKEY} (node a) → sftp put ${AUTHKEY} (node b); content not shown`],
      });
    for (const [key, state] of [
      ['a', a],
      ['b', b],
    ] as const) {
      if (state.sha256 === a.sha256 && state.mode !== '400')
        changes.push({
          summary: `make the authkey on node ${key} mode 0400`,
          commands: [sh`chmod 0400 ${AUTHKEY}`],
        });
    }
  }
  if (changes.length === 0) return { kind: 'noop', reason: 'both nodes hold the same authkey, mode 0400' };
  return { kind: 'change', changes };
}

async function state(node: NodeStepContext): Promise<AuthkeyState> {
  return parseAuthkeyState((await read(node, STATE_COMMAND)).stdout);
}

/** `cluster.authkey` (pair). */
export const authkeyStep: PairStep = {
  id: 'cluster.authkey',
  title: 'Corosync authentication key',
  group: 'cluster',
  scope: 'pair',
  applicable: () => true,
  async inspect(context) {
    const [a, b] = context.nodes;
    return decideAuthkey(await state(a), await state(b));
  },
  async apply(context) {
    const [a, b] = context.nodes;
    let sa = await state(a);
    if (sa.sha256 === null || sa.size < 128) {
      const key = randomBytes(KEY_BYTES);
      a.log(`install a new authkey on ${a.label} (content not shown)`);
      await run(a, 'mkdir -p /etc/corosync', { quiet: true });
      await a.transport.upload(key, AUTHKEY, { mode: 0o400, sudo: true });
      sa = await state(a);
    }
    const sb = await state(b);
    if (sb.sha256 !== sa.sha256) {
      // base64 over the channel: the output is held in memory and never logged.
      const encoded = await read(a, sh`base64 -w0 ${AUTHKEY}`);
      const key = Buffer.from(encoded.stdout.trim(), 'base64');
      if (encoded.code !== 0 || key.length !== sa.size)
        throw notVerified(
          a.label,
          `could not read ${AUTHKEY} back.`,
          'Check that the file exists and is readable by root.',
        );
      b.log(`copy the authkey from ${a.label} to ${b.label} (content not shown)`);
      await run(b, 'mkdir -p /etc/corosync', { quiet: true });
      await b.transport.upload(key, AUTHKEY, { mode: 0o400, sudo: true });
      key.fill(0);
    }
    for (const node of context.nodes)
      await run(node, sh`chown root:root ${AUTHKEY} && chmod 0400 ${AUTHKEY}`);
  },
  async verify(context) {
    const [a, b] = context.nodes;
    const decision = decideAuthkey(await state(a), await state(b));
    if (decision.kind === 'change')
      throw notVerified(
        b.label,
        `the authkeys differ or are not mode 0400: ${decision.changes.map((change) => change.summary).join('; ')}.`,
        'Run apply again.',
      );
  },
};
