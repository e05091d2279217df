import { LockstepError } from '../api/errors';
import type { Endpoint } from '../api/endpoint';
import { formatEndpoint } from '../api/endpoint-parse';
import type { HostKeyLookup, KnownHostsEntry, PinnedKey } from './known-hosts';
import { knownHostsName } from './known-hosts';
import { assertNever } from '../util/assert-never';

/**
 * The host-key errors, worded once so that `trust`, every connecting command and the
 * desktop app explain an unknown, changed or revoked key in the same words.
 */

/** What the server offered, as shown to the admin. */
export interface OfferedHostKey {
  readonly keyType: string;
  readonly fingerprint: string;
}

/** The command that prints a server's key fingerprint on its own console. */
export function consoleFingerprintCommand(keyType: string): string {
  const file = keyType.startsWith('ecdsa')
    ? 'ecdsa'
    : keyType === 'ssh-rsa' || keyType.startsWith('rsa-')
      ? 'rsa'
      : 'ed25519';
  return `ssh-keygen -lf /etc/ssh/ssh_host_${file}_key.pub`;
}

/** The command that removes a host's old pins from a known_hosts file. */
export function removePinCommand(endpoint: Endpoint, knownHostsPath: string): string {
  return `ssh-keygen -R '${knownHostsName(endpoint)}' -f '${knownHostsPath}'`;
}

/** The server's key is not pinned: connecting stops until the admin has checked and trusted it. */
export function hostKeyUnknownError(
  endpoint: Endpoint,
  offered: OfferedHostKey,
  knownHostsPath: string,
): LockstepError {
  const address = formatEndpoint(endpoint);
  return new LockstepError({
    code: 'ssh.host-key-unknown',
    host: endpoint.host,
    message: `The host key of ${address} is not trusted yet: it offers ${offered.keyType} ${offered.fingerprint}.`,
    remedy: `On the server's console run \`${consoleFingerprintCommand(offered.keyType)}\` and check that it prints ${offered.fingerprint}; then run \`lockstep trust ${address} --fingerprint ${offered.fingerprint}\` (or \`lockstep trust ${address}\` to confirm it interactively).`,
    details: { keyType: offered.keyType, fingerprint: offered.fingerprint, knownHosts: knownHostsPath },
  });
}

/** The server offers a key other than the pinned one: a hard stop, never a silent accept. */
export function hostKeyMismatchError(
  endpoint: Endpoint,
  offered: OfferedHostKey,
  pinned: readonly PinnedKey[],
  reason: 'changed' | 'other-type',
  knownHostsPath: string,
): LockstepError {
  const address = formatEndpoint(endpoint);
  const pins = pinned
    .map((pin) => `${pin.keyType} ${pin.fingerprint} (${pin.source} line ${pin.line})`)
    .join('; ');
  const what =
    reason === 'changed'
      ? `THE HOST KEY OF ${address} HAS CHANGED. Pinned: ${pins}. Offered now: ${offered.keyType} ${offered.fingerprint}.`
      : `${address} offers a ${offered.keyType} key (${offered.fingerprint}) but only other key types are pinned for it: ${pins}.`;
  return new LockstepError({
    code: 'ssh.host-key-mismatch',
    host: endpoint.host,
    message: `${what} This can mean the server was reinstalled or that someone is intercepting the connection; Lockstep will not connect.`,
    remedy: `Verify on the server's console with \`${consoleFingerprintCommand(offered.keyType)}\`. Only if it prints ${offered.fingerprint}, remove the old pin with \`${removePinCommand(endpoint, knownHostsPath)}\` (or \`lockstep trust ${address} --replace --fingerprint ${offered.fingerprint}\`) and trust the new key. If it does not, do not connect: someone may be intercepting the connection.`,
    details: {
      offered: { keyType: offered.keyType, fingerprint: offered.fingerprint },
      pinned: pinned.map((pin) => ({ ...pin })),
      knownHosts: knownHostsPath,
    },
  });
}

/** The offered key is marked `@revoked`: refused whatever else is pinned. */
export function hostKeyRevokedError(
  endpoint: Endpoint,
  offered: OfferedHostKey,
  entry: KnownHostsEntry,
): LockstepError {
  const address = formatEndpoint(endpoint);
  return new LockstepError({
    code: 'ssh.host-key-revoked',
    host: endpoint.host,
    message: `${address} offers ${offered.keyType} ${offered.fingerprint}, a key marked @revoked in ${entry.source} line ${entry.line}; Lockstep will not connect.`,
    remedy: `A revoked key must not be used: give the server a new host key (\`ssh-keygen -A\` after removing the old one, on its console), then trust the new key. Remove the @revoked line only if the revocation was a mistake.`,
    details: {
      keyType: offered.keyType,
      fingerprint: offered.fingerprint,
      source: entry.source,
      line: entry.line,
    },
  });
}

/** Turns a non-match lookup into its error (undefined for a match). */
export function hostKeyError(
  endpoint: Endpoint,
  offered: OfferedHostKey,
  lookup: HostKeyLookup,
  knownHostsPath: string,
): LockstepError | undefined {
  switch (lookup.status) {
    case 'match':
      return undefined;
    case 'unknown':
      return hostKeyUnknownError(endpoint, offered, knownHostsPath);
    case 'mismatch':
      return hostKeyMismatchError(endpoint, offered, lookup.pinned, lookup.reason, knownHostsPath);
    case 'revoked':
      return hostKeyRevokedError(endpoint, offered, lookup.entry);
    default:
      return assertNever(lookup);
  }
}
