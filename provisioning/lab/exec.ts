import { LockstepError } from '../api/errors';
import { labMachine } from './constants';
import { containerLeader, findLabNspawns } from './processes';
import { run, type RunResult } from './run';

/** Options of `labExec`. */
export interface LabExecOptions {
  /** Fed to the command's stdin (passwords go here). */
  readonly stdin?: string;
  /** Return a non-zero exit instead of throwing `lab.failed`. */
  readonly allowFailure?: boolean;
  readonly timeoutMs?: number;
}

/** The host pid of a running lab server's PID 1 (systemd). */
export function labLeaderPid(nodeName: string): number {
  const node = labMachine(nodeName);
  const nspawn = findLabNspawns(node)[0];
  const leader = nspawn === undefined ? undefined : containerLeader(nspawn);
  if (leader === undefined) {
    throw new LockstepError({
      code: 'lab.failed',
      message: `Lab server ${node.hostname} is not running.`,
      remedy: 'Start the lab: `lockstep lab up`.',
      host: node.address,
    });
  }
  return leader;
}

/**
 * Runs a command inside a running lab server, as its root, by entering its PID 1's
 * namespaces (mount, UTS, IPC, network, PID) from the host, the way a console would.
 * Fault injection uses it (MTU, links, sshd keys) without going through SSH.
 */
export async function labExec(
  nodeName: string,
  commandWords: readonly string[],
  options: LabExecOptions = {},
): Promise<RunResult> {
  const leader = labLeaderPid(nodeName);
  return run(
    [
      'nsenter',
      '-t',
      String(leader),
      '-m',
      '-u',
      '-i',
      '-n',
      '-p',
      '-r',
      '-w',
      '--',
      'env',
      '-i',
      'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      'LANG=C.UTF-8',
      'HOME=/root',
      ...commandWords,
    ],
    options,
  );
}
