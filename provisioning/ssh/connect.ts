import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import pLimit, { type LimitFunction } from 'p-limit';
import pRetry from 'p-retry';
import { Client, type ClientChannel, type ServerHostKeyAlgorithm, type SFTPWrapper } from 'ssh2';
import { LockstepError } from '../api/errors';
import type { Endpoint } from '../api/endpoint';
import { formatEndpoint } from '../api/endpoint-parse';
import { quote } from '../util/shell';
import { authFailedError, authHandler, planAuth, type AuthPlanOptions } from './auth';
import { keyTypeOf, sha256Fingerprint } from './fingerprint';
import { hostKeyError, hostKeyMismatchError } from './host-key-errors';
import { KnownHostsStore } from './known-hosts';
import {
  classifySudoRefusal,
  newSudoTokens,
  sudoCommand,
  sudoError,
  type SudoRefusal,
  type SudoTokens,
} from './sudo';
import type { ConnectTarget, ExecOptions, ExecResult, StreamEnd, StreamOptions, Transport } from './types';

/**
 * The one way Lockstep talks to a server: an ssh2 connection per host whose host key
 * is checked against Lockstep's pins, with commands that cannot deadlock on a full
 * stream, cannot outlive their timeout, and get sudo without the password ever
 * leaving memory except into sudo's own stdin.
 */
export interface ConnectOptions extends AuthPlanOptions {
  /** Shown in messages; default the endpoint as the user wrote it. */
  readonly label?: string;
  /** Other known_hosts files consulted read-only (e.g. the user's ~/.ssh/known_hosts). */
  readonly alsoReadKnownHosts?: readonly string[];
  readonly readyTimeoutMs?: number;
  readonly keepaliveIntervalMs?: number;
  readonly keepaliveCountMax?: number;
  /** Concurrent channels per connection; stays below OpenSSH's MaxSessions (10). */
  readonly maxChannels?: number;
  /** Reconnection after a drop between commands. */
  readonly reconnect?: {
    readonly retries?: number;
    readonly minTimeoutMs?: number;
    readonly maxTimeoutMs?: number;
  };
  /** Cancels connecting (and reconnecting). */
  readonly signal?: AbortSignal;
  /** Progress lines (never secrets). */
  readonly log?: (line: string) => void;
}

/** Opens the connection (verifying the host key and logging in) and returns its transport. */
export async function connect(target: ConnectTarget, options: ConnectOptions = {}): Promise<Transport> {
  const transport = new SshTransport(target, options);
  await transport.open();
  return transport;
}

/**
 * Connects to several servers at once; if any fails, closes the others and throws
 * that failure, so a caller never holds half a pair.
 */
export async function connectAll(
  targets: readonly ConnectTarget[],
  options: ConnectOptions = {},
): Promise<Transport[]> {
  const results = await Promise.allSettled(targets.map((target) => connect(target, options)));
  const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failure) {
    await Promise.all(
      results.map((result) => (result.status === 'fulfilled' ? result.value.close() : undefined)),
    );
    throw failure.reason;
  }
  return results.map((result) => (result as PromiseFulfilledResult<Transport>).value);
}

/** The two nodes of a pair, connected together (see `connectAll`). */
export async function openPair(
  first: ConnectTarget,
  second: ConnectTarget,
  options: ConnectOptions = {},
): Promise<[Transport, Transport]> {
  const [a, b] = await connectAll([first, second], options);
  if (!a || !b) throw new Error('connectAll returned fewer transports than targets');
  return [a, b];
}

/** Host-key algorithms that verify a pinned key of each type (OpenSSH restricts the same way). */
const ALGORITHMS_FOR_TYPE: Readonly<Record<string, readonly ServerHostKeyAlgorithm[]>> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
  'ssh-dss': ['ssh-dss'],
};

/** The host-key algorithms to offer for the pinned types; empty means "ssh2's defaults". */
export function hostKeyAlgorithms(pinnedTypes: readonly string[]): ServerHostKeyAlgorithm[] {
  const order = Object.keys(ALGORITHMS_FOR_TYPE);
  return [...pinnedTypes]
    .sort((a, b) => order.indexOf(a) - order.indexOf(b))
    .flatMap((type) => ALGORITHMS_FOR_TYPE[type] ?? []);
}

