/**
 * Sizes as an admin types them: `512M`, `1G`, `1.5GiB`, `20g`, or a bare number of MiB.
 * Binary units (a `G` is 1024 MiB, as LVM and QEMU count). Null when it is not a size.
 */
export function parseSizeMiB(text: string): number | null {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([mgt])?(?:i?b)?\s*$/i.exec(text);
  if (!match) return null;
  const factor = { m: 1, g: 1024, t: 1024 * 1024 }[(match[2] ?? 'm').toLowerCase() as 'm' | 'g' | 't'];
  const mib = Math.ceil(Number(match[1]) * factor);
  return mib > 0 ? mib : null;
}
