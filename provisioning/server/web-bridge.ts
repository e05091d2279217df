import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { TOKEN_HEADER, type Envelope } from '../api/contract';
import type { ErrorInfo } from '../api/errors';
import type { LockstepEvent } from '../api/events';
import { dispatch } from '../service/dispatch';
import type { LockstepService } from '../service/service';
import { newToken, originProblem, tokenMatches } from './guard';
import { readStaticFile } from './static-files';

/**
 * `lockstep ui --web`: the renderer and the contract over HTTP on 127.0.0.1, for a
 * browser where no Electron runtime exists (tests, a headless admin box).
 * POST /api/<call> with a JSON body returns the envelope; GET /api/events is a
 * server-sent event stream of `LockstepEvent`s. Both need the session token header.
 */
export interface WebBridgeOptions {
  readonly service: LockstepService;
  /** The built renderer (renderer/dist). */
  readonly staticDir: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** Fixed token (tests); a random one otherwise. */
  readonly token?: string;
}

export interface WebBridge {
  /** The address to open, with the token in the fragment (never sent to the server or in a Referer). */
  readonly url: string;
  readonly port: number;
  readonly token: string;
  close(): Promise<void>;
}

/** The largest request body accepted: calls carry a few fields, never files. */
const MAX_BODY_BYTES = 1024 * 1024;
/** A comment line on the event stream keeps proxies and idle timers from closing it. */
const KEEPALIVE_MS = 15_000;

const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  // Mantine writes its theme variables into a <style> element.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Starts the bridge on 127.0.0.1 only. */
export async function startWebBridge(options: WebBridgeOptions): Promise<WebBridge> {
  const token = options.token ?? newToken();
  const staticDir = resolve(options.staticDir);
  const streams = new Set<ServerResponse>();
  let port = options.port;

  const server: Server = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent)
        sendJson(
          response,
          500,
          failure('internal', 'The web bridge failed to answer.', 'This is a bug in Lockstep.'),
        );
      else response.end();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    response.setHeader('X-Content-Type-Options', 'nosniff');
    response.setHeader('Referrer-Policy', 'no-referrer');
    response.setHeader('X-Frame-Options', 'DENY');
    response.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    response.setHeader('Cross-Origin-Resource-Policy', 'same-origin');

    const problem = originProblem(request.headers, port);
    if (problem) {
      sendJson(
        response,
        403,
        failure('usage', `Refused: ${problem}.`, `Open the address that \`lockstep ui --web\` printed.`),
      );
      return;
    }
    const url = new URL(request.url ?? '/', `http://127.0.0.1:${port}`);
    if (!url.pathname.startsWith('/api/')) {
      await serveStatic(request, response, url.pathname);
      return;
    }
    response.setHeader('Cache-Control', 'no-store');
    const presented = request.headers[TOKEN_HEADER];
    if (!tokenMatches(typeof presented === 'string' ? presented : undefined, token)) {
      sendJson(
        response,
        401,
        failure(
          'usage',
          'This request carries no valid Lockstep session token.',
          'Open the address that `lockstep ui --web` printed (it contains the token).',
        ),
      );
      return;
    }
    if (url.pathname === '/api/events') {
      if (request.method !== 'GET') return methodNotAllowed(response, 'GET');
      openEventStream(request, response);
      return;
    }
    if (request.method !== 'POST') return methodNotAllowed(response, 'POST');
    if (!/^application\/json\b/i.test(request.headers['content-type'] ?? '')) {
      sendJson(
        response,
        415,
        failure('usage', 'Calls are sent as JSON.', 'Send Content-Type: application/json.'),
      );
      return;
    }
    const body = await readBody(request);
    if (body === undefined) {
      sendJson(
        response,
        413,
        failure(
          'usage',
          `The request body is larger than ${MAX_BODY_BYTES} bytes.`,
          'Send only the arguments of the call.',
        ),
      );
      return;
    }
    let args: unknown;
    try {
      args = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
    } catch {
      sendJson(
        response,
        400,
        failure(
          'usage',
          'The request body is not valid JSON.',
          'Send the arguments of the call as one JSON object.',
        ),
      );
      return;
    }
    const name = decodeURIComponent(url.pathname.slice('/api/'.length));
    const outcome = await dispatch(options.service.api, name, args);
    const status = outcome.kind === 'bad-arguments' ? 400 : outcome.kind === 'unknown-call' ? 404 : 200;
    sendJson(response, status, outcome.envelope);
  }

  async function serveStatic(
    request: IncomingMessage,
    response: ServerResponse,
    pathname: string,
  ): Promise<void> {
    if (request.method !== 'GET' && request.method !== 'HEAD') return methodNotAllowed(response, 'GET');
    const file = await readStaticFile(staticDir, pathname);
    if (!file) {
      response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      response.end('Not found\n');
      return;
    }
    response.writeHead(200, {
      'Content-Type': file.contentType,
      'Content-Length': file.body.length,
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      'Cache-Control': file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
    response.end(request.method === 'HEAD' ? undefined : file.body);
  }

  function openEventStream(request: IncomingMessage, response: ServerResponse): void {
    response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
    });
    response.write(': lockstep events\n\n');
    streams.add(response);
    const send = (event: LockstepEvent): void => {
      response.write(`event: lockstep\ndata: ${JSON.stringify(event)}\n\n`);
    };
    const unsubscribe = options.service.events.subscribe(send);
    const keepalive = setInterval(() => response.write(': keepalive\n\n'), KEEPALIVE_MS);
    const close = (): void => {
      clearInterval(keepalive);
      unsubscribe();
      streams.delete(response);
    };
    request.on('close', close);
    response.on('close', close);
  }

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/#token=${token}`,
    port,
    token,
    close: () =>
      new Promise<void>((resolveClose) => {
        // Closing the door ends what it started: installs stop at a safe point, watches end.
        options.service.close();
        for (const stream of streams) stream.end();
        server.close(() => resolveClose());
        server.closeAllConnections();
      }),
  };
}

function failure(code: ErrorInfo['code'], message: string, remedy: string): Envelope<never> {
  return { ok: false, error: { code, message, remedy } };
}

function sendJson(response: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
  });
  response.end(body);
}

function methodNotAllowed(response: ServerResponse, allow: string): void {
  response.setHeader('Allow', allow);
  sendJson(response, 405, failure('usage', 'This method is not allowed here.', `Use ${allow}.`));
}

function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        tooLarge = true;
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolveBody(tooLarge ? undefined : Buffer.concat(chunks)));
    request.on('error', reject);
  });
}
