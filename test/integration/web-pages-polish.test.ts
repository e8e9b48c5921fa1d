/**
 * What a person meets at the edges of the web app, over real HTTP: a missing page and a failure
 * answer with a page in the app's style (JSON stays for machine routes and for clients that ask
 * for it); the connect notice speaks of the first sync only while it runs; and a provider this
 * server is not set up for is not shown to people at all, only named in the operator's log.
 */
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGoogleEmulator, type GoogleEmulator } from '../../fakes/google/index.ts';
import { createDatabase } from '../../src/db/client.ts';
import { createRedis } from '../../src/queue/connection.ts';
import { signToken } from '../../src/security/signed-token.ts';
import { buildServer } from '../../src/web/server.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/test-database.ts';
import { createTestPrefix, redisUrl } from '../../testkit/test-redis.ts';
import { connectThroughConsent, CookieJar, LINK_SECRET, webTestConfig } from '../../testkit/web-harness.ts';

const BROWSER = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };
const JSON_CLIENT = { accept: 'application/json' };

describe('the web app at its edges', () => {
  let database: TestDatabase;
  let google: GoogleEmulator;
  let redis: ReturnType<typeof createRedis>;
  const prefixes: ReturnType<typeof createTestPrefix>[] = [];
  const servers: FastifyInstance[] = [];

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

  /** A server on a real port; `logged` collects its log lines. */
  const start = async (overrides: Record<string, string> = {}, sql = database.sql) => {
    const keys = createTestPrefix('web-polish');
    prefixes.push(keys);
    const logged: { level: number; msg: string }[] = [];
    const logger = pino(
      { level: 'info' },
      new Writable({
        write(chunk, _encoding, done) {
          for (const line of String(chunk).split('\n').filter(Boolean)) logged.push(JSON.parse(line));
          done();
        },
      }),
    );
    const app = buildServer({ sql, redis, config: webTestConfig(database, keys.prefix, { google }, overrides), logger });
    servers.push(app);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as { port: number };
    const base = `http://127.0.0.1:${port}`;
    return {
      app,
      logged,
      get: (path: string, headers: Record<string, string> = {}) => fetch(`${base}${path}`, { redirect: 'manual', headers }),
    };
  };

  it('a missing page is a page in the app’s style for people, JSON for machines and for clients asking for JSON', async () => {
    const { get } = await start();
    const page = await get('/no/such/thing', BROWSER);
    expect(page.status).toBe(404);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toMatch(/<title>Page not found · rekindle<\/title>/);
    expect(html).toMatch(/<link rel="stylesheet" href="\/assets\/app\.[0-9a-f]+\.css">/);
    expect(html).toContain('<a class="brand" href="/">rekindle</a>');
    expect(html).toContain('<a class="button" href="/">Home</a>');
    // A client that names no type (curl, fetch) is a person's tool too.
    expect((await get('/no/such/thing')).headers.get('content-type')).toMatch(/^text\/html/);

    const asked = await get('/no/such/thing', JSON_CLIENT);
    expect(asked.status).toBe(404);
    expect(await asked.json()).toEqual({ statusCode: 404, error: 'Not Found', message: 'Route GET:/no/such/thing not found' });
    for (const path of ['/healthz/more', '/readyz/x', '/admin/queues/api/nothing', '/inbound/nowhere', '/metrics/x']) {
      const machine = await get(path, BROWSER);
      expect(machine.headers.get('content-type'), path).toMatch(/^application\/json/);
    }
  });

  it('a failure is a page that says nothing of its cause; JSON when asked for', async () => {
    const missing = `rekindle_missing_${Date.now()}`;
    const url = new URL(database.url);
    url.pathname = `/${missing}`;
    const broken = createDatabase(url.toString(), { max: 1 });
    try {
      const { get } = await start({}, broken.sql);
      const cookie = `rk_session=${signToken({ secrets: [LINK_SECRET] }, 'session', { u: randomUUID(), n: 'n' }, new Date(Date.now() + 60_000))}`;
      const page = await get('/status', { ...BROWSER, cookie });
      expect(page.status).toBe(500);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      const html = await page.text();
      expect(html).toContain('<h1>Something went wrong</h1>');
      expect(html).toContain('nothing was changed');
      expect(html).not.toContain(missing);
      expect(html).not.toMatch(/database|postgres|select/i);
      const asked = await get('/status', { ...JSON_CLIENT, cookie });
      expect(asked.status).toBe(500);
      expect(await asked.json()).toMatchObject({ statusCode: 500, error: 'Internal Server Error' });
    } finally {
      await broken.close();
    }
  });

  it('a form too large is refused with a page, not JSON', async () => {
    const { app } = await start();
    const { port } = app.server.address() as { port: number };
    const big = await fetch(`http://127.0.0.1:${port}/settings`, {
      method: 'POST',
      headers: { ...BROWSER, 'content-type': 'application/x-www-form-urlencoded' },
      body: `csrf=x&timezone=${'a'.repeat(70_000)}`,
    });
    expect(big.status).toBe(413);
    expect(await big.text()).toContain('<h1>Too large</h1>');
  });

  it('offers only the providers this server is set up for, and tells the operator which are not', async () => {
    // The harness sets Google up and leaves Microsoft out.
    const { get, logged } = await start();
    const landing = await (await get('/', BROWSER)).text();
    expect(landing).toContain('href="/connect/google">Connect Google</a>');
    expect(landing).not.toContain('not set up');
    expect(landing).not.toContain('Microsoft');
    expect(logged.filter((l) => l.level === 40).map((l) => l.msg)).toContain(
      'MICROSOFT_CLIENT_ID and MICROSOFT_CLIENT_SECRET are not both set: the web app offers no Microsoft sign-in (docs/providers.md)',
    );
    expect(logged.some((l) => l.msg.includes('GOOGLE_CLIENT_ID'))).toBe(false);

    const none = await start({ GOOGLE_CLIENT_ID: '', GOOGLE_CLIENT_SECRET: '' });
    const bare = await (await none.get('/', BROWSER)).text();
    expect(bare).toContain('id="no-provider">Signing in is not available on this server yet.');
    expect(bare).not.toMatch(/Connect (Google|Microsoft)|not set up|Permissions asked/);
  });

  it('the connect notice speaks of the first sync while it runs, and only then', async () => {
    const { app } = await start();
    const jar = new CookieJar();
    const email = `polish-${randomUUID().slice(0, 8)}@example.com`;
    google.addMailbox({ email, messages: [] });
    const { response } = await connectThroughConsent(app, jar, 'google', `?login_hint=${encodeURIComponent(email)}`);
    expect(response.statusCode).toBe(303);
    const statusPage = () => app.inject({ method: 'GET', url: '/status?connected=google', headers: { cookie: jar.header() } });

    const syncing = (await statusPage()).body;
    expect(syncing).toContain('id="sync-state">syncing<');
    expect(syncing).toContain(
      'Your Google mailbox is connected. The first sync reads your history, newest first; this page updates by itself.',
    );

    // Both streams finish their first sync.
    const [account] = await database.sql<{ id: string }[]>`select id from accounts where email = ${email}`;
    for (const stream of ['mail', 'calendar']) {
      await database.sql`insert into sync_streams (account_id, stream, backfill_completed_at) values (${account!.id}, ${stream}, now())
        on conflict (account_id, stream) do update set backfill_completed_at = now()`;
    }
    const synced = (await statusPage()).body;
    expect(synced).toContain('id="sync-state">synced<');
    expect(synced).toContain('<p class="notice" id="connected">Your Google mailbox is connected.</p>');
    expect(synced).not.toContain('first sync');
  });
});
