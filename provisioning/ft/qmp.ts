import { createConnection, type Socket } from 'node:net';
import { LockstepError } from '../api/errors';

/**
 * A small QMP client (QEMU Machine Protocol) over a unix socket: the greeting,
 * capabilities negotiation, commands matched to their answers by id, and events.
 * COLO is driven entirely over QMP, so this is the wire under `colo.ts`.
 */

/** The version QEMU announces in its greeting. */
export interface QmpVersion {
  readonly qemu: { readonly major: number; readonly minor: number; readonly micro: number };
  /** The distribution's package version, e.g. `Debian 1:7.2+dfsg-7+deb12u18+b3`. */
  readonly package: string;
}

/** The first message on a QMP connection. */
export interface QmpGreeting {
  readonly QMP: { readonly version: QmpVersion; readonly capabilities: readonly string[] };
}

/** An asynchronous event (`MIGRATION`, `COLO_EXIT`, `STOP`, …). */
export interface QmpEvent {
  readonly event: string;
  readonly data?: Record<string, unknown>;
  readonly timestamp: { readonly seconds: number; readonly microseconds: number };
}

/** QEMU's answer to a command that failed: its error class and text, kept verbatim. */
export interface QmpErrorBody {
  readonly class: string;
  readonly desc: string;
}

/** One message from QEMU, as framed on the wire. */
export type QmpMessage =
  | { readonly kind: 'greeting'; readonly greeting: QmpGreeting }
  | { readonly kind: 'return'; readonly id?: unknown; readonly value: unknown }
  | { readonly kind: 'error'; readonly id?: unknown; readonly error: QmpErrorBody }
  | { readonly kind: 'event'; readonly event: QmpEvent };

/** A line QEMU sent that is not a QMP message (kept so nothing is silently dropped). */
export interface QmpGarbage {
  readonly kind: 'garbage';
  readonly line: string;
}

/** One line from QEMU and what it means. */
export interface QmpFrame {
  readonly line: string;
  readonly message: QmpMessage | QmpGarbage;
}

/**
 * Splits what arrived so far into messages. QEMU ends every message with CRLF and never
 * puts a newline inside one (unless `pretty=on`, which we never ask for), so framing is by
 * line; `rest` is the unfinished tail to prepend to the next chunk.
 */
export function parseQmpStream(buffer: string): { frames: QmpFrame[]; rest: string } {
  const lines = buffer.split('\n');
  const rest = lines.pop() ?? '';
  const frames: QmpFrame[] = [];
  for (const raw of lines) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') continue;
    frames.push({ line, message: classify(line) });
  }
  return { frames, rest };
}

function classify(line: string): QmpMessage | QmpGarbage {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { kind: 'garbage', line };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { kind: 'garbage', line };
  const object = value as Record<string, unknown>;
  const id = 'id' in object ? { id: object.id } : {};
  if ('QMP' in object) return { kind: 'greeting', greeting: object as unknown as QmpGreeting };
  if ('return' in object) return { kind: 'return', ...id, value: object.return };
  if ('error' in object) {
    const error = object.error as Partial<QmpErrorBody> | null;
    return {
      kind: 'error',
      ...id,
      error: { class: String(error?.class ?? 'GenericError'), desc: String(error?.desc ?? line) },
    };
  }
  if (typeof object.event === 'string') return { kind: 'event', event: object as unknown as QmpEvent };
  return { kind: 'garbage', line };
}

/** The JSON line that asks QEMU to run `command` (ids let answers be matched to commands). */
export function qmpCommandLine(
  command: string,
  args: Record<string, unknown> | undefined,
  id: number,
): string {
  return `${JSON.stringify({ execute: command, ...(args !== undefined && { arguments: args }), id })}\r\n`;
}

/** `7.2.22` from a greeting. */
export function qmpVersionString(version: QmpVersion): string {
  return `${version.qemu.major}.${version.qemu.minor}.${version.qemu.micro}`;
}

