import type { Endpoint } from '../../provisioning/api/endpoint';
import { formatBytes as bytesText, formatSpeed as speedText } from '../../provisioning/api/units';

/**
 * Text the UI shows, as small pure functions with their own tests: a number a person
 * reads is formatted in one place, the same way on every screen.
 */

/** `10.0.0.11` on port 22, `10.0.0.11:2222`, `[2001:db8::5]:2222`. */
export function endpointLabel(endpoint: Endpoint): string {
  if (endpoint.port === 22) return endpoint.host;
  return endpoint.host.includes(':')
    ? `[${endpoint.host}]:${endpoint.port}`
    : `${endpoint.host}:${endpoint.port}`;
}

/** The stable key of an endpoint in the store. */
export function endpointKey(endpoint: Endpoint): string {
  return `${endpoint.host}|${endpoint.port}`;
}

/** Round-trip time: `0.4 ms`, `12 ms`, `1.2 s`; an em dash when unknown. */
export function formatRtt(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Bytes in binary units, as the CLI says them (`512 B`, `1.5 GiB`, `4 TiB`); an em dash when unknown. */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes) || bytes < 0) return '—';
  return bytesText(bytes);
}

/** Elapsed time: `850 ms`, `4.2 s`, `1 min 05 s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return `${minutes} min ${String(seconds).padStart(2, '0')} s`;
}

/** The host-key algorithm as people say it: `ssh-ed25519` → `ED25519`, `ecdsa-sha2-nistp256` → `ECDSA P-256`. */
export function keyTypeLabel(keyType: string | null | undefined): string {
  if (!keyType) return '—';
  if (keyType === 'ssh-ed25519') return 'ED25519';
  if (keyType === 'ssh-rsa' || keyType.startsWith('rsa-')) return 'RSA';
  const ecdsa = /^ecdsa-sha2-nistp(\d+)$/.exec(keyType);
  if (ecdsa) return `ECDSA P-${ecdsa[1]}`;
  return keyType;
}

/**
 * A fingerprint split into groups of four after `SHA256:` so that a person can compare
 * it with the server's console piece by piece; the characters are unchanged.
 */
export function fingerprintGroups(fingerprint: string): string[] {
  const body = fingerprint.replace(/^SHA256:/, '');
  const groups: string[] = [];
  for (let index = 0; index < body.length; index += 4) groups.push(body.slice(index, index + 4));
  return groups;
}

/** The software part of an SSH banner: `SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3` → `OpenSSH_9.2p1 Debian-2+deb12u3`. */
export function bannerSoftware(banner: string | null | undefined): string {
  if (!banner) return '—';
  return banner.replace(/^SSH-[\d.]+-/, '');
}

/** Splits what a user typed in "Find servers" into targets: spaces, commas or new lines separate them. */
export function splitTargets(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

/** "1 server", "2 servers". */
export function plural(count: number, noun: string, many = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : many}`;
}

/** `Debian GNU/Linux 12 (bookworm)`. */
export function osSummary(os: { prettyName: string; id: string; versionId: string | null }): string {
  return os.prettyName || [os.id, os.versionId].filter(Boolean).join(' ');
}

/** `AMD EPYC 7302 · 16 cores, 32 threads`. */
export function cpuSummary(cpu: {
  model: string | null;
  vendor: string | null;
  sockets: number | null;
  coresPerSocket: number | null;
  logicalCpus: number | null;
}): string {
  const cores = cpu.sockets !== null && cpu.coresPerSocket !== null ? cpu.sockets * cpu.coresPerSocket : null;
  const counts = [
    cores !== null && plural(cores, 'core'),
    cpu.logicalCpus !== null && plural(cpu.logicalCpus, 'thread'),
  ].filter(Boolean);
  return [cpu.model ?? cpu.vendor ?? 'Unknown processor', counts.join(', ')]
    .filter((part) => part !== '')
    .join(' · ');
}

/** A link speed in Mb/s as the CLI says it (`10 Gb/s`, `2.5 Gb/s`); "speed unknown" when not reported. */
export function formatSpeed(mbps: number | null): string {
  if (mbps === null || mbps <= 0) return 'speed unknown';
  return speedText(mbps);
}

/** Why a disk is not free, in the engine's own words. */
export function diskUseText(disk: { inUse: readonly { detail: string }[] }): string {
  return disk.inUse.map((use) => use.detail).join('; ');
}

/** Uptime: `3 d 4 h`, `5 h 12 min`, `42 min`; an em dash when unknown. */
export function formatUptime(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '—';
  const minutes = Math.floor(seconds / 60);
  const hours = Math.floor(minutes / 60);
  const days = Math.floor(hours / 24);
  if (days > 0) return `${days} d ${hours % 24} h`;
  if (hours > 0) return `${hours} h ${minutes % 60} min`;
  return `${minutes} min`;
}
