import { Socket } from 'node:net';
import { Client } from 'ssh2';
import { LockstepError } from '../api/errors';
import type { Endpoint } from '../api/endpoint';
import { keyTypeOf, sha256Fingerprint } from '../ssh/fingerprint';
import { assertNever } from '../util/assert-never';

/** What a server says about itself before anyone authenticates. */
export interface HostKeyInfo {
  readonly endpoint: Endpoint;
  /** The identification line, e.g. `SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3`. */
  readonly banner: string;
  readonly keyType: string;
  readonly fingerprint: string;
  /** The key blob, base64: what a known_hosts line stores. */
  readonly publicKey: string;
  /** TCP connect time: the network round trip to the server's SSH port. */
  readonly rttMs: number;
}

/** How one TCP port answered: what `discover` turns into a row. */
export type PortAnswer =
  | { readonly kind: 'host-key'; readonly info: HostKeyInfo }
  /** Refused (RST): the address is there, nothing listens on the port. `rttMs`: how long the refusal took. */
  | { readonly kind: 'closed'; readonly reason: string; readonly rttMs?: number }
  /** No answer within the connect timeout, or no route to the address. */
  | { readonly kind: 'no-answer'; readonly reason: string }
  /**
   * The port accepted the connection but no host key came back. `banner` is the SSH
   * identification line when the server sent one (an SSH server that failed the key
   * exchange, or refused us with MaxStartups), else the first line it sent, if any.
   */
  | { readonly kind: 'open'; readonly rttMs: number; readonly banner: string; readonly reason: string };

export interface ProbeOptions {
  /** Budget for the whole exchange: connect, identification and key exchange (default 5 s). */
  readonly timeoutMs?: number;
  /** Budget for the TCP connect alone (default: `timeoutMs`); a scan keeps this short. */
  readonly connectTimeoutMs?: number;
  readonly signal?: AbortSignal;
  /**
   * Aborted while the TCP connect is still pending, the probe ends as `no-answer`: a
   * scan that has learned how fast this network answers stops waiting for silence.
   */
  readonly giveUpConnect?: AbortSignal;
}

/**
 * Reads a server's banner and host key by running the key exchange and then hanging
 * up before authentication: nothing is logged in, nothing is trusted. This is what
 * `discover` shows and what `trust` asks the admin to confirm.
 */
export async function readHostKey(
  endpoint: Endpoint,
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<HostKeyInfo> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const answer = await probeSshPort(endpoint, { timeoutMs, signal: options.signal });
  switch (answer.kind) {
    case 'host-key':
      return answer.info;
    case 'closed':
    case 'no-answer':
      throw unreachable(endpoint, answer.reason);
    case 'open':
      throw unreachable(endpoint, answer.reason);
    default:
      return assertNever(answer);
  }
}

/**
 * One port, classified: the work behind `readHostKey`, without throwing for the
 * outcomes a scan expects (closed, silent, not SSH). Throws only `cancelled`.
 */
export async function probeSshPort(endpoint: Endpoint, options: ProbeOptions = {}): Promise<PortAnswer> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const connectTimeoutMs = Math.min(options.connectTimeoutMs ?? timeoutMs, timeoutMs);
  const { signal } = options;
  if (signal?.aborted) throw cancelled();
  const socket = new Socket();
  const started = performance.now();
  const connected = await connectSocket(socket, endpoint, connectTimeoutMs, signal, options.giveUpConnect);
  if (connected.kind !== 'connected') return connected;
  const rttMs = connected.rttMs;

  let received = '';
  let onForeignGreeting = (): void => undefined;
  const onData = (chunk: Buffer): void => {
    if (received.length >= 512) return;
    received += chunk.toString('latin1');
    // RFC 4253 lets lines precede the identification, so a service that greets with
    // something else (SMTP, FTP, …) gets a short grace before it is called not SSH.
    if (received.includes('\n') && !bannerLine(received)) onForeignGreeting();
  };
  socket.on('data', onData);

  return new Promise<PortAnswer>((resolve, reject) => {
    const client = new Client();
    let captured: Buffer | undefined;
    let settled = false;
    let grace: NodeJS.Timeout | undefined;
    onForeignGreeting = () => {
      grace ??= setTimeout(
        () => finish('the service greeted with something other than SSH'),
        FOREIGN_GREETING_GRACE_MS,
      );
    };
    const finish = (failure?: string | LockstepError): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(grace);
      signal?.removeEventListener('abort', onAbort);
      socket.off('data', onData);
      client.removeAllListeners('error');
      client.on('error', () => undefined);
      client.end();
      socket.destroy();
      if (failure instanceof LockstepError) {
        reject(failure);
        return;
      }
      if (captured) {
        try {
          resolve({
            kind: 'host-key',
            info: {
              endpoint,
              banner: bannerLine(received),
              keyType: keyTypeOf(captured),
              fingerprint: sha256Fingerprint(captured),
              publicKey: captured.toString('base64'),
              rttMs,
            },
          });
          return;
        } catch (error) {
          failure = `the server sent a malformed host key (${error instanceof Error ? error.message : String(error)})`;
        }
      }
      const banner = bannerLine(received);
      resolve({
        kind: 'open',
        rttMs,
        banner: banner || firstLine(received),
        reason:
          failure ??
          (banner
            ? 'the server closed the connection before sending a host key'
            : 'the port did not answer as an SSH server'),
      });
    };
    const onAbort = (): void => finish(cancelled());
    signal?.addEventListener('abort', onAbort, { once: true });
    const remaining = Math.max(500, timeoutMs - (performance.now() - started));
    const timer = setTimeout(() => {
      const waited = `${(remaining / 1000).toFixed(1)} s`;
      finish(
        bannerLine(received)
          ? `no SSH key exchange within ${waited}`
          : `the port accepted the connection but sent no SSH identification within ${waited}`,
      );
    }, remaining);
    client.on('error', (error: Error) => {
      if (captured) finish();
      else finish(bannerLine(received) ? error.message : `not an SSH server (${error.message})`);
    });
    client.on('close', () => finish());
    client.connect({
      sock: socket,
      username: 'lockstep-discovery',
      readyTimeout: remaining + 1000,
      hostVerifier: (key: Buffer) => {
        captured = Buffer.from(key);
        // Refusing the key ends the handshake here: no authentication is attempted.
        setImmediate(() => finish());
        return false;
      },
    });
  });
}