/** A command QEMU refused; the message carries QEMU's own error text. */
export class QmpCommandError extends LockstepError {
  readonly qmpClass: string;
  readonly command: string;
  constructor(command: string, error: QmpErrorBody, where: string) {
    super({
      code: 'command.failed',
      message: `QEMU (${where}) refused \`${command}\`: ${error.desc} [${error.class}]`,
      remedy: 'See the QEMU error above; the VM keeps its current state.',
      details: { command, class: error.class, desc: error.desc },
    });
    this.qmpClass = error.class;
    this.command = command;
  }
}

interface Pending {
  readonly command: string;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

interface EventWaiter {
  readonly match: (event: QmpEvent) => boolean;
  readonly resolve: (event: QmpEvent) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/** Options of `QmpClient.connect`. */
export interface QmpConnectOptions {
  /** A name for messages (`primary`, `secondary`). */
  readonly name?: string;
  /** How long to keep retrying while the socket does not exist or refuses (QEMU starting). */
  readonly connectTimeoutMs?: number;
  /** Default time a command may take. */
  readonly commandTimeoutMs?: number;
  /** Every chunk received, as it arrived (for captures of the raw stream). */
  readonly onData?: (chunk: string) => void;
  /** Every line sent (`out`) and received (`in`), verbatim, for captures and logs. */
  readonly onWire?: (direction: 'in' | 'out', line: string) => void;
}

/** A negotiated QMP session: commands, events, and a promise that settles when it closes. */
export class QmpClient {
  readonly greeting: QmpGreeting;
  readonly name: string;
  /** Every event received, in order. */
  readonly events: QmpEvent[] = [];
  /** Settles when the connection ends (QEMU exited, was killed, or `close()`). */
  readonly closed: Promise<void>;

  private readonly socket: Socket;
  private readonly pending = new Map<number, Pending>();
  private readonly waiters = new Set<EventWaiter>();
  private readonly listeners = new Set<(event: QmpEvent) => void>();
  private readonly commandTimeoutMs: number;
  private readonly onWire: QmpConnectOptions['onWire'];
  private nextId = 1;
  private isClosed = false;

  private constructor(
    socket: Socket,
    greeting: QmpGreeting,
    name: string,
    commandTimeoutMs: number,
    onWire: QmpConnectOptions['onWire'],
    feed: (handler: (message: QmpMessage | QmpGarbage) => void) => void,
  ) {
    this.socket = socket;
    this.greeting = greeting;
    this.name = name;
    this.commandTimeoutMs = commandTimeoutMs;
    this.onWire = onWire;
    this.closed = new Promise((resolve) => {
      const finish = () => {
        this.shutdown(new Error(`QMP connection to ${name} closed`));
        resolve();
      };
      socket.once('close', finish);
    });
    feed((message) => this.dispatch(message));
  }