const DEFAULT_MAX_CHANNELS = 8;
/** Refused session opens on a live connection: retried this often, from this delay doubling (≈3 s in all). */
const OPEN_RETRIES = 6;
const OPEN_RETRY_MS = 50;

class SshTransport implements Transport {
  readonly label: string;
  readonly endpoint: Endpoint;
  private client: Client | undefined;
  private connecting: Promise<Client> | undefined;
  private readonly live = new WeakSet<Client>();
  private closed = false;
  private readonly limit: LimitFunction;

  constructor(
    private readonly target: ConnectTarget,
    private readonly options: ConnectOptions,
  ) {
    this.endpoint = target.endpoint;
    this.label = options.label ?? formatEndpoint(target.endpoint);
    this.limit = pLimit(Math.min(Math.max(1, options.maxChannels ?? DEFAULT_MAX_CHANNELS), 9));
  }

  async open(): Promise<void> {
    this.attach(await this.login());
  }

  /**
   * Runs a command. The caller's promise settles as soon as the outcome is known (a
   * timeout rejects at once), but the channel slot is held until the server has closed
   * the session, so that the cap really counts the server's sessions.
   */
  exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    return new Promise<ExecResult>((resolve, reject) => {
      this.limit(async () => {
        throwIfAborted(options.signal);
        const useSudo = options.sudo === true && this.target.login.user !== 'root';
        const frame: ExecFrame = {
          pidMarker: `[lockstep-pid-${randomBytes(8).toString('hex')}]`,
          ...(useSudo && { sudo: newSudoTokens() }),
        };
        const started = performance.now();
        const line = frameCommand(command, frame);
        const { client, channel } = await this.withChannel<ClientChannel>((c, callback) =>
          c.exec(line, callback),
        );
        await this.run(client, channel, options, frame, started, { resolve, reject });
      }).catch(reject);
    });
  }

  /**
   * A long-lived command read line by line. It holds one of the connection's channel
   * slots for its whole life. Stopping it kills the session's process group (the pid
   * comes from the same first-line frame `exec` uses), so no orphan is left behind.
   */
  stream(command: string, onLine: (line: string) => void, options: StreamOptions = {}): Promise<StreamEnd> {
    return this.limit(async () => {
      throwIfAborted(options.signal);
      const pidMarker = `[lockstep-pid-${randomBytes(8).toString('hex')}]`;
      const body = this.target.login.user === 'root' ? command : `sudo -n -- sh -c ${quote(command)}`;
      const { client, channel } = await this.withChannel<ClientChannel>((c, callback) =>
        c.exec(frameCommand(body, { pidMarker }), callback),
      );
      return new Promise<StreamEnd>((resolve, reject) => {
        let sessionPid: number | undefined;
        let aborted = false;
        let exitCode: number | null = null;
        let out = '';
        let err = '';
        const onAbort = (): void => {
          aborted = true;
          stopRemote(client, channel, false, sessionPid);
        };
        channel.on('data', (chunk: Buffer) => {
          out += chunk.toString('utf8');
          let at: number;
          while ((at = out.indexOf('\n')) >= 0) {
            onLine(out.slice(0, at));
            out = out.slice(at + 1);
          }
        });
        channel.stderr.on('data', (chunk: Buffer) => {
          err += chunk.toString('utf8');
          let at: number;
          while ((at = err.indexOf('\n')) >= 0) {
            const line = err.slice(0, at);
            err = err.slice(at + 1);
            if (sessionPid === undefined && line.startsWith(`${pidMarker} `)) {
              sessionPid = Number(line.slice(pidMarker.length + 1)) || 0;
              continue;
            }
            options.onStderrLine?.(line);
          }
        });
        channel.on('exit', (code: number | null) => {
          exitCode = typeof code === 'number' ? code : null;
        });
        channel.on('close', (code?: number | null) => {
          if (typeof code === 'number') exitCode = code;
          options.signal?.removeEventListener('abort', onAbort);
          if (out) onLine(out);
          if (!aborted && !this.live.has(client))
            return reject(disconnected(this.endpoint, this.label, true));
          resolve({ code: aborted ? null : exitCode, aborted });
        });
        channel.end();
        if (options.signal?.aborted) onAbort();
        else options.signal?.addEventListener('abort', onAbort, { once: true });
      });
    });
  }

  async upload(
    content: Buffer | string,
    remotePath: string,
    options: { mode?: number; sudo?: boolean } = {},
  ): Promise<void> {
    const data = typeof content === 'string' ? Buffer.from(content) : content;
    const mode = options.mode ?? 0o644;
    const useSudo = options.sudo === true && this.target.login.user !== 'root';
    const id = randomBytes(8).toString('hex');
    if (!useSudo) {
      const temp = `${remotePath}.lockstep-${id}.tmp`;
      await this.sftp(remotePath, async (sftp) => {
        try {
          await sftpCall<void>((cb) => sftp.writeFile(temp, data, { mode, flag: 'wx' }, cb));
          await sftpCall<void>((cb) => sftp.chmod(temp, mode, cb));
          await sftpCall<void>((cb) => sftp.ext_openssh_rename(temp, remotePath, cb));
        } catch (error) {
          await sftpCall<void>((cb) => sftp.unlink(temp, cb)).catch(() => undefined);
          throw error;
        }
      });
      return;
    }
    const temp = `/tmp/.lockstep-upload-${id}`;
    await this.sftp(remotePath, (sftp) =>
      sftpCall<void>((cb) => sftp.writeFile(temp, data, { mode: 0o600, flag: 'wx' }, cb)),
    );
    try {
      const result = await this.exec(
        `install -m ${mode.toString(8).padStart(4, '0')} -- ${quote(temp)} ${quote(remotePath)}`,
        {
          sudo: true,
        },
      );
      if (result.code !== 0) {
        throw new LockstepError({
          code: 'command.failed',
          host: this.endpoint.host,
          message: `Could not install ${remotePath} on ${this.label}: ${result.stderr.trim() || `exit ${result.code}`}.`,
          remedy: 'Check that the folder exists and that the path is right.',
        });
      }
    } finally {
      await this.exec(`rm -f -- ${quote(temp)}`).catch(() => undefined);
    }
  }

  async download(remotePath: string): Promise<Buffer> {
    return this.sftp(remotePath, (sftp) => sftpCall<Buffer>((cb) => sftp.readFile(remotePath, cb)));
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    await new Promise<void>((resolve) => {
      if (!this.live.has(client)) return resolve();
      const timer = setTimeout(() => {
        client.destroy();
        resolve();
      }, 2000);
      client.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      client.end();
    });
  }

  /** The live client, reconnecting (with backoff) when the connection dropped since the last command. */
  private async ready(): Promise<Client> {
    if (this.closed) {
      throw new LockstepError({
        code: 'ssh.disconnected',
        host: this.endpoint.host,
        message: `The connection to ${this.label} was closed by Lockstep.`,
        remedy: 'This is a bug in Lockstep if it happens during a run; re-run the command.',
      });
    }
    if (this.client && this.live.has(this.client)) return this.client;
    this.connecting ??= this.reconnect().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async reconnect(): Promise<Client> {
    const settings = this.options.reconnect ?? {};
    this.options.log?.(`ssh ${this.label}: connection lost, reconnecting`);
    const client = await pRetry(() => this.login(), {
      retries: settings.retries ?? 5,
      minTimeout: settings.minTimeoutMs ?? 200,
      maxTimeout: settings.maxTimeoutMs ?? 5000,
      factor: 2,
      signal: this.options.signal,
      shouldRetry: ({ error }) => error instanceof LockstepError && error.code === 'ssh.unreachable',
      onFailedAttempt: ({ attemptNumber, error }) =>
        this.options.log?.(`ssh ${this.label}: reconnect attempt ${attemptNumber} failed: ${error.message}`),
    });
    this.attach(client);
    this.options.log?.(`ssh ${this.label}: reconnected`);
    return client;
  }

  private attach(client: Client): void {
    this.live.add(client);
    this.client = client;
    const gone = (): void => {
      this.live.delete(client);
    };
    client.on('close', gone);
    client.on('end', gone);
    client.on('error', (error: Error) => {
      gone();
      this.options.log?.(`ssh ${this.label}: ${error.message}`);
    });
    if (this.closed) client.end();
  }

  /** One login: TCP, key exchange with the host key checked against the store, authentication. */
  private async login(): Promise<Client> {
    const { endpoint, login, knownHostsPath } = this.target;
    const store = await KnownHostsStore.load(knownHostsPath, { alsoRead: this.options.alsoReadKnownHosts });
    const attempts = await planAuth(this.target, this.options);
    const pinnedTypes = store.pinnedKeyTypes(endpoint);
    const algorithms = hostKeyAlgorithms(pinnedTypes);
    const readyTimeout = this.options.readyTimeoutMs ?? 15_000;
    const signal = this.options.signal;
    throwIfAborted(signal);

    return new Promise<Client>((resolve, reject) => {
      const client = new Client();
      const tried: string[] = [];
      let hostKeyFailure: LockstepError | undefined;
      let settled = false;
      const settle = (error?: LockstepError): void => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        client.removeListener('ready', onReady);
        client.removeAllListeners('error');
        client.removeAllListeners('close');
        if (error) {
          client.on('error', () => undefined);
          client.destroy();
          reject(error);
        } else {
          resolve(client);
        }
      };
      const onReady = (): void => settle();
      const onAbort = (): void => settle(cancelled());
      signal?.addEventListener('abort', onAbort, { once: true });
      client.once('ready', onReady);
      client.on('error', (error: Error & { level?: string; code?: string }) => {
        if (hostKeyFailure) return settle(hostKeyFailure);
        if (error.level === 'client-authentication')
          return settle(authFailedError(endpoint.host, login.user, tried));
        if (algorithms.length > 0 && /host key|no matching/i.test(error.message)) {
          return settle(
            hostKeyMismatchError(
              endpoint,
              { keyType: 'none of the pinned types', fingerprint: '(no key offered)' },
              store.entries.length ? pinsFor(store, endpoint) : [],
              'other-type',
              knownHostsPath,
            ),
          );
        }
        const reason =
          error.level === 'client-timeout'
            ? `no SSH handshake within ${readyTimeout} ms`
            : error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN'
              ? `the name ${endpoint.host} does not resolve (${error.code})`
              : (error.code ?? error.message);
        settle(unreachable(endpoint, reason));
      });
      client.on('close', () =>
        settle(hostKeyFailure ?? unreachable(endpoint, 'the server closed the connection during login')),
      );
      client.connect({
        host: endpoint.host,
        port: endpoint.port,
        username: login.user,
        readyTimeout,
        keepaliveInterval: this.options.keepaliveIntervalMs ?? 15_000,
        keepaliveCountMax: this.options.keepaliveCountMax ?? 4,
        ...(algorithms.length > 0 && { algorithms: { serverHostKey: algorithms } }),
        hostVerifier: (key: Buffer): boolean => {
          let keyType: string;
          try {
            keyType = keyTypeOf(key);
          } catch {
            keyType = 'unknown';
          }
          const offered = { keyType, key: key.toString('base64') };
          const lookup = store.lookup(endpoint, offered);
          hostKeyFailure = hostKeyError(
            endpoint,
            { keyType, fingerprint: sha256Fingerprint(key) },
            lookup,
            knownHostsPath,
          );
          return hostKeyFailure === undefined;
        },
        authHandler: authHandler(attempts, tried),
      });
    });
  }

  /** Opens a channel, reconnecting first if needed; a drop before the channel opened is retried once. */
  private async withChannel<T>(
    open: (client: Client, callback: (error: Error | undefined, value: T) => void) => void,
  ): Promise<{ client: Client; channel: T }> {
    for (let attempt = 0; ; attempt++) {
      const client = await this.ready();
      try {
        const channel = await new Promise<T>((resolve, reject) => {
          try {
            open(client, (error, value) => (error ? reject(error) : resolve(value)));
          } catch (error) {
            reject(error as Error);
          }
        });
        return { client, channel };
      } catch (error) {
        if (!this.live.has(client) && attempt === 0) {
          this.live.delete(client);
          continue;
        }
        if (!this.live.has(client)) throw disconnected(this.endpoint, this.label);
        // sshd counts a session against MaxSessions until it has finished tearing it down,
        // a moment after it reported the close: a refusal right after one is retried.
        if (attempt < OPEN_RETRIES) {
          await delay(OPEN_RETRY_MS * 2 ** attempt);
          continue;
        }
        throw new LockstepError(
          {
            code: 'ssh.disconnected',
            host: this.endpoint.host,
            message: `${this.label} refused to open a session: ${(error as Error).message}.`,
            remedy:
              "Check MaxSessions in the server's sshd_config (Lockstep opens at most 8 at a time) and retry.",
          },
          { cause: error },
        );
      }
    }
  }

  private async sftp<T>(remotePath: string, body: (sftp: SFTPWrapper) => Promise<T>): Promise<T> {
    return this.limit(async () => {
      const { channel: sftp } = await this.withChannel<SFTPWrapper>((client, callback) =>
        client.sftp(callback),
      );
      try {
        return await body(sftp);
      } catch (error) {
        if (error instanceof LockstepError) throw error;
        throw new LockstepError(
          {
            code: 'command.failed',
            host: this.endpoint.host,
            message: `File transfer of ${remotePath} on ${this.label} failed: ${(error as Error).message}.`,
            remedy:
              'Check that the path exists and that the login user may read or write it (use sudo for system files).',
          },
          { cause: error },
        );
      } finally {
        sftp.end();
      }
    });
  }

  /** Runs one opened exec channel to its close: drains both streams, feeds sudo, enforces timeout and abort. */
  private run(
    client: Client,
    channel: ClientChannel,
    options: ExecOptions,
    frame: ExecFrame,
    started: number,
    outcome: { resolve: (result: ExecResult) => void; reject: (error: LockstepError) => void },
  ): Promise<void> {
    const host = this.endpoint.host;
    const sudoPassword = this.target.secrets?.sudoPassword;
    const tokens = frame.sudo;
    return new Promise<void>((released) => {
      const { resolve, reject } = outcome;
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      /** stderr before the command itself runs: our markers and sudo's own words. */
      let pre = Buffer.alloc(0);
      let sessionPid: number | undefined;
      /** Under sudo: the pid of the root shell running the command (its process-group leader). */
      let commandPid: number | undefined;
      let authorised = false;
      let answered = 0;
      let refusal: SudoRefusal | undefined;
      let exit: { code: number | null; signal?: string } | undefined;
      let settled = false;
      let timer: NodeJS.Timeout | undefined;

      const settle = (error: LockstepError | undefined, result?: ExecResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else if (result) resolve(result);
      };
      const stop = (error: LockstepError): void => {
        if (tokens && commandPid && commandPid > 1) {
          // sudo runs its command in a process group of its own (use_pty) that only root can
          // signal, and relays a TERM to the command's shell alone: kill that group as root
          // first, while its leader's /proc entry still names it.
          const pid = commandPid;
          const kill = `pg=$(cut -d' ' -f5 /proc/${pid}/stat 2>/dev/null); if [ "$pg" -gt 1 ] 2>/dev/null; then kill -9 -"$pg"; fi; kill -9 ${pid} 2>/dev/null; true`;
          this.exec(kill, { sudo: true, timeoutMs: 15_000 })
            .catch(() => undefined)
            .finally(() => stopRemote(client, channel, true, sessionPid));
        } else {
          stopRemote(client, channel, tokens !== undefined, sessionPid);
        }
        settle(error);
        // A session the server never closes (a process that left the killed group) frees its slot anyway.
        setTimeout(released, 5000).unref();
      };
      const feedStdin = (): void => {
        if (options.stdin !== undefined) channel.write(options.stdin);
        channel.end();
      };
      const onAbort = (): void => stop(cancelled());

      channel.on('data', (chunk: Buffer) => stdout.push(chunk));
      channel.stderr.on('data', (chunk: Buffer) => {
        if (authorised) {
          stderr.push(chunk);
          return;
        }
        pre = Buffer.concat([pre, chunk]);
        // latin1 maps bytes to characters one to one: string offsets are byte offsets.
        let text = pre.toString('latin1');
        if (sessionPid === undefined) {
          const at = text.indexOf(`${frame.pidMarker} `);
          const end = at < 0 ? -1 : text.indexOf('\n', at);
          if (end < 0) return;
          sessionPid = Number(text.slice(at + frame.pidMarker.length + 1, end)) || 0;
          pre = pre.subarray(end + 1);
          text = pre.toString('latin1');
          if (!tokens) {
            authorised = true;
            if (pre.length) stderr.push(pre);
            return;
          }
        }
        if (!tokens) return;
        const at = text.indexOf(`${tokens.marker} `);
        const end = at < 0 ? -1 : text.indexOf('\n', at);
        if (end >= 0) {
          authorised = true;
          commandPid = Number(text.slice(at + tokens.marker.length + 1, end)) || undefined;
          stderr.push(pre.subarray(end + 1));
          pre = pre.subarray(0, at);
          feedStdin();
          return;
        }
        const prompts = text.split(tokens.prompt).length - 1;
        if (prompts <= answered) return;
        if (answered === 0 && sudoPassword !== undefined) {
          answered = 1;
          channel.write(`${sudoPassword}\n`);
          return;
        }
        refusal = answered === 0 ? 'password-required' : 'wrong-password';
        channel.end();
        stopRemote(client, channel, true, sessionPid);
      });
      channel.on('exit', (code: number | null, signal?: string) => {
        exit =
          typeof code === 'number'
            ? { code }
            : { code: null, ...(signal && { signal: signal.replace(/^SIG/, '') }) };
      });
      channel.on('close', (code?: number | null, signal?: string) => {
        released();
        // A quick command's exit-status can arrive in the same TCP read as the channel's
        // opening, before the 'exit' listener exists; ssh2 repeats it on 'close'.
        exit ??= exitFromClose(code, signal);
        // OpenSSH always reports how a command ended (exit-status or exit-signal); a
        // session that closes without either was lost on the way, whatever the
        // connection says now: transient, so the caller may retry.
        if (!exit) return settle(disconnected(this.endpoint, this.label, true));
        if (!authorised && tokens) {
          const said = pre.toString('utf8').split(tokens.prompt).join('').trim();
          const reason = refusal ?? classifySudoRefusal(said, exit?.code ?? null);
          return settle(sudoError(host, this.target.login.user, reason, said.split('\n').slice(-1)[0] ?? ''));
        }
        if (!authorised) stderr.push(pre);
        settle(undefined, {
          code: exit?.code ?? null,
          ...(exit?.signal && { signal: exit.signal }),
          stdout: Buffer.concat(stdout).toString('utf8'),
          stderr: Buffer.concat(stderr).toString('utf8'),
          durationMs: Math.round(performance.now() - started),
        });
      });

      if (options.signal?.aborted) {
        onAbort();
        return;
      }
      options.signal?.addEventListener('abort', onAbort, { once: true });
      if (options.timeoutMs !== undefined) {
        const timeoutMs = options.timeoutMs;
        timer = setTimeout(
          () =>
            stop(
              new LockstepError({
                code: 'ssh.timeout',
                host,
                message: `A command on ${this.label} did not finish within ${formatMs(timeoutMs)} and was stopped.`,
                remedy:
                  'Check the server for what slows it down (load, network, a package mirror); retry, or allow more time.',
                details: { timeoutMs },
              }),
            ),
          timeoutMs,
        );
      }
      if (!tokens) feedStdin();
    });
  }
}

