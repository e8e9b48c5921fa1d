/**
 * Every failure a person must act on shows on their status page, and is emailed once — never
 * once per retry — or, where an email would be wrong, deliberately not at all:
 * - a revoked grant (the Google emulator answers invalid_grant): the sync stops, the status page
 *   offers a reconnect link, exactly one email however many scheduler passes and worker
 *   processes follow; reconnecting clears it, and the next revocation is told once more;
 * - a hard bounce of a digest (a real DSN, through the inbound SMTP listener): paused, the
 *   status page says why, and one notice goes to another mailbox the person connected — never
 *   to the address that bounced; with no other mailbox, no email at all; a second bounce of the
 *   same pause sends nothing more, and a new pause after resuming is told again;
 * - a spam complaint (ARF): paused, shown, and no email, since more mail is what they objected to;
 * - a digest SMTP refused: shown as retrying.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAccount } from '../../src/accounts/connect-account.ts';
import { notifyDigestPause } from '../../src/accounts/notify-digest-pause.ts';
import { notifyReauth } from '../../src/accounts/notify-reauth.ts';
import { queueDueDigests } from '../../src/digest/schedule-digests.ts';
import { sendDigest, type DigestSettings } from '../../src/digest/send-digest.ts';
import { startGoogleEmulator, type GoogleEmulator } from '../../fakes/google/index.ts';
import { createMailer, type Mailer } from '../../src/mailer/create-mailer.ts';
import { startMailCatcher, type MailCatcher } from '../../fakes/mail-catcher.ts';
import { createRedis } from '../../src/queue/connection.ts';
import { handleInboundMessage } from '../../src/replies/handle-reply.ts';
import { startInboundSmtp, type InboundSmtp } from '../../src/replies/inbound-smtp-server.ts';
import { signToken } from '../../src/security/signed-token.ts';
import { buildServer } from '../../src/web/server.ts';
import { startWorker, type WorkerHandle } from '../../src/workers/start-worker.ts';
import { arfComplaint } from '../../testkit/arf-complaint.ts';
import { corpus } from '../../testkit/corpora.ts';
import { seedDigestUser } from '../../testkit/digest-fixtures.ts';
import { sendReply, testReplySettings } from '../../testkit/reply-harness.ts';
import { makeDue, streamsOf, testLogger, waitFor } from '../../testkit/sync-harness.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/test-database.ts';
import { createTestPrefix, redisUrl } from '../../testkit/test-redis.ts';
import { connectThroughConsent, CookieJar, csrfOf, form, LINK_SECRET, webTestConfig } from '../../testkit/web-harness.ts';

const PUBLIC_URL = 'http://rekindle.test';
const MAIL_FROM = 'rekindle <digest@rekindle.test>';
const INBOUND = 'in.rekindle.test';
const DAY = 86_400_000;
const PEOPLE = [
  { email: 'ada@example.org', name: 'Ada Byron', everyDays: 14, lastDaysAgo: 120, conversations: 12 },
  { email: 'bo@example.net', name: 'Bo Chen', everyDays: 30, lastDaysAgo: 200, conversations: 8 },
];

describe('failures a person must act on are shown and told once', () => {
  let database: TestDatabase;
  let google: GoogleEmulator;
  let catcher: MailCatcher;
  let mailer: Mailer;
  let smtp: InboundSmtp;
  let redis: ReturnType<typeof createRedis>;
  let app: ReturnType<typeof buildServer>;
  let base = '';
  const workers: WorkerHandle[] = [];
  const queue = createTestPrefix('visible');
  const config = () =>
    webTestConfig(database, queue.prefix, { google }, { PUBLIC_URL, MAIL_FROM, INBOUND_DOMAIN: INBOUND, SMTP_URL: catcher.url });
  const digestSettings: DigestSettings = { mailFrom: MAIL_FROM, inboundDomain: INBOUND, publicUrl: PUBLIC_URL, budget: 5 };
  const notices = () => ({ sql: database.sql, mailer, logger: testLogger(), settings: { mailFrom: MAIL_FROM, publicUrl: PUBLIC_URL } });

  /** A worker process; its first scheduler pass runs the notice passes at once. */
  const startAWorker = async () => {
    const worker = await startWorker({ config: config(), logger: testLogger(), mailer });
    workers.push(worker);
    await worker.tick();
    return worker;
  };
  const mailTo = (address: string, subject?: RegExp) =>
    catcher.received.filter(
      (m) => m.envelope.to.includes(address) && (!subject || subject.test(m.raw.toString('latin1').match(/^Subject: (.*)$/m)?.[1] ?? '')),
    );
  /** A browser holding that user's session cookie. */
  const sessionOf = (userId: string) => {
    const jar = new CookieJar();
    jar.cookies.set(
      'rk_session',
      signToken({ secrets: [LINK_SECRET] }, 'session', { u: userId, n: randomBytes(8).toString('hex') }, new Date(Date.now() + DAY)),
    );
    return jar;
  };
  const page = async (urlPath: string, jar: CookieJar) =>
    (await fetch(`${base}${urlPath}`, { headers: { cookie: jar.header() }, redirect: 'manual' })).text();
  /** A user with a digest sent this week (or the week `at` falls in). */
  const userWithDigest = async (email: string, at = new Date()) => {
    const { userId, accountId } = await seedDigestUser(database, { email, people: PEOPLE });
    return { userId, accountId, digest: await sendDigestOf(userId, at) };
  };
  const sendDigestOf = async (userId: string, at: Date) => {
    await queueDueDigests(database.sql, { messageIdDomain: 'rekindle.test', now: at });
    const [digest] = await database.sql<{ id: string; token: string; messageId: string }[]>`
      select id, token, message_id as "messageId" from digests where user_id = ${userId} order by created_at desc limit 1`;
    // A running worker's scheduler may have taken this week's digest first; either way it goes out once.
    const outcome = await sendDigest(
      { sql: database.sql, mailer, logger: testLogger(), settings: digestSettings, now: () => at },
      digest!.id,
    );
    expect(['sent', 'not_claimed']).toContain(outcome);
    await waitFor(
      'the digest to be sent',
      async () => (await database.sql`select 1 from digests where id = ${digest!.id} and status = 'sent'`).length > 0,
    );
    return digest!;
  };
  /** A real DSN from the corpus, as a new message each time (inbound mail is deduplicated by Message-ID). */
  const bounce = (token: string, file = 'lhost-postfix-01.eml') => {
    const raw = readFileSync(path.join(corpus('bounces/bsd'), file), 'latin1').replace(
      /^Message-ID:.*$/im,
      `Message-ID: <${randomUUID()}@mx.example.net>`,
    );
    return sendReply({
      port: smtp.port,
      from: 'MAILER-DAEMON@mx.example.net',
      to: `bounce+${token}@${INBOUND}`,
      text: '',
      raw: Buffer.from(raw, 'latin1'),
      envelopeFrom: '',
      dkim: null,
    });
  };
  const textOf = async (mail: { raw: Buffer }) => (await simpleParser(mail.raw)).text ?? '';

  beforeAll(async () => {
    database = await createTestDatabase();
    google = await startGoogleEmulator();
    catcher = await startMailCatcher();
    mailer = createMailer(catcher.url);
    redis = createRedis(redisUrl);
    const replyDeps = {
      sql: database.sql,
      mailer,
      logger: testLogger(),
      settings: testReplySettings({ mailFrom: MAIL_FROM, inboundDomain: INBOUND, publicUrl: PUBLIC_URL, replyWindowDays: 14 }),
    };
    smtp = await startInboundSmtp({
      host: '127.0.0.1',
      port: 0,
      domain: INBOUND,
      logger: testLogger(),
      handle: (raw, envelope) => handleInboundMessage(replyDeps, raw, envelope),
    });
    app = buildServer({ sql: database.sql, redis, config: config() });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.close()));
    await app?.close();
    await smtp?.close();
    redis?.disconnect();
    mailer?.close();
    await catcher?.close();
    await google?.close();
    await database?.drop();
    await queue.cleanup();
  });

  it('a revoked grant: the status page offers a reconnect, and one email however many passes follow; a reconnect clears it', async () => {
    const SAM = 'sam@example.com';
    google.addMailbox({ email: SAM, messages: [] });
    const sam = new CookieJar();
    expect((await connectThroughConsent(app, sam, 'google', `?login_hint=${SAM}`)).response.statusCode).toBe(303);
    const [account] = await database.sql<{ id: string }[]>`select id from accounts where email = ${SAM}`;
    const worker = await startAWorker();
    // An empty mailbox: both streams through their first sync is all there is to wait for.
    await waitFor('the first sync', async () =>
      (await streamsOf(database, account!.id)).every((s) => s.backfillCompletedAt !== null && s.leaseOwner === null),
    );
    const lostAccess = /^rekindle lost access to sam@example\.com$/;

    google.revokeGrants(SAM);
    await makeDue(database, account!.id);
    await waitFor(
      'the grant to be found revoked',
      async () => (await database.sql`select 1 from accounts where id = ${account!.id} and status = 'needs_reauth'`).length > 0,
    );
    // Sync attempts, scheduler passes, a second worker process and direct passes: one email.
    for (let i = 0; i < 3; i++) {
      await makeDue(database, account!.id);
      await worker.tick();
    }
    await startAWorker();
    for (let i = 0; i < 3; i++) await notifyReauth(notices());
    await waitFor('the reconnect email', async () => mailTo(SAM, lostAccess).length > 0);
    expect(mailTo(SAM, lostAccess)).toHaveLength(1);
    expect(await textOf(mailTo(SAM, lostAccess)[0]!)).toContain(`${PUBLIC_URL}/connect/google?login_hint=sam%40example.com`);

    const status = await page('/status', sam);
    expect(status).toContain(`data-needs-reauth="${account!.id}"`);
    expect(status).toContain('rekindle lost access to sam@example.com');
    expect(status).toContain('href="/connect/google?login_hint=sam%40example.com"');

    // Reconnecting (a new grant) clears it; the next revocation is a new failure, told once more.
    expect((await connectThroughConsent(app, sam, 'google', `?login_hint=${SAM}`)).response.statusCode).toBe(303);
    expect(await page('/status', sam)).not.toContain('data-needs-reauth');
    google.revokeGrants(SAM);
    await makeDue(database, account!.id);
    await waitFor(
      'the grant to be found revoked again',
      async () => (await database.sql`select 1 from accounts where id = ${account!.id} and status = 'needs_reauth'`).length > 0,
    );
    for (let i = 0; i < 3; i++) await notifyReauth(notices());
    expect(mailTo(SAM, lostAccess)).toHaveLength(2);
  });

  it('a hard bounce: paused and shown; one notice to another mailbox of theirs, never to the address that bounced; a new pause is told again', async () => {
    const lee = await userWithDigest('lee@example.com');
    const other = await connectAccount(database.sql, {
      userEmail: 'lee@example.com',
      provider: 'google',
      accountEmail: 'lee.home@example.net',
      refreshToken: 'unused',
    });
    // That mailbox's own sync is not what this test is about.
    await database.sql`update sync_streams set phase = 'incremental', backfill_completed_at = now(), next_run_at = now() + interval '1 year' where account_id = ${other.accountId}`;
    const sentToLee = mailTo('lee@example.com').length;

    await bounce(lee.digest.token);
    // The same failure reported again (another DSN quoting the digest) is the same pause.
    await bounce(lee.digest.token, 'rfc3464-01.eml');
    await startAWorker();
    for (let i = 0; i < 3; i++) await notifyDigestPause(notices());
    const told = mailTo('lee.home@example.net', /bounced, so it is paused/);
    expect(told).toHaveLength(1);
    expect(await textOf(told[0]!)).toContain(`${PUBLIC_URL}/settings`);
    expect(mailTo('lee@example.com')).toHaveLength(sentToLee);

    const jar = sessionOf(lee.userId);
    expect(await page('/status', jar)).toContain('id="paused-bounced"');
    expect(await page('/settings', jar)).toContain('Paused because the last list bounced.');

    // Resumed, a later digest bounces too (weeks later, when its people are due again): a new pause, told once more.
    const csrf = csrfOf(await page('/settings', jar));
    const resumed = await fetch(`${base}/settings/resume`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
      body: form({ csrf }),
    });
    expect(resumed.status).toBe(303);
    expect(await page('/status', jar)).not.toContain('paused-bounced');
    const nextWeek = await sendDigestOf(lee.userId, new Date(Date.now() + 63 * DAY));
    await bounce(nextWeek.token);
    for (let i = 0; i < 3; i++) await notifyDigestPause(notices());
    expect(mailTo('lee.home@example.net', /bounced, so it is paused/)).toHaveLength(2);
    expect(mailTo('lee@example.com')).toHaveLength(sentToLee + 1);
  });

  it('a hard bounce with no other mailbox: shown on the status page, and no email to the address that bounced', async () => {
    const kim = await userWithDigest('kim@example.com');
    const before = catcher.received.length;
    await bounce(kim.digest.token);
    await startAWorker();
    for (let i = 0; i < 3; i++) await notifyDigestPause(notices());
    expect(catcher.received.slice(before).map((m) => m.envelope.to)).toEqual([]);
    const [row] =
      await database.sql`select digest_paused_reason, digest_pause_notified_at is not null as told from users where id = ${kim.userId}`;
    expect(row).toEqual({ digest_paused_reason: 'bounced', told: true });
    expect(await page('/status', sessionOf(kim.userId))).toContain('the last one to kim@example.com bounced');
  });

  it('a spam complaint: paused and shown, and no email at all', async () => {
    const zoe = await userWithDigest('zoe@example.com');
    await connectAccount(database.sql, {
      userEmail: 'zoe@example.com',
      provider: 'google',
      accountEmail: 'zoe.home@example.net',
      refreshToken: 'unused',
    });
    await database.sql`update sync_streams set phase = 'incremental', backfill_completed_at = now(), next_run_at = now() + interval '1 year'
      where account_id in (select id from accounts where email = 'zoe.home@example.net')`;
    const arf = arfComplaint({
      inboundDomain: INBOUND,
      digestFrom: MAIL_FROM,
      digestTo: 'zoe@example.com',
      digestMessageId: zoe.digest.messageId,
    });
    const before = catcher.received.length;
    await sendReply({
      port: smtp.port,
      from: 'fbl@isp.example',
      to: `postmaster@${INBOUND}`,
      text: '',
      raw: arf,
      envelopeFrom: '',
      dkim: null,
    });
    await startAWorker();
    for (let i = 0; i < 3; i++) await notifyDigestPause(notices());
    expect(catcher.received.slice(before).map((m) => m.envelope.to)).toEqual([]);
    const jar = sessionOf(zoe.userId);
    expect(await page('/status', jar)).toContain('id="paused-complaint"');
    expect(await page('/settings', jar)).toContain('reported as spam');
  });

  it('a digest the mail server refused: shown as retrying on the status page', async () => {
    const { userId } = await seedDigestUser(database, { email: 'max@example.com', people: PEOPLE });
    catcher.behave = (mail) => (mail.envelope.to.includes('max@example.com') ? { reject: 554, message: 'refused' } : 'accept');
    try {
      await queueDueDigests(database.sql, { messageIdDomain: 'rekindle.test' });
      const [digest] = await database.sql<{ id: string }[]>`select id from digests where user_id = ${userId}`;
      // A running worker's scheduler may take the digest first; it meets the same refusal.
      const outcome = await sendDigest({ sql: database.sql, mailer, logger: testLogger(), settings: digestSettings }, digest!.id);
      expect(['failed', 'not_claimed']).toContain(outcome);
      await waitFor(
        'the refusal to be recorded',
        async () => (await database.sql`select 1 from digests where id = ${digest!.id} and status = 'failed'`).length > 0,
      );
      expect(await page('/status', sessionOf(userId))).toMatch(
        /id="digest-failed">Your list for the week of \d{1,2} [A-Z][a-z]+ \d{4} could not be handed to the mail server; rekindle is trying again/,
      );
    } finally {
      catcher.behave = () => 'accept';
    }
  });
});
