/**
 * Connecting mailboxes through the web app, against the Google and Microsoft emulators over
 * real HTTP: PKCE and the exact scopes, the signed state and what it refuses (forged, expired,
 * another browser's, another user's), tokens encrypted in their columns, one user for several
 * mailboxes, signing in again, CSRF on every settings form, and the admin surfaces.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenCipher, parseTokenKeys } from '../../src/security/token-cipher.ts';
import { signToken } from '../../src/security/signed-token.ts';
import { startGoogleEmulator, type GoogleEmulator } from '../../fakes/google/index.ts';
import { startGraphEmulator, type GraphEmulator } from '../../fakes/microsoft/index.ts';
import { GOOGLE_SCOPES } from '../../src/providers/google/google-auth.ts';
import { MICROSOFT_SCOPES } from '../../src/providers/microsoft/microsoft-auth.ts';
import { createRedis } from '../../src/queue/connection.ts';
import { buildServer } from '../../src/web/server.ts';
import type { Config } from '../../src/config/env.ts';
import { createOwner } from '../../src/contacts/owner.ts';
import { parseHeaderBlock } from '../../src/mail/header-block.ts';
import { messageMetaFromHeaders } from '../../src/mail/message-meta.ts';
import type { MessageMeta } from '../../src/mail/types.ts';
import { ingestMail } from '../../src/sync/ingest-mail.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/test-database.ts';
import { createTestPrefix, redisUrl } from '../../testkit/test-redis.ts';
import {
  ADMIN_PASSWORD,
  connectThroughConsent,
  CookieJar,
  csrfOf,
  followCallback,
  form,
  KEY_1,
  LINK_SECRET,
  startConnect,
  webTestConfig,
} from '../../testkit/web-harness.ts';

const SAM = 'sam@example.com';
const ALEX = 'alex@example.com';
const SAM_OUTLOOK = 'sam@outlook.example';

describe('connecting mailboxes through the web app', () => {
  let database: TestDatabase;
  let google: GoogleEmulator;
  let graph: GraphEmulator;
  let redis: ReturnType<typeof createRedis>;
  let config: Config;
  let app: ReturnType<typeof buildServer>;
  const queue = createTestPrefix('web');
  const sam = new CookieJar();
  let samId = '';

  beforeAll(async () => {
    database = await createTestDatabase();
    google = await startGoogleEmulator();
    google.addMailbox({ email: SAM, messages: [] });
    google.addMailbox({ email: ALEX, messages: [] });
    graph = await startGraphEmulator();
    graph.addMailbox({ email: SAM_OUTLOOK, messages: [] }, { displayName: 'Sam' });
    redis = createRedis(redisUrl);
    config = webTestConfig(database, queue.prefix, { google, graph });
    app = buildServer({ sql: database.sql, redis, config });
  });
  afterAll(async () => {
    await app?.close();
    redis?.disconnect();
    await google?.close();
    await graph?.close();
    await database?.drop();
    await queue.cleanup();
  });

  const accounts = async () => (await database.sql<{ n: number }[]>`select count(*)::int as n from accounts`)[0]!.n;

  it('the landing page offers Google and Microsoft; /connect sends the browser to Google with PKCE (S256), the metadata scopes and a signed state', async () => {
    const landing = await app.inject({ method: 'GET', url: '/' });
    expect(landing.statusCode).toBe(200);
    expect(landing.body).toContain('href="/connect/google"');
    expect(landing.body).toContain('href="/connect/microsoft"');
    expect(landing.headers['content-security-policy']).toContain("default-src 'none'");

    const start = await app.inject({ method: 'GET', url: `/connect/google?login_hint=${SAM}&tz=Europe/Berlin` });
    expect(start.statusCode).toBe(302);
    const target = new URL(String(start.headers.location));
    expect(`${target.origin}${target.pathname}`).toBe(google.authUrl);
    expect(target.searchParams.get('scope')).toBe(GOOGLE_SCOPES.join(' '));
    expect(target.searchParams.get('code_challenge_method')).toBe('S256');
    expect(target.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(target.searchParams.get('access_type')).toBe('offline');
    expect(target.searchParams.get('redirect_uri')).toBe('http://rekindle.test/oauth/google/callback');
    expect(target.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    // The verifier stays in this browser's httpOnly cookie, never in the URL.
    const cookie = String(start.headers['set-cookie']);
    expect(cookie).toMatch(/^rk_oauth=[^;]+; Path=\/oauth; Max-Age=600; HttpOnly; SameSite=Lax/);
    expect(String(start.headers.location)).not.toContain(cookie.split(';')[0]!.split('=')[1]!.split('.')[0]!);
  });

  it('the callback exchanges the code, learns the address, stores the grant encrypted and signs the browser in', async () => {
    const { response } = await connectThroughConsent(app, sam, 'google', `?login_hint=${SAM}&tz=Europe/Berlin`);
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/status?connected=google');
    expect(String(response.headers['set-cookie'])).toMatch(/rk_session=[^;]+; Path=\/; Max-Age=2592000; HttpOnly; SameSite=Lax/);
    expect(sam.cookies.has('rk_oauth')).toBe(false);

    const [user] = await database.sql<{ id: string; timezone: string }[]>`select id, timezone from users where email = ${SAM}`;
    samId = user!.id;
    expect(user!.timezone).toBe('Europe/Berlin');
    const [account] = await database.sql<{ id: string; refreshToken: string; provider: string }[]>`
      select id, refresh_token as "refreshToken", provider from accounts where email = ${SAM}`;
    expect(account!.provider).toBe('google');
    expect(account!.refreshToken).toMatch(/^rk1\.k1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    // Google's refresh tokens start with 1//: none is in the column, and the ciphertext decrypts to one.
    const plain = createTokenCipher(parseTokenKeys(KEY_1)).decrypt(account!.refreshToken, `accounts.refresh_token:${account!.id}`);
    expect(plain).toMatch(/^1\/\//);
    expect(account!.refreshToken).not.toContain(plain);
    expect(account!.refreshToken).not.toContain('1//');
    const streams = await database.sql`select stream from sync_streams where account_id = ${account!.id} order by stream`;
    expect(streams.map((s) => s.stream)).toEqual(['calendar', 'mail']);

    const status = await app.inject({ method: 'GET', url: '/status?connected=google', headers: { cookie: sam.header() } });
    expect(status.statusCode).toBe(200);
    expect(status.body).toContain(SAM);
    expect(status.body).toMatch(/id="sync-state">syncing</);
    expect(status.body).toContain('<meta http-equiv="refresh" content="3">');
  });

  it('a second mailbox connected while signed in (Microsoft, its exact permissions) joins the same user', async () => {
    const { authorizeUrl, response } = await connectThroughConsent(app, sam, 'microsoft');
    expect(authorizeUrl.pathname).toBe('/common/oauth2/v2.0/authorize');
    expect(authorizeUrl.searchParams.get('scope')).toBe(MICROSOFT_SCOPES.join(' '));
    expect(authorizeUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(response.statusCode).toBe(303);
    const rows = await database.sql<{ email: string; userId: string }[]>`select email, user_id as "userId" from accounts order by email`;
    expect(rows).toEqual([
      { email: SAM, userId: samId },
      { email: SAM_OUTLOOK, userId: samId },
    ]);
    expect(await database.sql`select 1 from users`).toHaveLength(1);
  });

  it('connecting the same mailbox again from a new browser signs in as its owner', async () => {
    const fresh = new CookieJar();
    const { response } = await connectThroughConsent(app, fresh, 'google', `?login_hint=${SAM}`);
    expect(response.statusCode).toBe(303);
    const status = await app.inject({ method: 'GET', url: '/status', headers: { cookie: fresh.header() } });
    expect(status.body).toContain(SAM_OUTLOOK);
    expect(await accounts()).toBe(2);
  });

  it('the status page says how many people are named without an address the mail has not shown, until it does', async () => {
    const [account] = await database.sql<{ id: string }[]>`select id from accounts where email = ${SAM}`;
    const target = { userId: samId, accountId: account!.id, owner: createOwner([SAM]), storeSubjects: false };
    const meta = (id: string, ...lines: string[]): MessageMeta => {
      const result = messageMetaFromHeaders(
        parseHeaderBlock([`Message-ID: <${id}@x>`, 'Date: Mon, 12 Nov 2001 12:28:21 -0800', ...lines].join('\n')),
        {
          providerId: id,
          threadId: null,
          folder: 'inbox',
        },
      );
      if (!('message' in result)) throw new Error('no message');
      return result.message;
    };
    const dn = '/O=ACME/OU=NA/CN=RECIPIENTS/CN=DREYES';
    await ingestMail(database.sql, target, [meta('dn-1', `From: "Reyes, Dana" <${dn}>`, `To: ${SAM}`)], []);
    const before = await app.inject({ method: 'GET', url: '/status', headers: { cookie: sam.header() } });
    expect(before.body).toContain('<dd id="unresolved">1 person on 1 message named without an e-mail address');
    // A message that shows Dana's address beside her directory entry resolves her.
    await ingestMail(
      database.sql,
      target,
      [meta('dn-2', 'From: dana.reyes@acme.example', `To: ${SAM}`, `X-From: Reyes, Dana <${dn}>`)],
      [],
    );
    const after = await app.inject({ method: 'GET', url: '/status', headers: { cookie: sam.header() } });
    expect(after.body).not.toContain('id="unresolved"');
    const received =
      await database.sql`select source_key from interactions where user_id = ${samId} and contact = 'dana.reyes@acme.example' order by source_key`;
    expect(received.map((r) => r.source_key)).toEqual(['mid:dn-1@x', 'mid:dn-2@x']);
  });

  describe('refuses a state that is', () => {
    const refused = async (jar: CookieJar, url: URL) => {
      const before = await accounts();
      const session = jar.cookies.get('rk_session');
      const response = await followCallback(app, jar, url);
      expect(response.statusCode).toBe(400);
      expect(response.body).toContain('Nothing was connected');
      expect(await accounts()).toBe(before);
      // Nobody was signed in by it.
      expect(jar.cookies.get('rk_session')).toBe(session);
    };

    it('forged (signed with another secret) or altered', async () => {
      const jar = new CookieJar();
      const { callbackUrl } = await startConnect(app, jar, 'google', `?login_hint=${ALEX}`);
      const state = callbackUrl.searchParams.get('state')!;
      const [body] = state.split('.');
      const payload = JSON.parse(Buffer.from(body!, 'base64url').toString());
      const forged = new URL(callbackUrl);
      forged.searchParams.set('state', signToken({ secrets: ['x'.repeat(64)] }, payload.p, payload.d, new Date(payload.e * 1000)));
      await refused(jar, forged);
      const altered = new URL(callbackUrl);
      altered.searchParams.set(
        'state',
        `${Buffer.from(JSON.stringify({ ...payload, d: { ...payload.d, u: samId } })).toString('base64url')}.${state.split('.')[1]}`,
      );
      await refused(jar, altered);
    });

    it('expired', async () => {
      const jar = new CookieJar();
      const { callbackUrl } = await startConnect(app, jar, 'google', `?login_hint=${ALEX}`);
      const payload = JSON.parse(Buffer.from(callbackUrl.searchParams.get('state')!.split('.')[0]!, 'base64url').toString());
      const expired = new URL(callbackUrl);
      expired.searchParams.set('state', signToken({ secrets: [LINK_SECRET] }, 'oauth-state', payload.d, new Date(Date.now() - 1000)));
      await refused(jar, expired);
    });

    it("another browser's (no matching nonce cookie)", async () => {
      const victim = new CookieJar();
      const attacker = new CookieJar();
      const { callbackUrl } = await startConnect(app, attacker, 'google', `?login_hint=${ALEX}`);
      await startConnect(app, victim, 'google', `?login_hint=${ALEX}`);
      await refused(victim, callbackUrl);
      await refused(new CookieJar(), callbackUrl);
    });

    it("another user's (started signed out, or by someone else, finished in Sam's session)", async () => {
      const alexJar = new CookieJar();
      const { callbackUrl } = await startConnect(app, alexJar, 'google', `?login_hint=${ALEX}`);
      // Sam's browser, with Alex's flow cookie planted: the state names no user, Sam is signed in.
      const planted = sam.clone();
      planted.cookies.set('rk_oauth', alexJar.cookies.get('rk_oauth')!);
      await refused(planted, callbackUrl);
    });
  });

  it('PKCE: a code redeemed with another verifier is refused by the provider, and nothing is connected', async () => {
    const jar = new CookieJar();
    const { callbackUrl } = await startConnect(app, jar, 'google', `?login_hint=${ALEX}`);
    const flow = JSON.parse(Buffer.from(jar.cookies.get('rk_oauth')!.split('.')[0]!, 'base64url').toString());
    jar.cookies.set(
      'rk_oauth',
      signToken({ secrets: [LINK_SECRET] }, 'oauth-browser', { ...flow.d, v: 'w'.repeat(43) }, new Date(flow.e * 1000)),
    );
    const before = await accounts();
    const response = await followCallback(app, jar, callbackUrl);
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('did not accept this sign-in');
    expect(await accounts()).toBe(before);
    const tokenCalls = google.requests().filter((r) => r.method === 'oauth.token' || r.path?.includes('token'));
    expect(tokenCalls.at(-1)?.status).toBe(400);
    // And the genuine verifier hashes to the challenge Google was given.
    const { authorizeUrl } = await startConnect(app, jar, 'google', `?login_hint=${ALEX}`);
    const genuine = JSON.parse(Buffer.from(jar.cookies.get('rk_oauth')!.split('.')[0]!, 'base64url').toString()).d.v;
    expect(createHash('sha256').update(genuine).digest('base64url')).toBe(authorizeUrl.searchParams.get('code_challenge'));
  });

  it('a declined consent connects nothing', async () => {
    const jar = new CookieJar();
    const { callbackUrl } = await startConnect(app, jar, 'google', `?login_hint=${ALEX}`);
    const declined = new URL(callbackUrl);
    declined.searchParams.delete('code');
    declined.searchParams.set('error', 'access_denied');
    const response = await followCallback(app, jar, declined);
    expect(response.body).toContain('did not give rekindle access');
    expect(await database.sql`select 1 from accounts where email = ${ALEX}`).toHaveLength(0);
  });

  describe('settings', () => {
    const settingsPage = async (jar: CookieJar) =>
      (await app.inject({ method: 'GET', url: '/settings', headers: { cookie: jar.header() } })).body;
    const post = (jar: CookieJar, url: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
      app.inject({
        method: 'POST',
        url,
        headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded', ...headers },
        payload: form(fields),
      });
    const settings = async () =>
      (await database.sql`select digest_day, digest_hour, timezone, digest_budget, digest_paused_at from users where id = ${samId}`)[0]!;
    const good = { day: '3', hour: '18', timezone: 'America/New_York', budget: '7' };

    it("refuses a change without the CSRF token, with a wrong one, with another session's, or from another origin", async () => {
      const before = await settings();
      const csrf = csrfOf(await settingsPage(sam));
      const other = new CookieJar();
      await connectThroughConsent(app, other, 'google', `?login_hint=${ALEX}`);
      const othersCsrf = csrfOf(await settingsPage(other));
      expect(othersCsrf).not.toBe(csrf);
      for (const [fields, headers] of [
        [good, {}],
        [{ ...good, csrf: 'A'.repeat(43) }, {}],
        [{ ...good, csrf: othersCsrf }, {}],
        [{ ...good, csrf }, { origin: 'https://evil.example' }],
      ] as [Record<string, string>, Record<string, string>][]) {
        const response = await post(sam, '/settings', fields, headers);
        expect(response.statusCode).toBe(403);
      }
      for (const url of ['/settings/pause', '/signout', `/accounts/${'0'.repeat(8)}-0000-0000-0000-${'0'.repeat(12)}/disconnect`]) {
        expect((await post(sam, url, {})).statusCode).toBe(403);
      }
      // Signed out: nothing to act for.
      expect((await post(new CookieJar(), '/settings', { ...good, csrf })).statusCode).toBe(403);
      expect(await settings()).toEqual(before);
    });

    it('saves day, hour, timezone and list size with the token; pauses and resumes', async () => {
      const csrf = csrfOf(await settingsPage(sam));
      const saved = await post(sam, '/settings', { ...good, csrf }, { origin: 'http://rekindle.test' });
      expect(saved.statusCode).toBe(303);
      expect(await settings()).toMatchObject({
        digest_day: 3,
        digest_hour: 18,
        timezone: 'America/New_York',
        digest_budget: 7,
        digest_paused_at: null,
      });
      expect((await post(sam, '/settings', { ...good, timezone: 'Mars/Olympus', csrf })).statusCode).toBe(400);
      expect((await post(sam, '/settings', { ...good, budget: '0', csrf })).statusCode).toBe(400);
      expect((await settings()).timezone).toBe('America/New_York');

      expect((await post(sam, '/settings/pause', { csrf })).statusCode).toBe(303);
      expect((await settings()).digest_paused_at).toBeInstanceOf(Date);
      const status = await app.inject({ method: 'GET', url: '/status', headers: { cookie: sam.header() } });
      expect(status.body).toContain('<strong>paused</strong>');
      expect(status.body).toContain('none while paused');
      expect((await post(sam, '/settings/resume', { csrf })).statusCode).toBe(303);
      expect((await settings()).digest_paused_at).toBeNull();
    });

    it("shows a bounce pause on the status page; disconnects only the user's own mailboxes", async () => {
      await database.sql`update users set digest_paused_at = now(), digest_paused_reason = 'bounced' where id = ${samId}`;
      const status = await app.inject({ method: 'GET', url: '/status', headers: { cookie: sam.header() } });
      expect(status.body).toContain('bounced');
      const csrf = csrfOf(await settingsPage(sam));
      const [alexAccount] = await database.sql<{ id: string }[]>`select id from accounts where email = ${ALEX}`;
      expect((await post(sam, `/accounts/${alexAccount!.id}/disconnect`, { csrf })).statusCode).toBe(404);
      expect(await database.sql`select 1 from accounts where id = ${alexAccount!.id}`).toHaveLength(1);
      const [outlook] = await database.sql<{ id: string }[]>`select id from accounts where email = ${SAM_OUTLOOK}`;
      expect((await post(sam, `/accounts/${outlook!.id}/disconnect`, { csrf })).statusCode).toBe(303);
      expect(await database.sql`select 1 from accounts where id = ${outlook!.id}`).toHaveLength(0);
      expect(await database.sql`select 1 from sync_streams where account_id = ${outlook!.id}`).toHaveLength(0);
    });
  });

  it('/metrics and the queue dashboard need the admin password', async () => {
    expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/admin/queues' })).statusCode).toBe(401);
    const wrong = `Basic ${Buffer.from('admin:nope').toString('base64')}`;
    expect((await app.inject({ method: 'GET', url: '/admin/queues', headers: { authorization: wrong } })).statusCode).toBe(401);
    const auth = `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}`;
    const metrics = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: auth } });
    expect(metrics.statusCode).toBe(200);
    const [account] = await database.sql<{ id: string }[]>`select id from accounts where email = ${SAM}`;
    expect(metrics.body).toMatch(
      new RegExp(`rekindle_sync_lag_seconds\\{account_id="${account!.id}",provider="google",stream="mail"\\} \\d`),
    );
    expect(metrics.body).toContain('rekindle_sync_quota_units_spent{');
    expect(metrics.body).toMatch(/rekindle_queue_jobs\{queue="sync",state="waiting"\} 0/);
    expect(metrics.body).toMatch(/rekindle_accounts\{provider="google",status="active"\} 2/);
    expect(metrics.body).toMatch(/rekindle_digests_sent_total 0/);
    expect(metrics.body).not.toContain(SAM);
    const dashboard = await app.inject({ method: 'GET', url: '/admin/queues', headers: { authorization: auth } });
    expect(dashboard.statusCode).toBe(200);
    expect(dashboard.headers['content-type']).toMatch(/text\/html/);
    const api = await app.inject({ method: 'GET', url: '/admin/queues/api/queues', headers: { authorization: auth } });
    expect(api.statusCode).toBe(200);
    expect((JSON.parse(api.body) as { queues: { name: string }[] }).queues.map((q) => q.name).sort()).toEqual([
      'contacts',
      'digest',
      'sync',
    ]);
  });
  describe("withdrawing rekindle's access at Google", () => {
    const cipher = createTokenCipher(parseTokenKeys(KEY_1));
    const post = (jar: CookieJar, url: string, fields: Record<string, string>) =>
      app.inject({
        method: 'POST',
        url,
        headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
        payload: form(fields),
      });
    const csrfFor = async (jar: CookieJar) =>
      csrfOf((await app.inject({ method: 'GET', url: '/settings', headers: { cookie: jar.header() } })).body);
    const refreshTokenOf = async (email: string) => {
      const [account] = await database.sql<
        { id: string; refreshToken: string }[]
      >`select id, refresh_token as "refreshToken" from accounts where email = ${email}`;
      return { id: account!.id, token: cipher.decrypt(account!.refreshToken, `accounts.refresh_token:${account!.id}`) };
    };
    /** What Google's token endpoint now says of that refresh token. */
    const refreshAnswer = async (refreshToken: string) => {
      const response = await fetch(google.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form({
          grant_type: 'refresh_token',
          refresh_token: refreshToken,
          client_id: google.clientId,
          client_secret: google.clientSecret,
        }),
      });
      return { status: response.status, error: ((await response.json()) as { error?: string }).error };
    };
    const revocations = () => google.requests().filter((r) => r.method === 'oauth.revoke');

    it('disconnecting a Google mailbox revokes the grant: its refresh token is refused from then on', async () => {
      const { id, token } = await refreshTokenOf(SAM);
      expect((await refreshAnswer(token)).status).toBe(200);
      const before = revocations().length;
      expect((await post(sam, `/accounts/${id}/disconnect`, { csrf: await csrfFor(sam) })).statusCode).toBe(303);
      expect(
        revocations()
          .slice(before)
          .map((r) => [r.user, r.status]),
      ).toEqual([[SAM, 200]]);
      expect(await refreshAnswer(token)).toEqual({ status: 400, error: 'invalid_grant' });
    });

    it('deleting the account revokes every Google grant and says so; a grant already gone changes nothing', async () => {
      const ada = new CookieJar();
      google.addMailbox({ email: 'ada@example.com', messages: [] });
      await connectThroughConsent(app, ada, 'google', '?login_hint=ada@example.com');
      const { token } = await refreshTokenOf('ada@example.com');
      const deleted = await post(ada, '/account/delete', { csrf: await csrfFor(ada), confirm: 'yes' });
      expect(deleted.statusCode).toBe(200);
      expect(deleted.body).toContain('Its access to your mailbox is withdrawn.');
      expect(await refreshAnswer(token)).toEqual({ status: 400, error: 'invalid_grant' });
      // Google answers invalid_token for a token it no longer knows: the same end state.
      const again = await fetch(`${new URL('revoke', google.tokenUrl)}?token=${encodeURIComponent(token)}`, { method: 'POST' });
      expect(again.status).toBe(400);
      expect(await again.json()).toMatchObject({ error: 'invalid_token' });
    });
  });
});
