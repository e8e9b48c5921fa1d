/**
 * Secrets stay secret. With the production logger at trace level writing into this test, a
 * mailbox is connected through OAuth (code, PKCE, tokens), synced, synced again after its
 * access token expired (a refresh), a digest with signed links is sent, a reply comes in over
 * the webhook, admin and webhook secrets are tried wrong and right, and finally the grant is
 * revoked (the token endpoint's error, which googleapis decorates with its request, travels
 * through the logs' error path). Not one line may hold a refresh or access token, an OAuth
 * code or state, the client secret, the link secret, a session or link token, the admin
 * password, the webhook secret or the token key. And the tokens are nowhere in the database in
 * plaintext: every column of every table is read back as text and searched.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notifyReauth } from '../../src/accounts/notify-reauth.ts';
import { startGoogleEmulator, type GoogleEmulator } from '../../fakes/google/index.ts';
import { composeMail, createMailer, type Mailer } from '../../src/mailer/create-mailer.ts';
import { startMailCatcher, type MailCatcher } from '../../fakes/mail-catcher.ts';
import { createLogger } from '../../src/log.ts';
import { createRedis } from '../../src/queue/connection.ts';
import { handleInboundMessage } from '../../src/replies/handle-reply.ts';
import { createTokenCipher, parseTokenKeys, tokenContext } from '../../src/security/token-cipher.ts';
import { buildServer } from '../../src/web/server.ts';
import { startWorker, type WorkerHandle } from '../../src/workers/start-worker.ts';
import { seedDigestUser } from '../../testkit/digest-fixtures.ts';
import { testReplySettings } from '../../testkit/reply-harness.ts';
import { makeDue, streamsOf, waitFor } from '../../testkit/sync-harness.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/test-database.ts';
import { createTestPrefix, redisUrl } from '../../testkit/test-redis.ts';
import { ADMIN_PASSWORD, connectThroughConsent, CookieJar, KEY_1, LINK_SECRET, webTestConfig } from '../../testkit/web-harness.ts';

const SAM = 'sam@example.com';
const KIM = 'kim@example.com';
const PUBLIC_URL = 'http://rekindle.test';
const MAIL_FROM = 'rekindle <digest@rekindle.test>';
const INBOUND = 'in.rekindle.test';
const CLIENT_SECRET = `client-secret-${randomBytes(12).toString('hex')}`;
const WEBHOOK_SECRET = `webhook-secret-${randomBytes(16).toString('hex')}`;
const DAY = 86_400_000;

const header = (name: string, value: string) => ({ name, value });
/** A small two-way history, so the sync has pages to read and people to find. */
function history(): { headers: { name: string; value: string }[]; labelIds: string[] }[] {
  return Array.from({ length: 12 }, (_, i) => {
    const sent = i % 2 === 0;
    const other = `friend${i % 3}@example.org`;
    return {
      labelIds: [sent ? 'SENT' : 'INBOX'],
      headers: [
        header('From', sent ? SAM : other),
        header('To', sent ? other : SAM),
        header('Subject', `Plans ${i}`),
        header('Date', new Date(Date.now() - (200 - i * 10) * DAY).toUTCString()),
        header('Message-ID', `<m${i}-${randomUUID()}@example.org>`),
      ],
    };
  });
}

