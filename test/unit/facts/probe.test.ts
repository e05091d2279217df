import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { InventorySchema, isFactError } from '../../../provisioning/api/inventory';
import { probeHost } from '../../../provisioning/facts/probe';
import type { ExecResult, Transport } from '../../../provisioning/ssh/types';

const run = promisify(execFile);

/** A transport that runs the command on this machine, as sshd would run it on a server. */
function localTransport(
  transform: (stdout: string) => string = (s) => s,
): Transport & { commands: string[] } {
  const commands: string[] = [];
  return {
    label: 'local',
    endpoint: { host: '127.0.0.1', port: 22 },
    commands,
    async exec(command): Promise<ExecResult> {
      commands.push(command);
      const started = Date.now();
      const { stdout, stderr } = await run('sh', ['-c', command], { maxBuffer: 64 * 1024 * 1024 });
      return { code: 0, stdout: transform(stdout), stderr, durationMs: Date.now() - started };
    },
    upload: () => Promise.reject(new Error('not used')),
    download: () => Promise.reject(new Error('not used')),
    close: () => Promise.resolve(),
  };
}

describe('probeHost', () => {
  it('reads the whole inventory in exactly one exec and returns a schema-valid inventory', async () => {
    const transport = localTransport();
    const inventory = await probeHost(transport);
    expect(transport.commands).toHaveLength(1);
    expect(InventorySchema.parse(inventory)).toEqual(inventory);
    expect(isFactError(inventory.memory)).toBe(false);
    expect(isFactError(inventory.nics)).toBe(false);
  });

  it('turns a connection cut mid-output into per-fact errors for the facts that did not arrive', async () => {
    const transport = localTransport((stdout) => stdout.slice(0, stdout.indexOf(' begin memory')));
    const inventory = await probeHost(transport);
    expect(isFactError(inventory.cpu)).toBe(false);
    expect(inventory.memory).toMatchObject({
      fact: 'memory',
      error: expect.stringMatching(/no output|cut short/),
    });
    expect(inventory.problems.map((p) => p.fact)).toEqual(
      expect.arrayContaining(['memory', 'block-devices', 'links', 'packages', 'kvm']),
    );
  });
});