/**
 * One more TCP connect, closed at once, timed: a round trip measured when the first
 * connection's time also holds the cost of opening hundreds of sockets in one scan.
 * Undefined when the port does not accept this time.
 */
export async function tcpConnectTime(
  endpoint: Endpoint,
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<number | undefined> {
  const socket = new Socket();
  const connected = await connectSocket(socket, endpoint, options.timeoutMs ?? 1500, options.signal);
  socket.destroy();
  return connected.kind === 'connected' ? connected.rttMs : undefined;
}

/** How long a service that greeted with a non-SSH line gets to send an SSH identification after all. */
const FOREIGN_GREETING_GRACE_MS = 500;

/** The SSH identification line (RFC 4253 §4.2: other lines may precede it). */
function bannerLine(received: string): string {
  const line = received.split(/\r?\n/).find((candidate) => candidate.startsWith('SSH-'));
  return printable(line?.trim() ?? '');
}

/** What a non-SSH service said first, made safe to print. */
function firstLine(received: string): string {
  return printable(received.split(/\r?\n/)[0]?.trim() ?? '');
}

function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u00ff]/g, '?').slice(0, 255);
}

type Connected =
  | { readonly kind: 'connected'; readonly rttMs: number }
  | Extract<PortAnswer, { kind: 'closed' | 'no-answer' }>;

function connectSocket(
  socket: Socket,
  endpoint: Endpoint,
  timeoutMs: number,
  signal?: AbortSignal,
  giveUp?: AbortSignal,
): Promise<Connected> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      giveUp?.removeEventListener('abort', onGiveUp);
      socket.removeListener('error', onError);
    };
    const onGiveUp = (): void => {
      done();
      socket.destroy();
      resolve({
        kind: 'no-answer',
        reason: `no answer within ${Math.round(performance.now() - started)} ms`,
      });
    };
    const onAbort = (): void => {
      done();
      socket.destroy();
      reject(cancelled());
    };
    const onError = (error: NodeJS.ErrnoException): void => {
      done();
      socket.destroy();
      const answer = classifyConnectError(error);
      resolve(answer.kind === 'closed' ? { ...answer, rttMs: performance.now() - started } : answer);
    };
    // A timer rather than socket.setTimeout: that one measures idleness and only starts
    // once the socket exists, this one bounds the whole connect.
    const timer = setTimeout(() => {
      done();
      socket.destroy();
      resolve({ kind: 'no-answer', reason: `no answer within ${Math.round(timeoutMs)} ms` });
    }, timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    giveUp?.addEventListener('abort', onGiveUp, { once: true });
    socket.once('error', onError);
    socket.connect({ host: endpoint.host, port: endpoint.port }, () => {
      done();
      resolve({ kind: 'connected', rttMs: performance.now() - started });
    });
  });
}

/** Refused means the host is there and the port is closed; everything else is silence. */
function classifyConnectError(error: NodeJS.ErrnoException): Connected {
  switch (error.code) {
    case 'ECONNREFUSED':
      return { kind: 'closed', reason: 'connection refused' };
    case 'EHOSTUNREACH':
    case 'EHOSTDOWN':
      return { kind: 'no-answer', reason: 'host unreachable' };
    case 'ENETUNREACH':
      return { kind: 'no-answer', reason: 'network unreachable' };
    case 'ETIMEDOUT':
      return { kind: 'no-answer', reason: 'connection timed out' };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { kind: 'no-answer', reason: 'the name does not resolve' };
    default:
      return { kind: 'no-answer', reason: error.code ?? error.message };
  }
}

/** What a Ctrl-C (an aborted signal) turns a probe or a scan into: exit 130. */
export function cancelled(): LockstepError {
  return new LockstepError({ code: 'cancelled', message: 'Cancelled.', remedy: '' });
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
