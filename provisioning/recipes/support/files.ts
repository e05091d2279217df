import { createHash } from 'node:crypto';
import { sh } from '../../util/shell';
import { read, run, type RunTarget } from './run';

/**
 * Files the recipes own on a server: each starts with a marker naming the pair, is
 * compared before it is written, and is written atomically (upload to a temp file,
 * then rename) so a run killed half-way never leaves half a file.
 */

/** The first lines of every file Lockstep writes; `validate` reads the `# lockstep-pair: NAME` line back. */
export function marker(pairName: string, comment = '#'): string {
  return `${comment} managed by Lockstep — edits are overwritten\n${comment} lockstep-pair: ${pairName}`;
}

/** A file's content, or null when it does not exist. Read with sudo (many are root-only). */
export async function readFile(target: RunTarget, path: string): Promise<string | null> {
  // One read, then a look at why it failed: a file removed between a test and a cat is absent, not an error.
  const result = await read(target, sh`cat -- ${path} 2>/dev/null || { [ -e ${path} ] && exit 1; exit 3; }`);
  if (result.code === 0) return result.stdout;
  if (result.code === 3) return null;
  await run(target, sh`cat -- ${path}`, { quiet: true });
  return result.stdout;
}

/** A file's content with its mode and owner, or null when absent. */
export async function fileState(target: RunTarget, path: string): Promise<{ content: string; mode: string } | null> {
  const content = await readFile(target, path);
  if (content === null) return null;
  const mode = await read(target, sh`stat -c %a -- ${path}`);
  return { content, mode: mode.stdout.trim() };
}

export interface WriteOptions {
  readonly mode?: number;
  /** The content is a secret: it is neither logged nor shown in a Change. */
  readonly secret?: boolean;
}

/** Writes `content` to `path` (creating its folder) unless it already holds exactly that with the mode. */
export async function writeFileIfChanged(target: RunTarget, path: string, content: string | Buffer, options: WriteOptions = {}): Promise<boolean> {
  const mode = options.mode ?? 0o644;
  const wanted = typeof content === 'string' ? Buffer.from(content) : content;
  const current = await read(target, sh`if [ -f ${path} ]; then stat -c %a -- ${path}; sha256sum -- ${path}; fi`);
  const [modeLine = '', sumLine = ''] = current.stdout.trim().split('\n');
  if (modeLine === mode.toString(8) && sumLine.split(' ')[0] === sha256(wanted)) return false;
  const dir = path.slice(0, path.lastIndexOf('/')) || '/';
  await run(target, sh`mkdir -p -- ${dir}`, { quiet: true });
  target.log?.(`write ${path}${options.secret ? ' (secret, not shown)' : ''}`);
  await target.transport.upload(wanted, path, { mode, sudo: true });
  return true;
}

/** Removes a file if present. */
export async function removeFile(target: RunTarget, path: string): Promise<void> {
  await run(target, sh`rm -f -- ${path}`);
}

export function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The shell lines a Change shows for writing a file (content on demand, never a secret). */
export function writeCommand(path: string, mode = 0o644): string {
  return `upload ${path} (mode ${mode.toString(8).padStart(4, '0')}, temp file + rename)`;
}
