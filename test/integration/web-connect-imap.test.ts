/**
 * "Other mailbox" through the real server against a real Dovecot: a signed-in user adds an IMAP
 * mailbox (checked first, stored with its app password encrypted, readable by a sync); a wrong
 * password brings the form back with the server's error and stores nothing; without a session
 * or without the CSRF token nothing happens. Its calendar, on a real Radicale with a user name
 * and password of its own, and an .ics subscription: reconnecting keeps what the form names
 * and removes what it leaves out.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveCalendarSources } from '../../src/accounts/calendar-sources.ts';
import { imapCredentials } from '../../src/accounts/imap-credentials.ts';
import { notifyReauth } from '../../src/accounts/notify-reauth.ts';
import { createMailer } from '../../src/mailer/create-mailer.ts';
import { createImapAccount } from '../../src/providers/imap/create-imap-account.ts';
import { createRedis } from '../../src/queue/connection.ts';
import { createTokenCipher, parseTokenKeys } from '../../src/security/token-cipher.ts';
import { buildServer } from '../../src/web/server.ts';
import { startGoogleEmulator, type GoogleEmulator } from '../../fakes/google/index.ts';
import { startMailCatcher } from '../../fakes/mail-catcher.ts';
import { createCaldavUser } from '../../testkit/caldav-calendar.ts';
import { startDovecot, type Dovecot } from '../../testkit/dovecot.ts';
import { startRadicale, type Radicale } from '../../testkit/radicale.ts';
import { createImapUser, type ImapTestUser } from '../../testkit/imap-mailbox.ts';
import { walkMail } from '../../testkit/provider-contract.ts';
import { testLogger } from '../../testkit/sync-harness.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/test-database.ts';
import { createTestPrefix, redisUrl } from '../../testkit/test-redis.ts';
import { connectThroughConsent, CookieJar, csrfOf, form, KEY_1, webTestConfig } from '../../testkit/web-harness.ts';

const SAM = 'sam@example.com';
const SAM_FASTMAIL = 'sam@fastmail.example';

describe('adding an IMAP mailbox through the web app', () => {
  let database: TestDatabase;
  let google: GoogleEmulator;
  let dovecot: Dovecot;
  let radicale: Radicale;
  let feed: Server;
  let feedUrl = '';
  let imapUser: ImapTestUser;
  let redis: ReturnType<typeof createRedis>;
  let app: ReturnType<typeof buildServer>;
  const queue = createTestPrefix('web-imap');
  const sam = new CookieJar();
  const cipher = createTokenCipher(parseTokenKeys(KEY_1));

  beforeAll(async () => {
    database = await createTestDatabase();
    google = await startGoogleEmulator();
    google.addMailbox({ email: SAM, messages: [] });
    dovecot = await startDovecot();
    radicale = await startRadicale();
    feed = createServer((request, response) => {
      if (request.url !== '/secret-91b/cal.ics') return void response.writeHead(404).end();
      response
        .writeHead(200, { 'content-type': 'text/calendar' })
        .end('BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nEND:VCALENDAR\r\n');
    });
    await new Promise<void>((resolve) => feed.listen(0, '127.0.0.1', resolve));
    feedUrl = `http://127.0.0.1:${(feed.address() as { port: number }).port}/secret-91b/cal.ics`;
    imapUser = await createImapUser(dovecot, SAM_FASTMAIL);
    await imapUser.append([
      {
        folder: 'Sent',
        internalDate: new Date('2024-03-01T10:00:00Z'),
        headers: [
          { name: 'From', value: SAM_FASTMAIL },
          { name: 'To', value: 'robin@example.org' },
          { name: 'Subject', value: 'Lunch?' },
          { name: 'Date', value: 'Fri, 01 Mar 2024 10:00:00 +0000' },
          { name: 'Message-ID', value: '<lunch-1@fastmail.example>' },
        ],
      },
    ]);
    redis = createRedis(redisUrl);
    app = buildServer({ sql: database.sql, redis, config: webTestConfig(database, queue.prefix, { google }) });
    const { response } = await connectThroughConsent(app, sam, 'google', `?login_hint=${SAM}`);
    expect(response.statusCode).toBe(303);
  });
  afterAll(async () => {
    await app?.close();
    redis?.disconnect();
    await google?.close();
    await dovecot?.destroy();
    await radicale?.destroy();
    await new Promise<void>((resolve) => (feed ? feed.close(() => resolve()) : resolve()));
    await database?.drop();
    await queue.cleanup();
  });

  const imapAccounts = async () => database.sql<{ id: string; email: string }[]>`select id, email from accounts where provider = 'imap'`;
  const fields = (csrf: string, overrides: Record<string, string> = {}) => ({
    csrf,
    email: SAM_FASTMAIL,
    host: '127.0.0.1',
    port: String(dovecot.port),
    security: 'none',
    password: imapUser.password,
    ...overrides,
  });
  const post = (jar: CookieJar | null, body: Record<string, string>, remoteAddress?: string) =>
    app.inject({
      method: 'POST',
      url: '/connect/imap',
      ...(remoteAddress ? { remoteAddress } : {}),
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(jar ? { cookie: jar.header() } : {}) },
      payload: form(body),
    });

  it('the status page offers "Other mailbox"; the form lists the presets and fills one in', async () => {
    const status = await app.inject({ method: 'GET', url: '/status', headers: { cookie: sam.header() } });
    expect(status.body).toContain('href="/connect/imap"');
    const fastmail = await app.inject({ method: 'GET', url: '/connect/imap?preset=fastmail', headers: { cookie: sam.header() } });
    expect(fastmail.statusCode).toBe(200);
    for (const label of ['Fastmail', 'iCloud Mail', 'Yahoo Mail', 'AOL Mail', 'GMX', 'Proton Mail', 'Zoho Mail'])
      expect(fastmail.body).toContain(`>${label}</a>`);
    expect(fastmail.body).toContain('value="imap.fastmail.com"');
    expect(fastmail.body).toContain('value="https://caldav.fastmail.com/"');
    expect(fastmail.body).toContain('App passwords');
    expect(fastmail.body).toMatch(/<option value="tls" selected>/);
    const proton = await app.inject({ method: 'GET', url: '/connect/imap?preset=proton', headers: { cookie: sam.header() } });
    expect(proton.body).toMatch(/<option value="starttls" selected>/);
    expect(proton.body).toMatch(/name="accept_certificate" value="yes" checked/);
  });

  it("a wrong app password brings the form back with the server's error, and nothing is stored", async () => {
    const page = await app.inject({ method: 'GET', url: '/connect/imap', headers: { cookie: sam.header() } });
    const response = await post(sam, fields(csrfOf(page.body), { password: 'not-the-app-password' }));
    expect(response.statusCode).toBe(400);
    expect(response.body).toMatch(/id="connect-error"[^>]*>[^<]*did not accept this user name and password[^<]*Nothing was saved\./);
    // The form keeps what was typed, except the password.
    expect(response.body).toContain(`value="${SAM_FASTMAIL}"`);
    expect(response.body).not.toContain('not-the-app-password');
    expect(await imapAccounts()).toEqual([]);
  });

  it('a CalDAV address that is not a URL is refused before saving, with the form again', async () => {
    const page = await app.inject({ method: 'GET', url: '/connect/imap', headers: { cookie: sam.header() } });
    const response = await post(sam, fields(csrfOf(page.body), { caldav_url: 'not a url' }));
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('The CalDAV address is not a URL');
    expect(await imapAccounts()).toEqual([]);
  });

  it('without a session, or without the CSRF token, nothing is checked or stored', async () => {
    const anonymousForm = await app.inject({ method: 'GET', url: '/connect/imap' });
    expect(anonymousForm.statusCode).toBe(403);
    expect(anonymousForm.body).toContain('Sign in first');
    const anonymous = await post(null, fields('anything'));
    expect(anonymous.statusCode).toBe(403);
    expect(anonymous.headers['set-cookie']).toBeUndefined();
    const noCsrf = await post(sam, fields(''));
    expect(noCsrf.statusCode).toBe(403);
    expect(noCsrf.body).toContain('did not come from your rekindle page');
    const page = await app.inject({ method: 'GET', url: '/connect/imap', headers: { cookie: sam.header() } });
    const otherOrigin = await app.inject({
      method: 'POST',
      url: '/connect/imap',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: sam.header(), origin: 'https://evil.example' },
      payload: form(fields(csrfOf(page.body))),
    });
    expect(otherOrigin.statusCode).toBe(403);
    expect(await imapAccounts()).toEqual([]);
    expect((await database.sql`select 1 from users`).length).toBe(1);
  });

  it('a signed-in user adds the mailbox: stored for that user, app password encrypted, streams due, and a sync reads it', async () => {
    const page = await app.inject({ method: 'GET', url: '/connect/imap', headers: { cookie: sam.header() } });
    const response = await post(sam, fields(csrfOf(page.body)));
    expect(response.statusCode, response.body).toBe(303);
    expect(response.headers.location).toBe('/status?connected=imap');
    // Adding a mailbox does not start another session.
    expect(response.headers['set-cookie']).toBeUndefined();

    const [row] = await database.sql<{ id: string; userEmail: string; secret: string; server: Record<string, unknown> }[]>`
      select a.id, u.email as "userEmail", a.refresh_token as secret, a.imap_server as server
        from accounts a join users u on u.id = a.user_id where a.provider = 'imap'`;
    expect(row!.userEmail).toBe(SAM);
    expect(row!.server).toEqual({
      host: '127.0.0.1',
      port: dovecot.port,
      security: 'none',
      user: SAM_FASTMAIL,
      allowUntrustedCertificate: false,
    });
    expect(row!.secret).toMatch(/^rk1\.k1\./);
    expect(row!.secret).not.toContain(imapUser.password);
    expect(cipher.decrypt(row!.secret, `accounts.refresh_token:${row!.id}`)).toBe(imapUser.password);
    const streams =
      await database.sql`select stream from sync_streams where account_id = ${row!.id} and next_run_at <= now() order by stream`;
    expect(streams.map((s) => s.stream)).toEqual(['calendar', 'mail']);

    // What the sync worker does: the stored credentials open the mailbox and read its headers.
    const account = createImapAccount({ email: SAM_FASTMAIL, credentials: () => imapCredentials(database.sql, row!.id, cipher) });
    try {
      const read = await walkMail(account.mail);
      expect(read.messages.map((m) => m.internetMessageId)).toEqual(['lunch-1@fastmail.example']);
    } finally {
      await account.close();
    }

    const status = await app.inject({ method: 'GET', url: '/status?connected=imap', headers: { cookie: sam.header() } });
    expect(status.body).toContain('Your IMAP mailbox is connected.');
    expect(status.body).toContain(`${SAM_FASTMAIL} <span class="badge`);
    expect(status.body).toContain('<dt>Provider</dt><dd>IMAP</dd>');
  });

  it('a mailbox that needs reconnecting: the email and the status page link to the form, filled with its server', async () => {
    await database.sql`update accounts set status = 'needs_reauth', needs_reauth_at = now() where provider = 'imap'`;
    const catcher = await startMailCatcher();
    const mailer = createMailer(catcher.url);
    try {
      const settings = { mailFrom: 'rekindle <rekindle@rekindle.test>', publicUrl: 'http://rekindle.test' };
      expect(await notifyReauth({ sql: database.sql, mailer, logger: testLogger(), settings })).toBe(1);
      const raw = catcher.accepted[0]!.raw.toString('utf8')
        .replace(/=\r?\n/g, '')
        .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
        .replace(/\r?\n/g, ' ');
      expect(raw).toContain(`The IMAP server of ${SAM_FASTMAIL} no longer accepts rekindle's app password`);
      expect(raw).toContain(`http://rekindle.test/connect/imap?login_hint=${encodeURIComponent(SAM_FASTMAIL)}`);
    } finally {
      mailer.close();
      await catcher.close();
    }
    const status = await app.inject({ method: 'GET', url: '/status', headers: { cookie: sam.header() } });
    const link = /data-needs-reauth="[^"]+">[^<]*<a href="([^"]+)">Reconnect it<\/a>/.exec(status.body)?.[1];
    expect(link).toBe(`/connect/imap?login_hint=${encodeURIComponent(SAM_FASTMAIL)}`);
    const again = await app.inject({ method: 'GET', url: link!, headers: { cookie: sam.header() } });
    expect(again.statusCode).toBe(200);
    expect(again.body).toContain(`value="${dovecot.port}"`);
    expect(again.body).toMatch(/<option value="none" selected>/);
    const reconnected = await post(sam, fields(csrfOf(again.body)));
    expect(reconnected.statusCode).toBe(303);
    const [row] = await database.sql<{ status: string }[]>`select status from accounts where provider = 'imap'`;
    expect(row!.status).toBe('active');
  });

  it('a CalDAV server with a user name and password of its own: checked with them, stored encrypted, never shown again', async () => {
    const calendar = await createCaldavUser(radicale, 'sam.calendar', 'calendar-own-password');
    const reconnect = async (overrides: Record<string, string>) => {
      const page = await app.inject({
        method: 'GET',
        url: `/connect/imap?login_hint=${encodeURIComponent(SAM_FASTMAIL)}`,
        headers: { cookie: sam.header() },
      });
      return post(sam, fields(csrfOf(page.body), overrides), '192.0.2.10');
    };
    // Without its own password the mailbox's app password is tried, and Radicale refuses it.
    const refused = await reconnect({ caldav_url: radicale.url, caldav_user: calendar.user });
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toMatch(/The CalDAV server at [^ ]+ did not accept this user name and password/);
    expect(refused.body).toContain(`value="${calendar.user}"`);
    const [untouched] = await database.sql<
      { sources: unknown }[]
    >`select calendar_sources as sources from accounts where provider = 'imap'`;
    expect(untouched!.sources).toBeNull();

    const added = await reconnect({ caldav_url: radicale.url, caldav_user: calendar.user, caldav_password: calendar.password });
    expect(added.statusCode, added.body).toBe(303);
    const [row] = await database.sql<{ id: string; sources: unknown; secret: string }[]>`
      select id, calendar_sources as sources, calendar_secret as secret from accounts where provider = 'imap'`;
    expect(row!.sources).toEqual({
      caldav: { url: radicale.url, user: calendar.user, ownPassword: true, allowUntrustedCertificate: false },
      ics: null,
    });
    expect(row!.secret).toMatch(/^rk1\.k1\./);
    expect(row!.secret).not.toContain(calendar.password);
    expect(JSON.parse(cipher.decrypt(row!.secret, `accounts.calendar_secret:${row!.id}`))).toEqual({ caldavPassword: calendar.password });
    // What the calendar sync reads: its own password, not the mailbox's.
    const resolved = await resolveCalendarSources(database.sql, row!.id, cipher);
    expect(resolved.caldav).toMatchObject({ password: calendar.password, passwordIsTheMailbox: false });

    // The form to reconnect shows the calendar's address and user name, and no password.
    const again = await app.inject({
      method: 'GET',
      url: `/connect/imap?login_hint=${encodeURIComponent(SAM_FASTMAIL)}`,
      headers: { cookie: sam.header() },
    });
    expect(again.body).toContain(`id="caldav_url" name="caldav_url" value="${radicale.url}"`);
    expect(again.body).toContain(`id="caldav_user" name="caldav_user" value="${calendar.user}"`);
    expect(again.body).not.toContain(calendar.password);
    expect(again.body).not.toContain(imapUser.password);
  });

  it('reconnecting names the calendars anew: a subscription is kept by its tick, a calendar left out is removed', async () => {
    const calendar = { user: 'sam.calendar', password: 'calendar-own-password' };
    const formPage = async () =>
      (
        await app.inject({
          method: 'GET',
          url: `/connect/imap?login_hint=${encodeURIComponent(SAM_FASTMAIL)}`,
          headers: { cookie: sam.header() },
        })
      ).body;
    const caldav = { caldav_url: radicale.url, caldav_user: calendar.user, caldav_password: calendar.password };
    const stored = async () =>
      (
        await database.sql<{ id: string; sources: { caldav: unknown; ics: unknown } | null; secret: string | null }[]>`
          select id, calendar_sources as sources, calendar_secret as secret from accounts where provider = 'imap'`
      )[0]!;
    const secrets = async () => {
      const row = await stored();
      return row.secret ? JSON.parse(cipher.decrypt(row.secret, `accounts.calendar_secret:${row.id}`)) : null;
    };

    expect((await post(sam, fields(csrfOf(await formPage()), { ...caldav, ics_url: feedUrl }), '192.0.2.11')).statusCode).toBe(303);
    expect(await secrets()).toEqual({ caldavPassword: calendar.password, icsUrl: feedUrl });
    // The form to reconnect offers to keep the subscription by its host; its secret address is not on the page.
    const page = await formPage();
    expect(page).toMatch(new RegExp(`name="keep_ics" value="yes" checked> Keep the current subscription \\(${new URL(feedUrl).host}\\)`));
    expect(page).not.toContain('secret-91b');
    expect((await post(sam, fields(csrfOf(page), { ...caldav, keep_ics: 'yes' }), '192.0.2.12')).statusCode).toBe(303);
    expect(await secrets()).toEqual({ caldavPassword: calendar.password, icsUrl: feedUrl });
    expect((await stored()).sources).toMatchObject({ caldav: { user: calendar.user }, ics: { host: new URL(feedUrl).host } });

    // Reconnected with neither: both go, settings and secrets.
    expect((await post(sam, fields(csrfOf(await formPage())), '192.0.2.13')).statusCode).toBe(303);
    expect(await stored()).toMatchObject({ sources: null, secret: null });
    expect(await formPage()).not.toContain('keep_ics');
  });

  it('each check costs a connection to a server the person names, so an address gets ten a minute', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await post(sam, fields(''))).statusCode);
    // Earlier tests in this file spent some of the ten already.
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.filter((code) => code === 403).length).toBeLessThan(10);
  });

  it('deleting the account says to revoke the app password at the provider', async () => {
    const settings = await app.inject({ method: 'GET', url: '/settings', headers: { cookie: sam.header() } });
    const deleted = await app.inject({
      method: 'POST',
      url: '/account/delete',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: sam.header() },
      payload: form({ csrf: csrfOf(settings.body), confirm: 'yes' }),
    });
    expect(deleted.statusCode).toBe(200);
    expect(deleted.body).toContain(
      'for your IMAP mailbox, revoke the app password you made for rekindle in your mail provider&#39;s security settings.',
    );
    expect(deleted.body).not.toMatch(/as well: \./);
  });
});
