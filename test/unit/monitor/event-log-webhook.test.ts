import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../../provisioning/api/monitor';
import { appendAlerts, eventLogPath, readRecentAlerts } from '../../../provisioning/monitor/event-log';
import { Webhook, webhookUrlFromEnv } from '../../../provisioning/monitor/webhook';

const alert = (n: number): Alert => ({
  id: `2026-11-29T11:52:0${n}.000Z:node-lost:lockstep-a`,
  at: `2026-11-29T11:52:0${n}.000Z`,
  pair: 'labpair',
  kind: 'node-lost',
  severity: 'critical',
  message: `Node lockstep-a lost (${n}).`,
  node: 'lockstep-a',
});

describe('event log', () => {
  const dir = mkdtempSync('/tmp/lockstep-events-');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lives under the state dir, one file per pair', () => {
    expect(eventLogPath('labpair', { LOCKSTEP_STATE_DIR: dir })).toBe(join(dir, 'events', 'labpair.jsonl'));
  });

  it('appends alerts and reads the newest back, skipping a torn line', () => {
    const path = eventLogPath('labpair', { LOCKSTEP_STATE_DIR: dir });
    appendAlerts(path, [alert(1), alert(2)]);
    appendFileSync(path, '{"id": "torn');
    appendFileSync(path, '\n');
    appendAlerts(path, [alert(3)]);
    expect(readRecentAlerts(path, 2).map((a) => a.message)).toEqual(['Node lockstep-a lost (2).', 'Node lockstep-a lost (3).']);
    expect(readRecentAlerts(join(dir, 'none.jsonl'))).toEqual([]);
  });
});

describe('webhook against a local HTTP server', () => {
  let server: Server;
  let port = 0;
  const received: unknown[] = [];
  let failFirst = 0;
  let hang = false;

  beforeAll(async () => {
    server = createServer((request: IncomingMessage, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        if (hang) return;
        if (failFirst > 0) {
          failFirst--;
          response.writeHead(503).end();
          return;
        }
        received.push(JSON.parse(body));
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('posts alerts as JSON without blocking the caller, retrying a 503', async () => {
    failFirst = 1;
    const hook = new Webhook(`http://127.0.0.1:${port}/hook`, { backoffMs: 20 });
    hook.send(alert(1));
    hook.send(alert(2));
    // send() returned before any delivery: the monitor loop never waits for the hook.
    expect(received).toEqual([]);
    expect(hook.delivered).toBe(0);
    await hook.close(5000);
    expect(received).toEqual([{ source: 'lockstep', alert: alert(1) }, { source: 'lockstep', alert: alert(2) }]);
    expect(hook.delivered).toBe(2);
  });

  it('gives up after its attempts on a server that never answers', async () => {
    hang = true;
    const lines: string[] = [];
    const hook = new Webhook(`http://127.0.0.1:${port}/hook`, { timeoutMs: 100, attempts: 2, backoffMs: 10, log: (l) => lines.push(l) });
    hook.send(alert(3));
    await hook.close(3000);
    expect(hook.dropped).toBe(1);
    expect(lines).toHaveLength(2);
    hang = false;
  });

  it('reads the URL from LOCKSTEP_WEBHOOK_URL, http(s) only', () => {
    expect(webhookUrlFromEnv({ LOCKSTEP_WEBHOOK_URL: 'https://hooks.example/x' })).toBe('https://hooks.example/x');
    expect(webhookUrlFromEnv({ LOCKSTEP_WEBHOOK_URL: 'file:///etc/passwd' })).toBeUndefined();
    expect(webhookUrlFromEnv({})).toBeUndefined();
  });
});