describe('secrets are never logged, and tokens never stored in plaintext', () => {
  let database: TestDatabase;
  let google: GoogleEmulator;
  let catcher: MailCatcher;
  let mailer: Mailer;
  let redis: ReturnType<typeof createRedis>;
  let app: ReturnType<typeof buildServer>;
  let worker: WorkerHandle | null = null;
  let base = '';
  const queue = createTestPrefix('secrets');
  const lines: string[] = [];
  /** Every secret value seen on the way, to look for afterwards. */
  const secrets = new Map<string, string>();
  const plaintextTokens: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    google = await startGoogleEmulator({ clientSecret: CLIENT_SECRET });
    google.addMailbox({ email: SAM, messages: history() });
    catcher = await startMailCatcher();
    mailer = createMailer(catcher.url);
    redis = createRedis(redisUrl);
  });
  afterAll(async () => {
    await worker?.close();
    await app?.close();
    redis?.disconnect();
    mailer?.close();
    await catcher?.close();
    await google?.close();
    await database?.drop();
    await queue.cleanup();
  });

  it('runs connect, sync, token refresh, a digest, a reply, wrong and right secrets and a revoked grant with every log line captured', async () => {
    // The production logger, at its most talkative, writing here.
    const logger = createLogger('trace', { write: (line: string) => void lines.push(line) });
    const config = webTestConfig(
      database,
      queue.prefix,
      { google },
      {
        PUBLIC_URL,
        MAIL_FROM,
        INBOUND_DOMAIN: INBOUND,
        SMTP_URL: catcher.url,
        LOG_LEVEL: 'trace',
        INBOUND_WEBHOOK_SECRET: WEBHOOK_SECRET,
        TRUSTED_AUTHSERV_IDS: 'mx.rekindle.test',
      },
    );
    const replyDeps = {
      sql: database.sql,
      mailer,
      logger,
      settings: testReplySettings({
        mailFrom: MAIL_FROM,
        inboundDomain: INBOUND,
        publicUrl: PUBLIC_URL,
        replyWindowDays: 14,
        linkKeys: { secrets: [LINK_SECRET] },
      }),
    };
    app = buildServer({
      sql: database.sql,
      redis,
      config,
      logger,
      replies: {
        webhook: {
          secret: WEBHOOK_SECRET,
          maxBytes: 100_000,
          logger,
          handle: (raw, envelope) => handleInboundMessage(replyDeps, raw, envelope),
        },
      },
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

    // Connect: the code, the state and the session are secrets too.
    const jar = new CookieJar();
    const { callbackUrl, response } = await connectThroughConsent(app, jar, 'google', `?login_hint=${SAM}`);
    expect(response.statusCode).toBe(303);
    secrets.set('OAuth code', callbackUrl.searchParams.get('code')!);
    secrets.set('OAuth state', callbackUrl.searchParams.get('state')!);
    secrets.set('session cookie', jar.cookies.get('rk_session')!);
    // Replaying the spent code and a bad state are logged as refusals.
    await fetch(`${base}${callbackUrl.pathname}${callbackUrl.search}`, { headers: { cookie: jar.header() } });
    await fetch(`${base}/oauth/google/callback?code=${encodeURIComponent(callbackUrl.searchParams.get('code')!)}&state=forged`);

    // Admin and webhook, with wrong and right secrets.
    const basic = (p: string) => `Basic ${Buffer.from(`admin:${p}`).toString('base64')}`;
    await fetch(`${base}/metrics`, { headers: { authorization: basic('wrong-password-123') } });
    expect((await fetch(`${base}/metrics`, { headers: { authorization: basic(ADMIN_PASSWORD) } })).status).toBe(200);
    await fetch(`${base}/inbound/email`, {
      method: 'POST',
      headers: { authorization: 'Bearer wrong', 'content-type': 'message/rfc822' },
      body: 'x',
    });

    // Sync, then an expired access token: the refresh is logged, the token is not.
    const [account] = await database.sql<{ id: string }[]>`select id from accounts where email = ${SAM}`;
    worker = await startWorker({ config, logger, mailer });
    const synced = async () =>
      (await streamsOf(database, account!.id)).every((s) => s.backfillCompletedAt !== null && s.leaseOwner === null);
    await waitFor('the first sync', synced);
    const refreshesBefore = google.requests(SAM).filter((r) => r.method === 'oauth.token').length;
    google.expireAccessTokens(SAM);
    await makeDue(database, account!.id);
    await waitFor(
      'a token refresh',
      async () => google.requests(SAM).filter((r) => r.method === 'oauth.token').length > refreshesBefore && (await synced()),
    );

    // The tokens as stored, decrypted: what must appear in no log line.
    const cipher = createTokenCipher(parseTokenKeys(KEY_1));
    const [row] = await database.sql<
      { refresh: string; access: string }[]
    >`select refresh_token as refresh, access_token as access from accounts where id = ${account!.id}`;
    for (const [name, column, stored] of [
      ['refresh token', 'refresh_token', row!.refresh],
      ['access token', 'access_token', row!.access],
    ] as const) {
      expect(stored, `${name} at rest`).toMatch(/^rk1\.k1\.[\w-]+\.[\w-]+\.[\w-]+$/);
      const plaintext = cipher.decrypt(stored, tokenContext(column, account!.id));
      secrets.set(name, plaintext);
      plaintextTokens.push(plaintext);
    }

    // A digest with signed links (its own user, so its people are due), and a reply to it.
    const kim = await seedDigestUser(database, {
      email: KIM,
      people: [{ email: 'ada@example.org', name: 'Ada', everyDays: 14, lastDaysAgo: 120, conversations: 12 }],
    });
    const digest = await waitFor('the digest', async () => {
      await worker!.tick();
      const [d] = await database.sql<
        { token: string; messageId: string }[]
      >`select token, message_id as "messageId" from digests where user_id = ${kim.userId} and status = 'sent'`;
      return d;
    });
    const mail = catcher.received.find((m) => m.envelope.to.includes(KIM))!.raw.toString('latin1');
    const link = /\/d\/([\w.-]{40,})/.exec(mail.replace(/=\r?\n/g, ''))![1]!;
    secrets.set('action link token', link);
    expect((await fetch(`${base}/d/${link}`)).status).toBe(200);
    const reply = await composeMail({
      from: KIM,
      to: `reply+${digest.token}@${INBOUND}`,
      subject: 'Re: list',
      text: 'done 1',
      messageId: `<${randomUUID()}@example.com>`,
      references: [digest.messageId],
      headers: {
        'Authentication-Results': 'mx.rekindle.test; dkim=pass header.d=example.com; dmarc=pass (p=reject) header.from=example.com',
      },
    });
    const hooked = await fetch(`${base}/inbound/email`, {
      method: 'POST',
      headers: { authorization: `Bearer ${WEBHOOK_SECRET}`, 'content-type': 'message/rfc822' },
      body: new Uint8Array(reply),
    });
    expect(await hooked.json()).toEqual({ outcome: 'applied' });

    // A revoked grant: the token endpoint's error goes through the error paths of the logs.
    google.revokeGrants(SAM);
    await makeDue(database, account!.id);
    await waitFor(
      'the revocation to be noticed',
      async () => (await database.sql`select 1 from accounts where id = ${account!.id} and status = 'needs_reauth'`).length > 0,
    );
    await notifyReauth({ sql: database.sql, mailer, logger, settings: { mailFrom: MAIL_FROM, publicUrl: PUBLIC_URL } });
    await worker.close();
    worker = null;

    // The capture saw the whole story.
    const messages = new Set(lines.map((l) => (JSON.parse(l) as { msg?: string }).msg));
    for (const expected of [
      'mailbox connected',
      'oauth callback refused',
      'google access token refreshed',
      'digest sent',
      'reconnect notice sent',
    ]) {
      expect(messages, expected).toContain(expected);
    }
  });

  it('no log line holds a token, code, state, session, link, client secret, link secret, password, webhook secret or token key', () => {
    const log = lines.join('');
    expect(lines.length).toBeGreaterThan(20);
    const fixed: [string, string][] = [
      ['client secret', CLIENT_SECRET],
      ['link secret', LINK_SECRET],
      ['admin password', ADMIN_PASSWORD],
      ['webhook secret', WEBHOOK_SECRET],
      ['token key', KEY_1.slice(KEY_1.indexOf(':') + 1)],
    ];
    for (const [name, value] of [...secrets, ...fixed]) {
      expect(value.length, name).toBeGreaterThan(8);
      expect(log.includes(value), `${name} in the logs`).toBe(false);
      // URL-encoded too (a token in a logged URL).
      expect(log.includes(encodeURIComponent(value)), `${name} (URL-encoded) in the logs`).toBe(false);
    }
    // Whatever the emulator issued, by shape: Google access tokens, refresh tokens and codes.
    expect(log).not.toMatch(/ya29\.[\w-]{8,}/);
    expect(log).not.toMatch(/1\/\/[\w-]{8,}/);
    expect(log).not.toMatch(/[?&]code=4\/|"4\/[\w-]{8,}/);
    expect(log).not.toMatch(/Bearer [\w.-]{8,}/i);
  });

  it('the tokens are in no column of any table in plaintext (what a database dump would show)', async () => {
    expect(plaintextTokens).toHaveLength(2);
    const tables = await database.sql<
      { name: string }[]
    >`select quote_ident(table_name) as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`;
    expect(tables.length).toBeGreaterThan(10);
    for (const { name } of tables) {
      const rows = await database.sql.unsafe<{ t: string }[]>(`select t::text as t from ${name} t`);
      const dump = rows.map((r) => r.t).join('\n');
      for (const token of plaintextTokens) expect(dump.includes(token), `a token in plaintext in ${name}`).toBe(false);
    }
  });
});
