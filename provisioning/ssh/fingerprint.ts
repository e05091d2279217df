import { createHash } from 'node:crypto';

/**
 * Host keys are shown and pinned the way OpenSSH shows them (`ssh-keygen -lf`):
 * `SHA256:` + unpadded base64 of the SHA-256 of the key blob, so that an admin can
 * compare what Lockstep shows with what the server's console prints.
 */
export function sha256Fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The algorithm name stored at the start of an SSH public key blob (`ssh-ed25519`, `ssh-rsa`, …). */
export function keyTypeOf(keyBlob: Buffer): string {
  if (keyBlob.length < 4) throw new Error('host key blob is too short');
  const length = keyBlob.readUInt32BE(0);
  if (length <= 0 || length > 64 || 4 + length > keyBlob.length)
    throw new Error('host key blob has no algorithm name');
  return keyBlob.subarray(4, 4 + length).toString('ascii');
}

/** A fingerprint as a user may type it: `SHA256:abc…` with or without padding. */
export function normaliseFingerprint(text: string): string | undefined {
  const match = /^SHA256:([A-Za-z0-9+/]{43})=?$/.exec(text.trim());
  return match ? `SHA256:${match[1]}` : undefined;
}
