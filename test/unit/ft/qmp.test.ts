import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  QmpClient,
  QmpCommandError,
  parseQmpStream,
  qmpCommandLine,
  qmpVersionString,
  type QmpFrame,
  type QmpMessage,
} from '../../../provisioning/ft/qmp';
import { fixture, sentCommands } from './fixtures';

/** Raw QMP streams captured from real QEMU 7.2.22 (see fixtures/PROVENANCE.md). */
const debianPrimary = fixture('qmp-debian-7.2-primary.raw');
const secondaryTakesOver = fixture('qmp-fixed-7.2-secondary-takes-over.raw');

const messages = (frames: QmpFrame[]): QmpMessage[] =>
  frames.map((frame) => frame.message).filter((message): message is QmpMessage => message.kind !== 'garbage');

describe('parseQmpStream (framing of what QEMU 7.2 sent)', () => {
  it('reads the greeting, answers by id, the refusal and the events of Debian’s QEMU 7.2.22', () => {
    const { frames, rest } = parseQmpStream(debianPrimary);
    expect(rest).toBe('');
    expect(frames.filter((frame) => frame.message.kind === 'garbage')).toEqual([]);
    const parsed = messages(frames);
    const greeting = parsed[0];
    expect(greeting?.kind).toBe('greeting');
    if (greeting?.kind !== 'greeting') throw new Error('no greeting');
    expect(qmpVersionString(greeting.greeting.QMP.version)).toBe('7.2.22');
    expect(greeting.greeting.QMP.version.package).toBe('Debian 1:7.2+dfsg-7+deb12u18+b3');
    expect(greeting.greeting.QMP.capabilities).toEqual(['oob']);
    expect(parsed[1]).toEqual({ kind: 'return', id: 1, value: {} });
    // x-colo-lost-heartbeat before COLO: QEMU's own words.
    expect(parsed).toContainEqual({
      kind: 'error',
      id: 2,
      error: { class: 'GenericError', desc: "The feature 'colo' is not enabled" },
    });
    const events = parsed.flatMap((message) => (message.kind === 'event' ? [message.event.event] : []));
    expect(events).toEqual(
      expect.arrayContaining(['BLOCK_JOB_READY', 'BLOCK_JOB_COMPLETED', 'STOP', 'RESUME', 'MIGRATION']),
    );
    const migration = parsed.flatMap((message) =>
      message.kind === 'event' && message.event.event === 'MIGRATION' ? [message.event.data?.status] : [],
    );
    expect(migration).toEqual(['setup', 'active', 'colo']);
  });

  it('reads the secondary’s takeover: COLO_EXIT (error, QEMU saw the primary die), then mode none after the request', () => {
    const parsed = messages(parseQmpStream(secondaryTakesOver).frames);
    const exits = parsed.flatMap((message) =>
      message.kind === 'event' && message.event.event === 'COLO_EXIT' ? [message.event.data] : [],
    );
    expect(exits).toEqual([{ mode: 'secondary', reason: 'error' }]);
    expect(parsed).toContainEqual({
      kind: 'return',
      id: 7,
      value: { 'last-mode': 'secondary', mode: 'none', reason: 'request' },
    });
  });

  it('gives the same messages whatever the chunks the socket delivers', () => {
    const whole = parseQmpStream(debianPrimary).frames;
    for (const size of [1, 7, 64, 1000]) {
      const frames: QmpFrame[] = [];
      let rest = '';
      for (let at = 0; at < debianPrimary.length; at += size) {
        const parsed = parseQmpStream(rest + debianPrimary.slice(at, at + size));
        frames.push(...parsed.frames);
        rest = parsed.rest;
      }
      expect(rest).toBe('');
      expect(frames).toEqual(whole);
    }
  });

  it('keeps a line that is not QMP instead of dropping it, and waits for the end of a line', () => {
    expect(parseQmpStream('qemu-system-x86_64: warning\r\n{"return": {}, "id": 3').frames).toEqual([
      {
        line: 'qemu-system-x86_64: warning',
        message: { kind: 'garbage', line: 'qemu-system-x86_64: warning' },
      },
    ]);
    expect(parseQmpStream('{"return": {}, "id": 3').rest).toBe('{"return": {}, "id": 3');
  });
});

