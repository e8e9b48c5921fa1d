/**
 * The "Other mailbox" form cannot be used to probe the network rekindle runs in. With the
 * operator's default (ALLOW_PRIVATE_SERVERS unset), an IMAP host, a CalDAV address or an .ics
 * address on a private, loopback or link-local address — typed as an address or as a name that
 * resolves to one — is refused before any connection: a listening socket on loopback counts
 * who came, and nobody does. An open and a closed port give the same answer. The sync refuses
 * them too (a name that resolved elsewhere when it was checked). With the setting on, the same
 * check does connect (so the tests above could fail). Checks are limited per user as well as
 * per address.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCalendarSources } from '../../src/accounts/check-calendar-sources.ts';
import { checkImapMailbox } from '../../src/accounts/check-imap-mailbox.ts';
import { createImapAccount } from '../../src/providers/imap/create-imap-account.ts';
import { isProviderError } from '../../src/providers/provider-error.ts';
import { createRedis } from '../../src/queue/connection.ts';
import { RATE_LIMITS } from '../../src/web/rate-limits.ts';
import { buildServer } from '../../src/web/server.ts';
import { startGoogleEmulator, type GoogleEmulator } from '../../fakes/google/index.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/test-database.ts';
import { createTestPrefix, redisUrl } from '../../testkit/test-redis.ts';
import { connectThroughConsent, CookieJar, csrfOf, form, webTestConfig } from '../../testkit/web-harness.ts';

const SAM = 'sam@example.com';
const PRIVATE = /is on a private or local network, and this rekindle connects only to servers on the internet/;

describe('the IMAP form and private networks', () => {
  let database: TestDatabase;
  let google: GoogleEmulator;
  let redis: ReturnType<typeof createRedis>;
  let app: ReturnType<typeof buildServer>;
  let trap: Server;
  let trapPort = 0;
  let closedPort = 0;
  let arrivals = 0;
  const sockets = new Set<Socket>();
  /** POSTs so far: each has its own client address, and each counts for the user. */
  let clientNumber = 0;
  const queue = createTestPrefix('web-private');
  const sam = new CookieJar();

  beforeAll(async () => {
    trap = createServer((socket) => {
      arrivals++;
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {});
      socket.end('* OK [CAPABILITY IMAP4rev1] ready\r\n');
    });
    await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
    trapPort = (trap.address() as { port: number }).port;
    // A port nobody listens on: one taken and given back.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    closedPort = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));

    database = await createTestDatabase();
    google = await startGoogleEmulator();
    google.addMailbox({ email: SAM, messages: [] });
    redis = createRedis(redisUrl);
    app = buildServer({
      sql: database.sql,
      redis,
      config: webTestConfig(database, queue.prefix, { google }, { ALLOW_PRIVATE_SERVERS: 'false' }),
    });
    const { response } = await connectThroughConsent(app, sam, 'google', `?login_hint=${SAM}`);
    expect(response.statusCode).toBe(303);
  });
  afterAll(async () => {
    await app?.close();
    redis?.disconnect();
    await google?.close();
    await database?.drop();
    await queue.cleanup();
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => (trap ? trap.close(() => resolve()) : resolve()));
  });

  /** Each POST from its own client address, so only the per-user count adds up. */
  const post = async (fields: Record<string, string>) => {
    const page = await app.inject({ method: 'GET', url: '/connect/imap', headers: { cookie: sam.header() } });
    return app.inject({
      method: 'POST',
      url: '/connect/imap',
      remoteAddress: `198.51.100.${++clientNumber}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: sam.header() },
      payload: form({
        csrf: csrfOf(page.body),
        email: 'sam@mail.example',
        port: String(trapPort),
        security: 'tls',
        password: 'app-password',
        ...fields,
      }),
    });
  };
  const imapAccounts = async () => database.sql`select 1 from accounts where provider = 'imap'`;

  it('refuses an IMAP host on a private, loopback or link-local address, by address or by name, before connecting', async () => {
    for (const host of [
      '127.0.0.1',
      'localhost',
      '[::1]',
      '::ffff:127.0.0.1',
      '10.20.30.40',
      '169.254.169.254',
      '192.168.0.1',
      'fd00::1',
    ]) {
      const response = await post({ host, security: host === 'localhost' || host === '127.0.0.1' ? 'none' : 'tls' });
      expect(response.statusCode, host).toBe(400);
      expect(response.body, host).toMatch(PRIVATE);
    }
    expect(arrivals).toBe(0);
    expect(await imapAccounts()).toHaveLength(0);
  });

  it('an open and a closed port get the same answer', async () => {
    const open = await post({ host: '127.0.0.1', port: String(trapPort) });
    const closed = await post({ host: '127.0.0.1', port: String(closedPort) });
    const message = (body: string) => /id="connect-error"[^>]*>([^<]*)</.exec(body)?.[1]?.replace(/\d+/g, 'N');
    expect(message(open.body)).toBeDefined();
    expect(message(open.body)).toBe(message(closed.body));
    expect(arrivals).toBe(0);
  });

  it('refuses a CalDAV or .ics address on loopback before connecting; the sync refuses such an IMAP host too', async () => {
    const imap = { user: 'sam', password: 'app-password', email: 'sam@mail.example' };
    const network = { allowPrivate: false };
    for (const url of [`http://127.0.0.1:${trapPort}/`, `http://localhost:${trapPort}/dav/`]) {
      const caldav = await checkCalendarSources({ caldav: { url } }, imap, { network });
      expect(caldav, url).toMatchObject({ ok: false, source: 'caldav' });
      expect(!caldav.ok && caldav.message, url).toMatch(PRIVATE);
      const ics = await checkCalendarSources({ ics: { url: `${url}secret.ics` } }, imap, { network });
      expect(ics, url).toMatchObject({ ok: false, source: 'ics' });
      expect(!ics.ok && ics.message, url).toMatch(PRIVATE);
    }
    const account = createImapAccount({
      email: 'sam@mail.example',
      credentials: async () => ({
        server: { host: 'localhost', port: trapPort, security: 'none', user: 'sam', allowUntrustedCertificate: false },
        password: 'app-password',
      }),
      network,
    });
    const error = await account.mail.nextPage(null).catch((e: unknown) => e);
    await account.close();
    expect(isProviderError(error, 'permanent'), String(error)).toBe(true);
    expect(String((error as Error).message)).toMatch(PRIVATE);
    expect(arrivals).toBe(0);
  });

  it('with private networks allowed, the same checks do connect', async () => {
    const server = { host: '127.0.0.1', port: trapPort, security: 'none' as const, user: 'sam', allowUntrustedCertificate: false };
    await checkImapMailbox(server, 'app-password', { network: { allowPrivate: true }, timeoutMs: 2_000 });
    expect(arrivals).toBeGreaterThan(0);
    // A port nobody listens on is "cannot be reached", without the network's error code.
    const closed = await checkImapMailbox({ ...server, port: closedPort }, 'x', { network: { allowPrivate: true } });
    expect(closed).toMatchObject({ ok: false, reason: 'unreachable' });
    expect(!closed.ok && closed.message).not.toMatch(/ECONN|EHOST|ETIMEDOUT/);
  });

  it('limits checks per user, whatever the client address', async () => {
    const statuses: number[] = [];
    for (let i = clientNumber; i <= RATE_LIMITS.imapCheckPerUser.max; i++) statuses.push((await post({ host: '10.0.0.1' })).statusCode);
    expect(statuses.slice(0, -1).every((s) => s === 400)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
  });
});
