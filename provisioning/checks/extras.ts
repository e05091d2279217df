import type { Fact } from '../facts/types';
import { COLO_BUILDING_BLOCKS } from '../ft/support';

/**
 * Facts that only validation needs (beyond the inventory): the SSH session's server
 * address, DRBD, COLO support, the package source, and traces of an existing cluster
 * or VMs. Each is a read-only command plus a pure parser, run in one batch.
 */
export interface NodeExtras {
  // Each field is absent when its command failed: checks then say "could not be checked".
  readonly session?: { readonly clientAddress: string; readonly serverAddress: string } | null;
  readonly drbd?: { readonly moduleVersion: string | null; readonly loaded: boolean };
  readonly qemu?: {
    readonly version: string | null;
    /** COLO building blocks this QEMU build offers (colo-compare, filter-rewriter, …, replication). */
    readonly coloFeatures: readonly string[];
  };
  readonly packageSource?: {
    readonly sources: readonly string[];
    readonly unreachable: readonly { readonly url: string; readonly error: string }[];
  };
  readonly conflicts?: {
    readonly corosyncConfig: boolean;
    /** The pair named in a Lockstep-written corosync.conf (`# lockstep-pair: NAME`), if any. */
    readonly lockstepPair: string | null;
    readonly pacemakerCib: boolean;
    readonly drbdResources: readonly string[];
    readonly virtualMachines: readonly string[];
    readonly xenDom0: boolean;
  };
}

/** COLO needs all of these (QEMU's docs/COLO-FT.txt); the ft driver's list. */
export const COLO_FEATURES = COLO_BUILDING_BLOCKS;

export const sessionFact: Fact<NodeExtras['session'] | null> = {
  id: 'session',
  command: 'echo "$SSH_CONNECTION"',
  parse(stdout) {
    const [clientAddress, , serverAddress] = stdout.trim().split(/\s+/);
    return clientAddress && serverAddress ? { clientAddress, serverAddress } : null;
  },
};

export const drbdFact: Fact<NonNullable<NodeExtras['drbd']>> = {
  id: 'drbd',
  command:
    'echo "module=$(/sbin/modinfo -F version drbd 2>/dev/null || modinfo -F version drbd 2>/dev/null || cat /sys/module/drbd/version 2>/dev/null)"; echo "loaded=$(test -e /proc/drbd && echo 1 || echo 0)"',
  parse(stdout) {
    const module = /^module=(.*)$/m.exec(stdout)?.[1]?.trim() ?? '';
    const loaded = /^loaded=1$/m.test(stdout);
    return { moduleVersion: module !== '' ? module : loaded ? 'loaded' : null, loaded };
  },
};

export const qemuFact: Fact<NonNullable<NodeExtras['qemu']>> = {
  id: 'qemu',
  command:
    'if command -v qemu-system-x86_64 >/dev/null 2>&1; then qemu-system-x86_64 --version | head -n 1; qemu-system-x86_64 -object help 2>/dev/null; qemu-img --help 2>/dev/null | grep "Supported formats"; fi',
  parse(stdout) {
    const version = /QEMU emulator version (\S+)/.exec(stdout)?.[1] ?? null;
    const words = new Set(stdout.split(/\s+/));
    return { version, coloFeatures: COLO_FEATURES.filter((feature) => words.has(feature)) };
  },
};

/** Marker lines the package-source command prints per source. */
export const packageSourceFact: Fact<NonNullable<NodeExtras['packageSource']>> = {
  id: 'package-source',
  // Every index is fetched at once, so an unreachable mirror costs one timeout, not one per index.
  command: [
    'dir=$(mktemp -d); i=0',
    "for line in $(apt-get indextargets --format '$(REPO_URI)|$(RELEASE)' 2>/dev/null | sort -u); do",
    '  uri=${line%%|*}; release=${line#*|}; i=$((i+1))',
    '  case "$uri" in file:*|cdrom:*) echo "ok $uri" >"$dir/$i.out"; continue;; esac',
    '  url="${uri}dists/${release}/InRelease"',
    '  ( if timeout 10 /usr/lib/apt/apt-helper download-file "$url" "$dir/$i.body" >/dev/null 2>"$dir/$i.err"; then echo "ok $url"; else echo "fail $url $(grep -v "^W:" "$dir/$i.err" | tr "\\n" " " | cut -c1-300)"; fi >"$dir/$i.out" ) &',
    'done',
    'wait',
    'cat "$dir"/*.out 2>/dev/null',
    'rm -rf "$dir"',
  ].join('\n'),
  parse(stdout) {
    const sources: string[] = [];
    const unreachable: { url: string; error: string }[] = [];
    for (const line of stdout.split('\n')) {
      const match = /^(ok|fail) (\S+)\s*(.*)$/.exec(line.trim());
      if (!match?.[2]) continue;
      sources.push(match[2]);
      if (match[1] === 'fail')
        unreachable.push({ url: match[2], error: (match[3] ?? '').trim() || 'download failed' });
    }
    return { sources, unreachable };
  },
};

export const conflictsFact: Fact<NonNullable<NodeExtras['conflicts']>> = {
  id: 'conflicts',
  command: [
    // The corosync package ships an example corosync.conf: unchanged, it is no cluster.
    'if test -s /etc/corosync/corosync.conf; then',
    "  sum=$(md5sum </etc/corosync/corosync.conf | cut -d' ' -f1)",
    '  if dpkg-query -W -f=\'${Conffiles}\\n\' corosync 2>/dev/null | grep -q " /etc/corosync/corosync.conf $sum"; then echo corosync-default; else echo corosync; fi',
    'fi',
    "sed -n 's/^# lockstep-pair: \\(.*\\)$/pair \\1/p' /etc/corosync/corosync.conf 2>/dev/null | head -n 1",
    // A CIB appears as soon as pacemaker starts once; only configured resources make it a cluster in use.
    "grep -qs '<primitive' /var/lib/pacemaker/cib/cib.xml && echo cib",
    'test -d /proc/xen && test -e /proc/xen/capabilities && grep -q control_d /proc/xen/capabilities && echo xen-dom0',
    'for f in /etc/drbd.d/*.res; do [ -e "$f" ] && echo "drbd $f"; done',
    'if command -v virsh >/dev/null 2>&1; then virsh -c qemu:///system list --all --name 2>/dev/null | sed "/^$/d; s/^/vm /"; fi',
    'true',
  ].join('\n'),
  parse(stdout) {
    const lines = stdout.split('\n').map((line) => line.trim());
    return {
      corosyncConfig: lines.includes('corosync'),
      lockstepPair: lines.find((line) => line.startsWith('pair '))?.slice(5) ?? null,
      pacemakerCib: lines.includes('cib'),
      xenDom0: lines.includes('xen-dom0'),
      drbdResources: lines.filter((line) => line.startsWith('drbd ')).map((line) => line.slice(5)),
      virtualMachines: lines.filter((line) => line.startsWith('vm ')).map((line) => line.slice(3)),
    };
  },
};

/** The validation facts, in the order they run. */
export const extraFacts = [sessionFact, drbdFact, qemuFact, packageSourceFact, conflictsFact] as const;
