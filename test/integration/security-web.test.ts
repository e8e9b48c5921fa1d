/**
 * Web hardening, over real HTTP to a listening server: the security headers on every kind of
 * response (pages, JSON, redirects, errors, 404s, assets, the dashboard), HSTS under an https
 * PUBLIC_URL, per-address rate limits on /connect, the OAuth callback, wrong admin passwords and
 * the webhook — counted in Redis, so a second server process sees the same count — keyed by the
 * client address (a forged X-Forwarded-For changes nothing unless TRUST_PROXY says so), and the
 * body limits of forms and of the webhook.
 */
import { randomUUID } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGoogleEmulator, type GoogleEmulator } from '../../fakes/google/index.ts';
import { createDatabase } from '../../src/db/client.ts';
import { createRedis } from '../../src/queue/connection.ts';
import { signToken } from '../../src/security/signed-token.ts';
import { RATE_LIMITS } from '../../src/web/rate-limits.ts';
import { buildServer, type ServerDeps } from '../../src/web/server.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/test-database.ts';
import { createTestPrefix, redisUrl } from '../../testkit/test-redis.ts';
import { ADMIN_PASSWORD, LINK_SECRET, webTestConfig } from '../../testkit/web-harness.ts';

const WEBHOOK_SECRET = 'w'.repeat(40);
const basic = (password: string) => `Basic ${Buffer.from(`admin:${password}`).toString('base64')}`;

