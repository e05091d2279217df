import type { NicRole } from './constants';

/**
 * What `lab up` hands back (and `--json` prints): everything a user or a test needs to
 * use the pair: addresses, the site file, the key, where the host keys are pinned.
 */
export interface LabInfo {
  readonly nodes: readonly LabNodeInfo[];
  readonly siteFile: string;
  readonly identityFile: string;
  readonly knownHostsPath: string;
  /** Practice-lab credentials of the `admin` (sudo) and `nosudo` users, 0600. */
  readonly credentialsFile: string;
  readonly managementSubnet: string;
  /** The host's own address on the management bridge. */
  readonly hostAddress: string;
  /** The quorum witness, while it is up (`lab witness up`); absent otherwise. */
  readonly witness?: LabWitnessInfo;
}

/** One server of the lab as a user reaches it. */
export interface LabNodeInfo {
  /** Short name for `labExec` (`a`, `b`). */
  readonly name: string;
  readonly hostname: string;
  readonly address: string;
  readonly port: number;
  readonly netns: string;
  /** Interface names inside the server, by role. */
  readonly nics: Readonly<Record<NicRole, string>>;
}

/** The lab's witness as a user reaches it: like a server, with a management NIC only. */
export interface LabWitnessInfo extends Omit<LabNodeInfo, 'nics'> {
  readonly nics: { readonly management: string };
}

/** `credentials.json`: throwaway passwords of the practice users, new on every `lab up`. */
export interface LabCredentials {
  readonly admin: { readonly user: string; readonly password: string };
  readonly nosudo: { readonly user: string; readonly password: string };
}

/** `lab status`: the lab as a whole and each server. */
export interface LabStatus<Info = LabInfo> {
  /** `running`: both servers answer SSH; `down`: nothing of the lab exists; `degraded`: anything between. */
  readonly state: 'running' | 'down' | 'degraded';
  readonly nodes: readonly LabNodeStatus[];
  /** The witness, when anything of it exists (it is optional: the lab's state ignores it). */
  readonly witness?: LabNodeStatus;
  /** Present when the lab was built by `lab up` (its state file exists). */
  readonly info?: Info;
  /** Leftovers found on the machine (netns, bridges, mounts, processes), by kind. */
  readonly leftovers: readonly string[];
}

/** One server in `lab status`. */
export interface LabNodeStatus {
  readonly name: string;
  readonly hostname: string;
  readonly address: string;
  /** The server's process (systemd-nspawn, or QEMU in the VM lab) is alive. */
  readonly running: boolean;
  /** sshd answered with an SSH banner on the management address. */
  readonly sshReady: boolean;
  readonly pid?: number;
  /** The container's PID 1 (systemd) as the host sees it. */
  readonly leaderPid?: number;
}

/** The lab's own record of what it started (`<lab dir>/state.json`). */
export interface LabState {
  readonly version: 1;
  readonly rootCache: string;
  readonly nodes: readonly { readonly name: string; readonly pid: number }[];
  /** The witness's container, while it is up. */
  readonly witness?: { readonly pid: number };
  readonly info: LabInfo;
}

/** Progress lines for a person (stderr in the CLI). */
export type ProgressReporter = (message: string) => void;
