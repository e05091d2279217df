import { Socket } from 'node:net';
import { Client } from 'ssh2';
import { LockstepError } from '../api/errors';
import type { Endpoint } from '../api/endpoint';
import { keyTypeOf, sha256Fingerprint } from '../ssh/fingerprint';

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
  const socket = new Socket();
  const started = performance.now();
  const rttMs = await connectSocket(socket, endpoint, timeoutMs, options.signal);

  let received = '';
  const onData = (chunk: Buffer): void => {
    if (received.length < 512) received += chunk.toString('latin1');
  };
  socket.on('data', onData);

  return new Promise<HostKeyInfo>((resolve, reject) => {
    const client = new Client();
    let captured: Buffer | undefined;
    const finish = (error?: LockstepError): void => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      socket.off('data', onData);
      client.removeAllListeners('error');
      client.on('error', () => undefined);
      client.end();
      socket.destroy();
      if (error) reject(error);
      else if (!captured) reject(unreachable(endpoint, 'the server closed the connection before sending a host key'));
      else
        resolve({
          endpoint,
          banner: bannerLine(received),
          keyType: keyTypeOf(captured),
          fingerprint: sha256Fingerprint(captured),
          publicKey: captured.toString('base64'),
          rttMs,
        });
    };
    const onAbort = (): void => finish(new LockstepError({ code: 'cancelled', message: 'cancelled', remedy: '' }));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const remaining = Math.max(500, timeoutMs - (performance.now() - started));
    const timer = setTimeout(
      () => finish(unreachable(endpoint, `no SSH key exchange within ${Math.round(timeoutMs)} ms`)),
      remaining,
    );
    client.on('error', (error: Error) => {
      if (captured) finish();
      else finish(unreachable(endpoint, error.message));
    });
    client.connect({
      sock: socket,
      username: 'lockstep-discovery',
      readyTimeout: remaining,
      hostVerifier: (key: Buffer) => {
        captured = Buffer.from(key);
        // Refusing the key ends the handshake here: no authentication is attempted.
        setImmediate(() => finish());
        return false;
      },
    });
  });
}

function bannerLine(received: string): string {
  const line = received.split(/\r?\n/).find((candidate) => candidate.startsWith('SSH-'));
  return line?.trim() ?? '';
}

function connectSocket(socket: Socket, endpoint: Endpoint, timeoutMs: number, signal?: AbortSignal): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const fail = (error: LockstepError): void => {
      socket.destroy();
      reject(error);
    };
    socket.setTimeout(timeoutMs, () => fail(unreachable(endpoint, `no answer within ${timeoutMs} ms`)));
    socket.once('error', (error: NodeJS.ErrnoException) => fail(unreachable(endpoint, error.code ?? error.message)));
    signal?.addEventListener('abort', () => fail(new LockstepError({ code: 'cancelled', message: 'cancelled', remedy: '' })), {
      once: true,
    });
    socket.connect({ host: endpoint.host, port: endpoint.port }, () => {
      socket.setTimeout(0);
      socket.removeAllListeners('error');
      resolve(performance.now() - started);
    });
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
