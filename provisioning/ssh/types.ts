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

/** Options of a long-lived command whose output is read line by line (`Transport.stream`). */
export interface StreamOptions {
  /** Stops the command (its whole process group on the server) and ends the stream. */
  readonly signal?: AbortSignal;
  /** Lines of stderr (diagnostics only). */
  readonly onStderrLine?: (line: string) => void;
}

/** How a stream ended. */
export interface StreamEnd {
  /** Exit status; null when killed by a signal or stopped through `signal`. */
  readonly code: number | null;
  /** True when the caller's signal stopped it. */
  readonly aborted: boolean;
}

export interface Transport {
  /** The label used in messages and findings (the address the user gave). */
  readonly label: string;
  readonly endpoint: Endpoint;
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  /**
   * Runs a long-lived command (an event stream such as `drbdsetup events2` or
   * `journalctl -f`) and hands its stdout to `onLine` line by line; settles when the
   * command ends, the connection drops (rejects) or `signal` stops it. No sudo: a
   * non-root login gets `sudo -n` or nothing. Optional so that test doubles need not
   * implement it; callers fall back to polling without it.
   */
  stream?(command: string, onLine: (line: string) => void, options?: StreamOptions): Promise<StreamEnd>;
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