  /** Connects to `path`, reads the greeting and negotiates capabilities. */
  static async connect(path: string, options: QmpConnectOptions = {}): Promise<QmpClient> {
    const name = options.name ?? path;
    const deadline = Date.now() + (options.connectTimeoutMs ?? 10_000);
    for (;;) {
      try {
        return await QmpClient.connectOnce(path, name, options);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        const retry = code === 'ENOENT' || code === 'ECONNREFUSED';
        if (!retry || Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  private static connectOnce(path: string, name: string, options: QmpConnectOptions): Promise<QmpClient> {
    return new Promise((resolve, reject) => {
      const socket = createConnection(path);
      socket.setEncoding('utf8');
      let buffer = '';
      let handler: ((message: QmpMessage | QmpGarbage) => void) | null = null;
      const queue: (QmpMessage | QmpGarbage)[] = [];
      let client: QmpClient | null = null;
      const fail = (error: Error) => {
        clearTimeout(greetingTimer);
        socket.destroy();
        reject(error);
      };
      const closedEarly = () => fail(new Error(`QMP ${name}: connection closed before the greeting`));
      const greetingTimer = setTimeout(() => fail(new Error(`QMP ${name}: no greeting within 10 s`)), 10_000);
      socket.once('error', fail);
      socket.once('close', closedEarly);
      socket.on('data', (chunk: string) => {
        options.onData?.(chunk);
        const parsed = parseQmpStream(buffer + chunk);
        buffer = parsed.rest;
        for (const { line, message } of parsed.frames) {
          options.onWire?.('in', line);
          if (client === null && message.kind === 'greeting') {
            clearTimeout(greetingTimer);
            socket.off('error', fail);
            socket.off('close', closedEarly);
            socket.on('error', () => undefined);
            client = new QmpClient(
              socket,
              message.greeting,
              name,
              options.commandTimeoutMs ?? 60_000,
              options.onWire,
              (h) => {
                handler = h;
                for (const queued of queue.splice(0)) h(queued);
              },
            );
            client
              .execute('qmp_capabilities')
              .then(() => resolve(client as QmpClient))
              .catch(fail);
          } else if (handler) handler(message);
          else queue.push(message);
        }
      });
    });
  }

  /** Runs `command`; resolves with its `return` value, rejects with `QmpCommandError`. */
  execute<T = unknown>(command: string, args?: Record<string, unknown>, timeoutMs?: number): Promise<T> {
    if (this.isClosed) return Promise.reject(new Error(`QMP connection to ${this.name} is closed`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          new Error(
            `QMP ${this.name}: \`${command}\` got no answer within ${timeoutMs ?? this.commandTimeoutMs} ms`,
          ),
        );
      }, timeoutMs ?? this.commandTimeoutMs);
      this.pending.set(id, { command, resolve: resolve as (value: unknown) => void, reject, timer });
      const line = qmpCommandLine(command, args, id);
      this.onWire?.('out', line.trimEnd());
      this.socket.write(line);
    });
  }

  /** The HMP command line through QMP (`drive_add`, `info …`): its text output. */
  async hmp(commandLine: string): Promise<string> {
    return this.execute<string>('human-monitor-command', { 'command-line': commandLine });
  }

  /**
   * Resolves with the first event named `name` (matching `match`), including one that
   * already arrived since `since` (an index into `events`), so no race with the command
   * that causes it.
   */
  waitForEvent(
    name: string,
    options: { match?: (event: QmpEvent) => boolean; timeoutMs?: number; since?: number } = {},
  ): Promise<QmpEvent> {
    const match = (event: QmpEvent) => event.event === name && (options.match?.(event) ?? true);
    const seen = this.events.slice(options.since ?? this.events.length).find(match);
    if (seen) return Promise.resolve(seen);
    if (this.isClosed) return Promise.reject(new Error(`QMP connection to ${this.name} is closed`));
    return new Promise((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? this.commandTimeoutMs;
      const waiter: EventWaiter = {
        match,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          reject(new Error(`QMP ${this.name}: no ${name} event within ${timeoutMs} ms`));
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  /** Calls `listener` for every event from now on; returns the unsubscribe function. */
  onEvent(listener: (event: QmpEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Whether the connection has ended. */
  get isOpen(): boolean {
    return !this.isClosed;
  }

  /** Ends the connection (QEMU keeps running). */
  async close(): Promise<void> {
    this.socket.end();
    this.socket.destroy();
    await this.closed;
  }

  private dispatch(message: QmpMessage | QmpGarbage): void {
    if (message.kind === 'return' || message.kind === 'error') {
      const id = typeof message.id === 'number' ? message.id : -1;
      const pending = this.pending.get(id);
      if (!pending) return;
      this.pending.delete(id);
      clearTimeout(pending.timer);
      if (message.kind === 'return') pending.resolve(message.value);
      else pending.reject(new QmpCommandError(pending.command, message.error, this.name));
      return;
    }
    if (message.kind === 'event') {
      this.events.push(message.event);
      for (const listener of this.listeners) listener(message.event);
      for (const waiter of [...this.waiters]) {
        if (!waiter.match(message.event)) continue;
        this.waiters.delete(waiter);
        clearTimeout(waiter.timer);
        waiter.resolve(message.event);
      }
    }
  }

  private shutdown(error: Error): void {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(new Error(`${error.message} before \`${pending.command}\` was answered`));
    }
    this.pending.clear();
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(error);
    }
    this.waiters.clear();
  }
}
