import { describe, expect, it } from 'vitest';
import { pinRunningLab, rekeyServer } from '../../provisioning/lab';
import { injectedLab, runLockstep, type LabInfo } from '../helpers/lab';

/**
 * Issue 2's promise: after a server is re-keyed, every command that connects stops
 * with exit 3 and `ssh.host-key-mismatch`, never a silent accept. The lab's own pin is
 * restored at the end (the lab generated the new key itself).
 */
const { lab, skipReason } = injectedLab();

describe.skipIf(skipReason !== null)(
  `a changed host key ${skipReason ? `(skipped: ${skipReason})` : ''}`,
  () => {
    it(
      'stops every command that connects with exit 3 and ssh.host-key-mismatch',
      { timeout: 300_000 },
      async () => {
        const info = lab as LabInfo;
        const [nodeA, nodeB] = info.nodes;
        if (!nodeA || !nodeB) throw new Error('the lab has two servers');
        const known = ['--known-hosts', info.knownHostsPath];
        await rekeyServer(nodeB.name);
        try {
          const commands: readonly (readonly string[])[] = [
            ['probe', nodeB.address, '-i', info.identityFile, ...known, '--json'],
            ['probe', '-c', info.siteFile, ...known, '--json'],
            ['validate', '-c', info.siteFile, ...known, '--json'],
            [
              'plan',
              '-c',
              info.siteFile,
              ...known,
              '--json',
              '--allow-checks',
              'cpu.virt-missing,disk.none-available,kmod.drbd-unavailable',
            ],
            ['status', '-c', info.siteFile, ...known, '--json'],
            [
              'trust',
              nodeB.address,
              '--fingerprint',
              'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
              ...known,
            ],
          ];
          for (const args of commands) {
            const result = await runLockstep(args);
            expect(result.code, `${args.join(' ')}\n${result.stderr}`).toBe(3);
            expect(`${result.stdout}\n${result.stderr}`, args.join(' ')).toContain('ssh.host-key-mismatch');
          }
        } finally {
          expect(pinRunningLab(info.knownHostsPath)).toBe(true);
        }
      },
    );
  },
);
