import { finding, type Check } from './types';
import type { CheckId } from './catalogue';

/**
 * SSH checks report what happened when connecting: the connection error's code is the
 * catalogue id (ssh.unreachable, ssh.host-key-*, ssh.auth-failed).
 */
const CONNECT_IDS = [
  'ssh.unreachable',
  'ssh.host-key-unknown',
  'ssh.host-key-mismatch',
  'ssh.auth-failed',
] as const;

function connectCheck(id: (typeof CONNECT_IDS)[number]): Check {
  return {
    id,
    applicable: () => true,
    run: (context) =>
      context.nodes.flatMap((node) => {
        const error = node.connectError;
        if (!error)
          return id === 'ssh.unreachable'
            ? [finding(id, 'pass', 'Connected and logged in.', { node: node.label })]
            : [];
        const code = error.code === 'ssh.host-key-revoked' ? 'ssh.host-key-mismatch' : error.code;
        if (code !== id) return [];
        return [finding(id as CheckId, 'fail', error.message, { node: node.label, remedy: error.remedy })];
      }),
  };
}

export const sshSudoUnavailable: Check = {
  id: 'ssh.sudo-unavailable',
  applicable: () => true,
  run: (context) =>
    context.nodes
      .filter((node) => !node.connectError)
      .map((node) =>
        node.sudoError
          ? finding('ssh.sudo-unavailable', 'fail', node.sudoError.message, {
              node: node.label,
              remedy: node.sudoError.remedy,
            })
          : finding('ssh.sudo-unavailable', 'pass', 'Administrator rights available.', { node: node.label }),
      ),
};

export const sshChecks: readonly Check[] = [...CONNECT_IDS.map(connectCheck), sshSudoUnavailable];