describe('qmpCommandLine', () => {
  it('writes the lines QEMU 7.2 accepted in the capture', () => {
    const sent = sentCommands('qmp-debian-7.2-primary.wire.txt');
    expect(sent.length).toBeGreaterThan(10);
    for (const command of sent)
      expect(qmpCommandLine(command.execute, command.arguments, command.id)).toBe(
        `${JSON.stringify(command)}\r\n`,
      );
  });
});

describe('QmpClient (against a socket replaying QEMU 7.2’s words)', () => {
  let server: Server | undefined;
  let dir: string | undefined;
  afterEach(() => {
    server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A fake QEMU: the captured greeting, then `answer` for each command line. */
  async function fakeQemu(
    answer: (command: { execute: string; id: number }, socket: Socket) => void,
  ): Promise<string> {
    dir = mkdtempSync(join(tmpdir(), 'lockstep-qmp-'));
    const path = join(dir, 'qmp.sock');
    const greeting = debianPrimary.slice(0, debianPrimary.indexOf('\n') + 1);
    server = createServer((socket) => {
      socket.write(greeting);
      let buffer = '';
      socket.on('data', (chunk) => {
        buffer += chunk.toString();
        for (let end = buffer.indexOf('\n'); end >= 0; end = buffer.indexOf('\n')) {
          const line = buffer.slice(0, end);
          buffer = buffer.slice(end + 1);
          answer(JSON.parse(line) as { execute: string; id: number }, socket);
        }
      });
    });
    await new Promise<void>((resolve) => server?.listen(path, resolve));
    return path;
  }

  it('negotiates, matches answers to commands by id, turns errors into QmpCommandError, and keeps events', async () => {
    const path = await fakeQemu((command, socket) => {
      if (command.execute === 'x-colo-lost-heartbeat')
        socket.write(
          `{"id": ${command.id}, "error": {"class": "GenericError", "desc": "The feature 'colo' is not enabled"}}\r\n`,
        );
      else if (command.execute === 'stop')
        socket.write(
          `{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "STOP"}\r\n{"return": {}, "id": ${command.id}}\r\n`,
        );
      else socket.write(`{"return": {"seen": "${command.execute}"}, "id": ${command.id}}\r\n`);
    });
    const wire: string[] = [];
    const client = await QmpClient.connect(path, {
      name: 'fake',
      onWire: (direction, line) => wire.push(`${direction} ${line}`),
    });
    expect(qmpVersionString(client.greeting.QMP.version)).toBe('7.2.22');
    expect(wire[1]).toBe('out {"execute":"qmp_capabilities","id":1}');
    const [a, b] = await Promise.all([client.execute('query-status'), client.execute('query-colo-status')]);
    expect(a).toEqual({ seen: 'query-status' });
    expect(b).toEqual({ seen: 'query-colo-status' });
    const refused = await client.execute('x-colo-lost-heartbeat').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(QmpCommandError);
    expect((refused as QmpCommandError).message).toBe(
      "QEMU (fake) refused `x-colo-lost-heartbeat`: The feature 'colo' is not enabled [GenericError]",
    );
    const since = client.events.length;
    await client.execute('stop');
    // The event came before the answer: waiting for it afterwards still finds it.
    await expect(client.waitForEvent('STOP', { since, timeoutMs: 100 })).resolves.toMatchObject({
      event: 'STOP',
    });
    await client.close();
    expect(client.isOpen).toBe(false);
    await expect(client.execute('query-status')).rejects.toThrow(/closed/);
  });

  it('rejects what is pending when QEMU goes away (a killed QEMU)', async () => {
    const path = await fakeQemu((command, socket) => {
      if (command.execute === 'qmp_capabilities') socket.write(`{"return": {}, "id": ${command.id}}\r\n`);
      else socket.destroy();
    });
    const client = await QmpClient.connect(path, { name: 'doomed' });
    await expect(client.execute('query-status')).rejects.toThrow(/closed before `query-status` was answered/);
    await client.closed;
  });
});
