import { isRecord, parseJson, str } from './parse-util';
import { FactParseError, type Fact } from './types';

/** One mounted filesystem. */
export interface Mount {
  readonly target: string;
  readonly source: string;
  readonly fsType: string;
  /** Device number of the source (`254:0`); `0:NN` for virtual filesystems. */
  readonly majMin: string | null;
}

/** Every mount, to find the system disk even where lsblk misses it (bind mounts, btrfs subvolumes). */
export const mountsFact: Fact<Mount[]> = {
  id: 'mounts',
  command: 'findmnt -J -l -o TARGET,SOURCE,FSTYPE,MAJ:MIN',
  parse(stdout) {
    const root = parseJson(stdout, 'findmnt -J');
    if (!isRecord(root) || !Array.isArray(root.filesystems))
      throw new FactParseError('findmnt -J has no "filesystems" array');
    return root.filesystems.filter(isRecord).map((entry) => ({
      target: str(entry.target) ?? '',
      source: str(entry.source) ?? '',
      fsType: str(entry.fstype) ?? '',
      majMin: str(entry['maj:min']),
    }));
  },
};

/** One active swap area. */
export interface Swap {
  /** `/dev/dm-1`, `/dev/sda3`, `/swapfile`. */
  readonly path: string;
  readonly type: string;
}

/** Active swap (a disk that holds swap is a system disk). */
export const swapsFact: Fact<Swap[]> = {
  id: 'swaps',
  command: 'cat /proc/swaps',
  parse(stdout) {
    const rows = stdout.split('\n').filter((line) => line.trim() !== '');
    if (!rows[0]?.startsWith('Filename')) throw new FactParseError('/proc/swaps has no header');
    return rows.slice(1).map((line) => {
      const [path = '', type = ''] = line.trim().split(/\s+/);
      // The kernel escapes spaces in paths as \040.
      return { path: path.replace(/\\040/g, ' '), type };
    });
  },
};