/**
 * What wraps a command on the wire: a first line that reports the session's pid (sshd
 * makes it a process-group leader) so that the command can be killed even where the
 * SSH `signal` request is refused (OpenSSH before 9.8 refuses it for root logins),
 * then the sudo frame when there is one.
 */
/** How a command ended, from the arguments ssh2 gives 'close' (undefined: never reported). */
function exitFromClose(
  code: number | null | undefined,
  signal: string | undefined,
): { code: number | null; signal?: string } | undefined {
  if (typeof code === 'number') return { code };
  if (code === null) return { code: null, ...(signal && { signal: signal.replace(/^SIG/, '') }) };
  return undefined;
}

interface ExecFrame {
  readonly pidMarker: string;
  readonly sudo?: SudoTokens;
}

function frameCommand(command: string, frame: ExecFrame): string {
  const body = frame.sudo ? sudoCommand(command, frame.sudo) : command;
  return `printf '%s %s\\n' ${quote(frame.pidMarker)} "$$" >&2\n${body}`;
}

/**
 * Stops a command: the SSH `signal` request (KILL; TERM under sudo, which relays TERM
 * to its command but could not relay KILL), a `kill -9` of the session's process group
 * over a second channel, then closing the channel.
 */
function stopRemote(
  client: Client,
  channel: ClientChannel,
  viaSudo: boolean,
  sessionPid: number | undefined,
): void {
  sendSignal(channel, viaSudo ? 'TERM' : 'KILL');
  if (sessionPid && sessionPid > 1 && !viaSudo) {
    try {
      client.exec(
        `kill -9 -${sessionPid} 2>/dev/null || kill -9 ${sessionPid} 2>/dev/null; true`,
        (error, killer) => {
          if (error) return;
          killer.resume();
          killer.stderr.resume();
          killer.end();
        },
      );
    } catch {
      // The connection is gone: so is the session.
    }
  }
  // Under sudo the channel stays open a moment so that sudo can relay the TERM.
  setTimeout(() => channel.close(), viaSudo ? 1000 : 0).unref();
}

