import { request as httpRequest } from 'node:http';
import { expect, test } from './fixtures';

/** The web bridge's locks, probed from outside the page as an attacker's page or tool would. */

test('every API request without the session token is refused with 401', async ({ request, bridge }) => {
  for (const name of ['appInfo', 'labStatus', 'discover', 'trust', 'probe']) {
    const response = await request.post(`${bridge.origin}/api/${name}`, { data: {} });
    expect(response.status(), name).toBe(401);
    const body = (await response.json()) as { ok: boolean; error: { message: string } };
    expect(body.ok).toBe(false);
    expect(body.error.message).toContain('session token');
  }
  const wrong = await request.post(`${bridge.origin}/api/appInfo`, {
    data: {},
    headers: { 'x-lockstep-token': 'x'.repeat(43) },
  });
  expect(wrong.status()).toBe(401);
  const events = await request.get(`${bridge.origin}/api/events`);
  expect(events.status()).toBe(401);
});

test('with the token, a call answers with the result envelope', async ({ request, bridge }) => {
  const response = await request.post(`${bridge.origin}/api/appInfo`, {
    data: {},
    headers: { 'x-lockstep-token': bridge.token },
  });
  expect(response.status()).toBe(200);
  expect(await response.json()).toMatchObject({ ok: true, result: { product: 'Lockstep', door: 'web' } });
});

test('malformed arguments are refused with 400 naming the field', async ({ request, bridge }) => {
  const headers = { 'x-lockstep-token': bridge.token };
  const badPort = await request.post(`${bridge.origin}/api/readHostKey`, {
    data: { endpoint: { host: '10.0.0.1', port: 70000 } },
    headers,
  });
  expect(badPort.status()).toBe(400);
  expect(await badPort.json()).toMatchObject({ ok: false, error: { code: 'usage', field: 'endpoint.port' } });

  const badFingerprint = await request.post(`${bridge.origin}/api/trust`, {
    data: { endpoint: { host: '10.0.0.1', port: 22 }, fingerprint: 'MD5:aa:bb' },
    headers,
  });
  expect(badFingerprint.status()).toBe(400);
  expect(await badFingerprint.json()).toMatchObject({ error: { field: 'fingerprint' } });

  const extra = await request.post(`${bridge.origin}/api/probe`, {
    data: { nodes: [{ host: 'a', port: 22 }], login: { user: 'root' }, secrets: { pasword: 'typo' } },
    headers,
  });
  expect(extra.status()).toBe(400);
  expect(await extra.json()).toMatchObject({ error: { field: 'secrets' } });

  const notJson = await request.post(`${bridge.origin}/api/appInfo`, {
    data: '{not json',
    headers: { ...headers, 'content-type': 'application/json' },
  });
  expect(notJson.status()).toBe(400);

  const unknown = await request.post(`${bridge.origin}/api/rmRf`, { data: {}, headers });
  expect(unknown.status()).toBe(404);
});

test('a foreign Host or Origin is refused even with the token (DNS rebinding)', async ({ bridge }) => {
  const send = (headers: Record<string, string>): Promise<number> =>
    new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: bridge.port,
          path: '/api/appInfo',
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-lockstep-token': bridge.token, ...headers },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end('{}');
    });
  expect(await send({ host: `attacker.example:${bridge.port}` })).toBe(403);
  expect(await send({ origin: 'http://attacker.example' })).toBe(403);
  expect(await send({ 'sec-fetch-site': 'cross-site' })).toBe(403);
  expect(await send({})).toBe(200);
});

test('the page is served with a strict Content-Security-Policy', async ({ request, bridge }) => {
  const response = await request.get(`${bridge.origin}/`);
  expect(response.status()).toBe(200);
  const csp = response.headers()['content-security-policy'] ?? '';
  expect(csp).toContain("default-src 'none'");
  expect(csp).toContain("script-src 'self'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(response.headers()['x-content-type-options']).toBe('nosniff');
  const traversal = await request.get(`${bridge.origin}/..%2f..%2fpackage.json`);
  expect(traversal.status()).toBe(404);
});
