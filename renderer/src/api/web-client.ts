import {
  callNames,
  TOKEN_HEADER,
  type Envelope,
  type LockstepBridge,
} from '../../../provisioning/api/contract';
import { LockstepEventSchema, type LockstepEvent } from '../../../provisioning/api/events';

/** Where the session token is kept after the first load (it leaves the address bar). */
const TOKEN_KEY = 'lockstep.token';

/**
 * The web bridge's client: the same calls and events as Electron's preload, over
 * HTTP on 127.0.0.1. The token arrives in the URL fragment once, is kept in
 * sessionStorage (this tab only) and is sent as a header on every request.
 */
export function createWebClient(
  location: Location = window.location,
  storage: Storage = window.sessionStorage,
): LockstepBridge {
  const token = takeToken(location, storage);
  const headers = { 'Content-Type': 'application/json', [TOKEN_HEADER]: token };

  async function post(name: string, args: unknown): Promise<Envelope<unknown>> {
    try {
      const response = await fetch(`./api/${encodeURIComponent(name)}`, {
        method: 'POST',
        headers,
        body: JSON.stringify(args ?? {}),
        cache: 'no-store',
      });
      const body = (await response.json()) as Envelope<unknown>;
      return body;
    } catch (error) {
      return {
        ok: false,
        error: {
          code: 'ssh.disconnected',
          message: `The Lockstep web bridge did not answer (${error instanceof Error ? error.message : String(error)}).`,
          remedy: 'Check that `lockstep ui --web` is still running, then reload this page.',
        },
      };
    }
  }

  const listeners = new Set<(event: LockstepEvent) => void>();
  let streaming = false;

  async function stream(): Promise<void> {
    streaming = true;
    let delay = 500;
    while (listeners.size > 0) {
      try {
        const response = await fetch('./api/events', {
          headers: { [TOKEN_HEADER]: token },
          cache: 'no-store',
        });
        if (!response.ok || !response.body) throw new Error(`status ${response.status}`);
        delay = 500;
        await readEvents(response.body, (event) => listeners.forEach((listener) => listener(event)));
      } catch {
        // The bridge restarted or the network blinked: try again, more slowly each time.
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 8000);
    }
    streaming = false;
  }

  const calls = Object.fromEntries(callNames.map((name) => [name, (args: unknown) => post(name, args)]));
  return {
    ...(calls as Omit<LockstepBridge, 'onEvent'>),
    onEvent(listener) {
      listeners.add(listener);
      if (!streaming) void stream();
      return () => {
        listeners.delete(listener);
      };
    },
  };
}

/** Moves the token from `#token=…` into sessionStorage and out of the address bar. */
function takeToken(location: Location, storage: Storage): string {
  const match = /(?:^#|&)token=([A-Za-z0-9_-]+)/.exec(location.hash);
  if (match?.[1]) {
    storage.setItem(TOKEN_KEY, match[1]);
    history.replaceState(null, '', location.pathname + location.search);
    return match[1];
  }
  return storage.getItem(TOKEN_KEY) ?? '';
}

/** Reads a server-sent event stream and hands each parsed, schema-checked event on. */
async function readEvents(
  body: ReadableStream<Uint8Array>,
  deliver: (event: LockstepEvent) => void,
): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let boundary = buffer.indexOf('\n\n');
    while (boundary >= 0) {
      const block = buffer.slice(0, boundary);
      buffer = buffer.slice(boundary + 2);
      const data = block
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trimStart())
        .join('\n');
      if (data) {
        const parsed = LockstepEventSchema.safeParse(JSON.parse(data));
        if (parsed.success) deliver(parsed.data);
      }
      boundary = buffer.indexOf('\n\n');
    }
  }
}
