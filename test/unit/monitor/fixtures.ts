import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Section } from '../../../provisioning/facts/frame';
import { parseSample, type NodeSample } from '../../../provisioning/monitor/collect';

export const FIXTURES = join(import.meta.dirname, 'fixtures');

export function fixture(...path: string[]): string {
  return readFileSync(join(FIXTURES, ...path), 'utf8');
}

/** Capture file names (capture-lab.sh) → the collector's section ids. */
const SECTION_FILES: Record<string, string> = {
  quorum: 'quorumtool',
  links: 'cfgtool-s',
  crm: 'crm_mon',
  nics: 'ip-link',
  'proc-drbd': 'proc-drbd',
  chrony: 'chrony',
  timedatectl: 'timedatectl',
  uptime: 'uptime',
};

/**
 * A node sample built from one node's captured outputs (lab/<state>/<node>/), as the
 * collector would have parsed them; hostname and clock are given by the test.
 */
export function sampleFromCapture(state: string, node: 'a' | 'b', extra: { clockNs?: string; hostname?: string; virsh?: string } = {}): NodeSample {
  const dir = join(FIXTURES, 'lab', state, node);
  const sections = new Map<string, Section>();
  for (const [id, file] of Object.entries(SECTION_FILES)) {
    const out = join(dir, `${file}.out`);
    if (!existsSync(out)) continue;
    const err = join(dir, `${file}.err`);
    sections.set(id, {
      stdout: readFileSync(out, 'utf8'),
      stderr: existsSync(err) ? readFileSync(err, 'utf8') : '',
      code: Number(readFileSync(join(dir, `${file}.rc`), 'utf8').trim()),
    });
  }
  sections.set('hostname', { stdout: `${extra.hostname ?? `lockstep-${node}`}\n`, stderr: '', code: 0 });
  if (extra.clockNs) sections.set('clock', { stdout: `${extra.clockNs}\n`, stderr: '', code: 0 });
  if (extra.virsh !== undefined) sections.set('virsh', { stdout: extra.virsh, stderr: '', code: 0 });
  return parseSample(sections, { started: 1_000_000, finished: 1_000_100 });
}
