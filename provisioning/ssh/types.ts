import type { Endpoint, Login, Secrets } from '../api/endpoint';

/**
 * The transport contract every layer above programs against (facts, checks, recipes,
 * monitor). One implementation: `SshTransport` on ssh2.
 */
export interface ExecOptions {
  /** Run through `sudo -S -p <unique prompt>`; the password is written only after the prompt. */
  readonly sudo?: boolean;
  /** Per-command timeout; the channel is closed and the call rejects with `ssh.timeout`. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** Written to the command's stdin, then stdin is closed. */
  readonly stdin?: string | Buffer;
}

export interface ExecResult {
  /** Exit status; null when the command was killed by a signal. */
  readonly code: number | null;
  readonly signal?: string;
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
}

export interface Transport {
  /** The label used in messages and findings (the address the user gave). */
  readonly label: string;
  readonly endpoint: Endpoint;
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  upload(
    content: Buffer | string,
    remotePath: string,
    options?: { mode?: number; sudo?: boolean },
  ): Promise<void>;
  download(remotePath: string): Promise<Buffer>;
  close(): Promise<void>;
}

/** Everything needed to open a connection to one server. */
export interface ConnectTarget {
  readonly endpoint: Endpoint;
  readonly login: Login;
  readonly secrets?: Secrets;
  /** Path of Lockstep's own known_hosts (pinned keys). */
  readonly knownHostsPath: string;
}