describe('web hardening over real HTTP', () => {
  let database: TestDatabase;
  let google: GoogleEmulator;
  let redis: ReturnType<typeof createRedis>;
  const servers: ReturnType<typeof buildServer>[] = [];
  const prefixes: ReturnType<typeof createTestPrefix>[] = [];

  /** A listening server with its own Redis key prefix (or a given one, to share counts). */
  const start = async (overrides: Record<string, string> = {}, options: { prefix?: string; webhookMaxBytes?: number } = {}) => {
    const keys = options.prefix ? null : createTestPrefix('sec-web');
    if (keys) prefixes.push(keys);
    const config = webTestConfig(database, options.prefix ?? keys!.prefix, { google }, overrides);
    const deps: ServerDeps = {
      sql: database.sql,
      redis,
      config,
      replies: {
        webhook: {
          secret: WEBHOOK_SECRET,
          maxBytes: options.webhookMaxBytes ?? 50_000,
          logger: pino({ level: 'silent' }),
          // Nothing reaches the pipeline in these tests but well-formed requests; they are just counted.
          handle: async () => ({ outcome: 'automated' }),
        },
      },
    };
    const app = buildServer(deps);
    servers.push(app);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    return {
      base,
      prefix: config.QUEUE_PREFIX,
      get: (path: string, init: RequestInit = {}) => fetch(`${base}${path}`, { redirect: 'manual', ...init }),
    };
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    google = await startGoogleEmulator();
    redis = createRedis(redisUrl);
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    redis?.disconnect();
    await google?.close();
    await database?.drop();
    await Promise.all(prefixes.map((p) => p.cleanup()));
  });

  const expectHardened = (response: Response, label: string) => {
    const h = response.headers;
    expect(h.get('x-content-type-options'), label).toBe('nosniff');
    expect(h.get('x-frame-options'), label).toBe('DENY');
    expect(h.get('referrer-policy'), label).toBe('same-origin');
    expect(h.get('cross-origin-opener-policy'), label).toBe('same-origin');
    const csp = h.get('content-security-policy') ?? '';
    expect(csp, label).toContain("frame-ancestors 'none'");
    expect(csp, label).toMatch(/default-src 'none'/);
    // Scripts only from the app itself: no inline script, no eval, nothing remote.
    const script = /script-src ([^;]*)/.exec(csp)?.[1] ?? "'none'";
    expect(script, label).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
  };

  it('sends the security headers on pages, JSON, redirects, errors, 404s, assets, webhook answers and the dashboard', async () => {
    const app = await start();
    const landing = await app.get('/');
    const html = await landing.clone().text();
    const asset = /<link rel="stylesheet" href="([^"]+)"/.exec(html)![1]!;
    const requests: [string, Promise<Response>, number][] = [
      ['landing page', Promise.resolve(landing), 200],
      ['stylesheet', app.get(asset), 200],
      ['health (JSON)', app.get('/healthz'), 200],
      ['readiness (JSON)', app.get('/readyz'), 200],
      ['status, signed out (redirect)', app.get('/status'), 303],
      ['who is due, signed out (redirect)', app.get('/due'), 303],
      ['connect (redirect to the provider)', app.get('/connect/google'), 302],
      ['callback without a state (error page)', app.get('/oauth/google/callback?code=x&state=y'), 400],
      [
        'a form without a session',
        app.get('/settings/pause', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'csrf=x' }),
        403,
      ],
      [
        'a who-is-due action without a session',
        app.get('/due/act', {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'csrf=x&contact=a%40b.example&do=done',
        }),
        403,
      ],
      ['a forged digest link', app.get('/d/not-a-token'), 404],
      ['unsubscribe page', app.get(`/digest/unsubscribe/${'a'.repeat(32)}`), 200],
      ['no such route', app.get('/no/such/thing'), 404],
      ['metrics without a password', app.get('/metrics'), 401],
      ['dashboard without a password', app.get('/admin/queues'), 401],
      ['dashboard', app.get('/admin/queues', { headers: { authorization: basic(ADMIN_PASSWORD) } }), 200],
      ['webhook without the secret', app.get('/inbound/email', { method: 'POST', body: 'x' }), 401],
    ];
    for (const [label, pending, status] of requests) {
      const response = await pending;
      expect(response.status, label).toBe(status);
      expectHardened(response, label);
      expect(response.headers.get('strict-transport-security'), label).toBeNull();
      if (response.headers.get('content-type')?.startsWith('text/html') && !label.startsWith('dashboard')) {
        // No inline script on our own pages: every <script> has a src.
        expect((await response.text()).match(/<script(?![^>]*\ssrc=)[^>]*>/g), label).toBeNull();
      }
    }
    // Pages of the app allow no inline style either; only the dashboard (Bull Board) needs it.
    expect(landing.headers.get('content-security-policy')).not.toContain('unsafe-inline');
    const dashboard = await app.get('/admin/queues', { headers: { authorization: basic(ADMIN_PASSWORD) } });
    expect(dashboard.headers.get('content-security-policy')).toContain("style-src 'self' 'unsafe-inline'");
  });

  it('says what is not ready, and not why: no host, port or database name to anyone who asks', async () => {
    const missing = `rekindle_missing_${Date.now()}`;
    const url = new URL(database.url);
    url.pathname = `/${missing}`;
    const broken = createDatabase(url.toString(), { max: 1 });
    const app = buildServer({ sql: broken.sql, redis, keyPrefix: 'unused' });
    servers.push(app);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    const response = await fetch(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/readyz`);
    expect(response.status).toBe(503);
    const body = await response.text();
    expect(JSON.parse(body)).toEqual({ status: 'unavailable', postgres: 'unavailable', redis: 'ok' });
    expect(body).not.toContain(missing);

    // A page whose query fails: a 500 that says nothing of the cause.
    const keys = createTestPrefix('sec-web');
    prefixes.push(keys);
    const web = buildServer({ sql: broken.sql, redis, config: webTestConfig(database, keys.prefix, { google }) });
    servers.push(web);
    await web.listen({ host: '127.0.0.1', port: 0 });
    const webAddress = web.server.address();
    const session = signToken({ secrets: [LINK_SECRET] }, 'session', { u: randomUUID(), n: 'n' }, new Date(Date.now() + 60_000));
    const failed = await fetch(`http://127.0.0.1:${typeof webAddress === 'object' && webAddress ? webAddress.port : 0}/status`, {
      headers: { cookie: `rk_session=${session}` },
    });
    expect(failed.status).toBe(500);
    const text = await failed.text();
    expect(text).not.toContain(missing);
    expect(text).not.toMatch(/database|postgres|select/i);
    expectHardened(failed, '500');
    await broken.close();
  });

  it('sends HSTS on every response when PUBLIC_URL is https, and on requests a trusted proxy says came over https', async () => {
    const https = await start({ PUBLIC_URL: 'https://rekindle.example' });
    for (const path of ['/', '/healthz', '/no/such/thing', '/connect/google']) {
      expect((await https.get(path)).headers.get('strict-transport-security'), path).toMatch(/^max-age=\d{8,}; includeSubDomains$/);
    }
    const proxied = await start({ TRUST_PROXY: '127.0.0.1' });
    expect((await proxied.get('/healthz', { headers: { 'x-forwarded-proto': 'https' } })).headers.get('strict-transport-security')).toMatch(
      /^max-age=/,
    );
    expect((await proxied.get('/healthz')).headers.get('strict-transport-security')).toBeNull();
    // Without TRUST_PROXY the header is the client's word, and not believed.
    const direct = await start();
    expect(
      (await direct.get('/healthz', { headers: { 'x-forwarded-proto': 'https' } })).headers.get('strict-transport-security'),
    ).toBeNull();
  });

  it('limits /connect and the OAuth callback per address; a forged X-Forwarded-For does not reset the count', async () => {
    const app = await start();
    for (const [path, limit] of [
      ['/connect/google', RATE_LIMITS.connect.max],
      ['/oauth/google/callback?code=guess&state=guess', RATE_LIMITS.callback.max],
    ] as const) {
      for (let i = 0; i < limit; i++) expect((await app.get(path)).status, `${path} #${i + 1}`).not.toBe(429);
      const refused = await app.get(path);
      expect(refused.status, path).toBe(429);
      expect(Number(refused.headers.get('retry-after')), path).toBeGreaterThan(0);
      expectHardened(refused, `${path} refused`);
      expect((await app.get(path, { headers: { 'x-forwarded-for': '203.0.113.9' } })).status, `${path} spoofed`).toBe(429);
    }
    // Other routes are not limited with them.
    expect((await app.get('/')).status).toBe(200);
  });

  it('behind a trusted proxy, counts each client address on its own', async () => {
    const app = await start({ TRUST_PROXY: '1' });
    const from = (ip: string) => ({ headers: { 'x-forwarded-for': ip } });
    for (let i = 0; i < RATE_LIMITS.connect.max; i++) await app.get('/connect/google', from('198.51.100.7'));
    expect((await app.get('/connect/google', from('198.51.100.7'))).status).toBe(429);
    expect((await app.get('/connect/google', from('198.51.100.8'))).status).toBe(302);
  });

  it('counts in Redis: a second server process refuses an address the first one counted', async () => {
    const first = await start();
    const second = await start({}, { prefix: first.prefix });
    for (let i = 0; i < RATE_LIMITS.callback.max; i++) await first.get('/oauth/google/callback?state=x');
    expect((await second.get('/oauth/google/callback?state=x')).status).toBe(429);
    const stored = await redis.keys(`${first.prefix}:rate-limit:*`);
    expect(stored.length).toBeGreaterThan(0);
  });

  it('refuses an address that got the admin password wrong too often — even with the right one — but never counts right ones', async () => {
    const app = await start();
    // The dashboard polls: many good requests never trip it.
    for (let i = 0; i < RATE_LIMITS.authFailures.max + 5; i++) {
      expect((await app.get('/metrics', { headers: { authorization: basic(ADMIN_PASSWORD) } })).status).toBe(200);
    }
    for (let i = 0; i < RATE_LIMITS.authFailures.max; i++) {
      expect(
        (await app.get(i % 2 ? '/metrics' : '/admin/queues', { headers: { authorization: basic(`guess-${i}-wrong-password`) } })).status,
      ).toBe(401);
    }
    const locked = await app.get('/admin/queues', { headers: { authorization: basic(ADMIN_PASSWORD) } });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await app.get('/metrics', { headers: { authorization: basic(ADMIN_PASSWORD) } })).status).toBe(429);
  });

  it('limits the webhook per address, and wrong secrets much sooner', async () => {
    const app = await start();
    const post = (authorization: string, body = 'x') =>
      app.get('/inbound/email', { method: 'POST', headers: { authorization, 'content-type': 'message/rfc822' }, body });
    for (let i = 0; i < RATE_LIMITS.authFailures.max; i++) expect((await post('Bearer wrong')).status).toBe(401);
    expect((await post(`Bearer ${WEBHOOK_SECRET}`)).status).toBe(429);

    const volume = await start();
    const send = () =>
      volume.get('/inbound/email', {
        method: 'POST',
        headers: { authorization: `Bearer ${WEBHOOK_SECRET}`, 'content-type': 'message/rfc822' },
        body: 'Subject: x\r\n\r\nx',
      });
    // Counted before the body is read; the requests are sent in small batches to go quickly.
    let accepted = 0;
    for (let sent = 0; sent < RATE_LIMITS.webhook.max; sent += 20) {
      const batch = await Promise.all(Array.from({ length: Math.min(20, RATE_LIMITS.webhook.max - sent) }, send));
      accepted += batch.filter((r) => r.status === 200).length;
    }
    expect(accepted).toBe(RATE_LIMITS.webhook.max);
    expect((await send()).status).toBe(429);
  });

  it('checks the webhook secret before reading the body: a wrong secret is refused while the body is still arriving', async () => {
    const app = await start({}, { webhookMaxBytes: 5 * 1024 * 1024 });
    const { port } = new URL(app.base);
    for (const authorization of ['Bearer wrong', null]) {
      // 5 MB announced, 1 KB sent: the answer can only come before the body is read.
      const request = httpRequest({
        host: '127.0.0.1',
        port: Number(port),
        method: 'POST',
        path: '/inbound/email',
        headers: {
          'content-type': 'message/rfc822',
          'content-length': String(5 * 1024 * 1024),
          ...(authorization ? { authorization } : {}),
        },
      });
      const answered = new Promise<IncomingMessage>((resolve, reject) => {
        request.once('response', resolve);
        request.once('error', reject);
      });
      request.write('x'.repeat(1024));
      const response = await answered;
      expect(response.statusCode, String(authorization)).toBe(401);
      expect(response.headers.connection).toBe('close');
      response.resume();
      request.destroy();
    }
  });

  it('refuses bodies over the limits: raw mail over INBOUND_MAX_BYTES at the webhook, big forms anywhere', async () => {
    const app = await start({}, { webhookMaxBytes: 10_000 });
    const big = await app.get('/inbound/email', {
      method: 'POST',
      headers: { authorization: `Bearer ${WEBHOOK_SECRET}`, 'content-type': 'message/rfc822' },
      body: 'x'.repeat(10_001),
    });
    expect(big.status).toBe(413);
    const fits = await app.get('/inbound/email', {
      method: 'POST',
      headers: { authorization: `Bearer ${WEBHOOK_SECRET}`, 'content-type': 'message/rfc822' },
      body: 'x'.repeat(10_000),
    });
    expect(fits.status).toBe(200);
    const form = { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `csrf=${'x'.repeat(20_000)}` };
    expect((await app.get('/settings', form)).status).toBe(413);
    expect((await app.get(`/d/${'a'.repeat(100)}`, form)).status).toBe(413);
    expect((await app.get(`/digest/unsubscribe/${'a'.repeat(32)}`, { ...form, body: 'x'.repeat(5000) })).status).toBe(413);
    // Any other content type takes at most 64 KiB.
    expect(
      (
        await app.get('/signout', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ x: 'y'.repeat(70_000) }),
        })
      ).status,
    ).toBe(413);
  });
});
