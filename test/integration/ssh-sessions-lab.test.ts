import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../provisioning/ssh/connect';
import type { Transport } from '../../provisioning/ssh/types';
import { injectedLab } from '../helpers/lab';

/**
 * Many short commands on one connection to a lab server's real sshd, with the machine
 * busy (as the CI machine is): a command that ends at once must still report its exit
 * code, and sshd's refusal of a session it has not finished tearing down must not
 * surface as an error. Both once failed installs on a loaded machine.
 */
const { lab, skipReason } = injectedLab();

describe.skipIf(!lab)(
  `SSH sessions against the lab's sshd${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    let transport: Transport;
    let busy: ChildProcess[] = [];

    beforeAll(async () => {
      const node = lab!.nodes[0]!;
      transport = await connect(
        {
          endpoint: { host: node.address, port: 22 },
          login: { user: 'root', identityFile: lab!.identityFile, agent: false },
          knownHostsPath: lab!.knownHostsPath,
        },
        { label: node.address },
      );
    });

    afterAll(async () => {
      for (const child of busy) child.kill('SIGKILL');
      await transport?.close();
    });

    it('every one of 300 quick commands reports its exit code while both cores are busy', async () => {
      busy = Array.from({ length: 2 }, () => spawn('sh', ['-c', 'while :; do :; done'], { stdio: 'ignore' }));
      const outcomes = await Promise.all(
        Array.from({ length: 300 }, (_, index) =>
          transport.exec(`echo ${index}; exit 7`, { timeoutMs: 60_000 }).then(
            (result) => ({ index, code: result.code, stdout: result.stdout.trim() }),
            (error: unknown) => ({ index, error: error instanceof Error ? error.message : String(error) }),
          ),
        ),
      );
      const wrong = outcomes.filter(
        (outcome) => !('code' in outcome) || outcome.code !== 7 || outcome.stdout !== String(outcome.index),
      );
      expect(wrong).toEqual([]);
    });
  },
);