/**
 * ssh2's `signal()` does nothing once our side of the channel is ended (stdin closed),
 * which every command without stdin is; the request is still valid on an open
 * channel, so it is sent through the protocol directly then.
 */
function sendSignal(channel: ClientChannel, name: string): void {
  try {
    if (channel.writable) {
      channel.signal(name);
      return;
    }
    const internals = channel as unknown as {
      outgoing?: { id?: number; state?: string };
      _client?: { _protocol?: { signal(id: number, name: string): void } };
    };
    const id = internals.outgoing?.id;
    const state = internals.outgoing?.state;
    if ((state === 'open' || state === 'eof') && id !== undefined)
      internals._client?._protocol?.signal(id, name);
  } catch {
    // The channel or connection is already gone: nothing is left to stop.
  }
}

function sftpCall<T>(
  call: (callback: (error: Error | null | undefined, value: T) => void) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) =>
    call((error, value) => (error ? reject(error) : resolve(value))),
  );
}

function pinsFor(store: KnownHostsStore, endpoint: Endpoint) {
  const lookup = store.lookup(endpoint, { keyType: '', key: '' });
  return lookup.status === 'mismatch' ? lookup.pinned : [];
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw cancelled();
}

function cancelled(): LockstepError {
  return new LockstepError({
    code: 'cancelled',
    message: 'Cancelled.',
    remedy: 'Run the command again to continue.',
  });
}

function unreachable(endpoint: Endpoint, reason: string): LockstepError {
  return new LockstepError({
    code: 'ssh.unreachable',
    host: endpoint.host,
    message: `Cannot reach SSH on ${endpoint.host} port ${endpoint.port}: ${reason}.`,
    remedy:
      'Check that the server is powered on, that the address and port are right, that sshd is running, and that no firewall blocks the port.',
  });
}

function disconnected(endpoint: Endpoint, label: string, midCommand = false): LockstepError {
  return new LockstepError({
    code: 'ssh.disconnected',
    host: endpoint.host,
    message: midCommand
      ? `The connection to ${label} dropped while a command was running; its outcome is unknown.`
      : `The connection to ${label} dropped.`,
    remedy:
      'Check the network and the server, then run the command again: Lockstep re-reads the servers and continues from where it was.',
  });
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${ms} ms`;
}
