import { randomBytes } from 'node:crypto';
import { composeScript, splitSections, type ScriptPart, type Section } from '../facts/frame';
import type { ExecOptions, Transport } from '../ssh/types';

/**
 * Runs several commands on one server in a single exec (one round trip) and returns
 * each command's framed output by id. Wire probing needs several such batches per
 * server, and each batch must be one step so both servers can move in lockstep.
 */
export async function runFramed(
  transport: Transport,
  parts: readonly ScriptPart[],
  options: ExecOptions = {},
): Promise<Map<string, Section>> {
  const marker = `LSW${randomBytes(12).toString('hex')}`;
  const result = await transport.exec('sh -s', { ...options, stdin: composeScript(parts, { marker }) });
  return splitSections(result.stdout, marker);
}
