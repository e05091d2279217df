/** libvirt's view of the VMs on one node: `virsh -q list --all`. */

export interface VirshDomain {
  /** null for a domain that is not running (`-`). */
  readonly id: number | null;
  readonly name: string;
  /** `running`, `paused`, `shut off`, `in shutdown`, `crashed`, `pmsuspended`, `idle`. */
  readonly state: string;
}

/** Parses the table (with or without `-q`'s missing header). Names may contain spaces. */
export function parseVirshList(stdout: string): VirshDomain[] {
  const domains: VirshDomain[] = [];
  for (const line of stdout.split('\n')) {
    if (/^\s*Id\s+Name\s+State\s*$/.test(line) || /^-+\s*$/.test(line.trim()) || line.trim() === '') continue;
    const match = /^\s*(\d+|-)\s+(.+?)\s{2,}(\S.*?)\s*$/.exec(line);
    if (!match) continue;
    domains.push({ id: match[1] === '-' ? null : Number(match[1]), name: match[2] ?? '', state: match[3] ?? '' });
  }
  return domains;
}

/** `virsh domstats --raw`: `Domain: 'name'` blocks of `key=value` lines. */
export function parseDomstats(stdout: string): Map<string, Map<string, string>> {
  const result = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  for (const line of stdout.split('\n')) {
    const head = /^Domain:\s*'(.*)'\s*$/.exec(line);
    if (head) {
      current = new Map();
      result.set(head[1] ?? '', current);
      continue;
    }
    const pair = /^\s+([^=\s]+)=(.*)$/.exec(line);
    if (pair && current) current.set(pair[1] ?? '', pair[2] ?? '');
  }
  return result;
}
