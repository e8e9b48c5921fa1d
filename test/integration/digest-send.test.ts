/**
 * One digest per user and week, whatever happens to the job: retried, run twice at once,
 * its worker killed while preparing or in the middle of the SMTP conversation, SMTP refusing
 * or dropping the connection. Real Postgres, Redis, SMTP (a catcher on loopback) and, for
 * the crash, a real worker process killed with SIGKILL.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { simpleParser } from 'mailparser';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HeaderMap, headerBlockOf, parseHeaderBlock } from '../../src/mail/header-block.ts';
import { DIGEST_MAX_ATTEMPTS, queueDueDigests } from '../../src/digest/schedule-digests.ts';
import { sendDigest, type SendDigestDeps } from '../../src/digest/send-digest.ts';
import { createMailer, type Mailer } from '../../src/mailer/create-mailer.ts';
import { loadUserStatus } from '../../src/web/user-status.ts';
import { startMailCatcher, type MailCatcher } from '../../fakes/mail-catcher.ts';
import { seedDigestUser } from '../../testkit/digest-fixtures.ts';
import { testLogger, waitFor } from '../../testkit/sync-harness.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/test-database.ts';
import { createTestPrefix, redisUrl } from '../../testkit/test-redis.ts';

const people = [
  { email: 'ada@example.org', name: 'Ada Byron', everyDays: 14, lastDaysAgo: 120, conversations: 12, subject: 'Engines' },
  { email: 'bo@example.net', name: 'Bo Chen', everyDays: 30, lastDaysAgo: 200, conversations: 8 },
  { email: 'cy@example.com', name: 'Cy Young', everyDays: 7, lastDaysAgo: 2, conversations: 20 },
];

describe('sending the weekly digest', () => {
  let database: TestDatabase;
  let catcher: MailCatcher;
  let mailer: Mailer;
  let deps: SendDigestDeps;
  let counter = 0;
  const queue = createTestPrefix('digest-send');
  const settings = {
    mailFrom: 'rekindle <digest@rekindle.test>',
    inboundDomain: 'in.rekindle.test',
    publicUrl: 'https://rekindle.test',
    budget: 5,
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    catcher = await startMailCatcher();
    mailer = createMailer(catcher.url);
    deps = { sql: database.sql, mailer, logger: testLogger(), settings };
  });

  afterAll(async () => {
    mailer?.close();
    await catcher?.close();
    await database?.drop();
    await queue.cleanup();
  });

  let user: { userId: string; email: string };
  beforeEach(async () => {
    const email = `user${++counter}@example.com`;
    const { userId } = await seedDigestUser(database, { email, name: 'Sam Rivera', people });
    user = { userId, email };
    catcher.behave = () => 'accept';
  });
  afterEach(async () => {
    await database.sql`update users set digest_stopped_at = now() where id = ${user.userId}`;
  });

  const mailsTo = (email: string) => catcher.received.filter((m) => m.envelope.to.includes(email));
  const digestOf = async (userId: string) =>
    (
      await database.sql<{ id: string; status: string; attempts: number; weekOf: string }[]>`
      select id, status, attempts, week_of::text as "weekOf" from digests where user_id = ${userId}`
    )[0];
  const queueMine = () => queueDueDigests(database.sql, { messageIdDomain: 'rekindle.test' });
  const mine = async () => {
    await queueMine();
    return digestOf(user.userId);
  };

  it('queues one digest per user and week, however often and however concurrently the scheduler runs', async () => {
    await Promise.all([queueMine(), queueMine(), queueMine()]);
    await queueMine();
    const rows = await database.sql`select status from digests where user_id = ${user.userId}`;
    expect(rows.map((r) => r.status)).toEqual(['queued']);
  });

  it('sends once when the job is retried or runs twice at once', async () => {
    const digest = (await mine())!;
    const outcomes = await Promise.all([sendDigest(deps, digest.id), sendDigest(deps, digest.id)]);
    expect(outcomes.sort()).toEqual(['not_claimed', 'sent']);
    expect(await sendDigest(deps, digest.id)).toBe('not_claimed');
    await queueMine();
    expect(await sendDigest(deps, digest.id)).toBe('not_claimed');
    expect(mailsTo(user.email)).toHaveLength(1);
    expect((await digestOf(user.userId))!.status).toBe('sent');
    const items = await database.sql`select position, contact from digest_items where digest_id = ${digest.id} order by position`;
    expect(items.map((i) => [i.position, i.contact])).toEqual([
      [1, 'ada@example.org'],
      [2, 'bo@example.net'],
    ]);
  });

  it('sends once when the worker died while preparing (its claim lapses and the digest is queued again)', async () => {
    const digest = (await mine())!;
    // What a worker killed between claiming and recording the send leaves behind, once its lease ran out.
    await database.sql`update digests set status = 'preparing', attempts = 1, lease_until = now() - interval '1 second' where id = ${digest.id}`;
    expect(await queueDueDigests(database.sql, { messageIdDomain: 'rekindle.test' })).toContain(digest.id);
    expect(await sendDigest(deps, digest.id)).toBe('sent');
    expect(mailsTo(user.email)).toHaveLength(1);
    expect((await digestOf(user.userId))!.attempts).toBe(2);
  });

  it('tries again later when SMTP refuses the digest, and then sends it once', async () => {
    catcher.behave = () => ({ reject: 451, message: 'Try again later' });
    const digest = (await mine())!;
    expect(await sendDigest(deps, digest.id)).toBe('failed');
    expect((await digestOf(user.userId))!.status).toBe('failed');
    // Not before its retry time…
    expect(await queueDueDigests(database.sql, { messageIdDomain: 'rekindle.test' })).not.toContain(digest.id);
    catcher.behave = () => 'accept';
    await database.sql`update digests set lease_until = now() - interval '1 second' where id = ${digest.id}`;
    expect(await queueDueDigests(database.sql, { messageIdDomain: 'rekindle.test' })).toContain(digest.id);
    expect(await sendDigest(deps, digest.id)).toBe('sent');
    expect(mailsTo(user.email).length).toBe(2);
    expect(catcher.accepted.filter((m) => m.envelope.to.includes(user.email))).toHaveLength(1);
  });

  it('counts SMTP refusals, not claims lost to crashes: five refusals give up, four crashes before them do not', async () => {
    catcher.behave = () => ({ reject: 451, message: 'Try again later' });
    const digest = (await mine())!;
    // Four claims lost to workers killed while preparing (each lease ran out): no refusal among them.
    await database.sql`update digests set status = 'preparing', attempts = 4, lease_until = now() - interval '1 second' where id = ${digest.id}`;
    const retryNow = () => database.sql`update digests set lease_until = now() - interval '1 second' where id = ${digest.id}`;
    for (let refusal = 1; refusal <= DIGEST_MAX_ATTEMPTS; refusal++) {
      expect(await queueDueDigests(database.sql, { messageIdDomain: 'rekindle.test' }), `try ${refusal}`).toContain(digest.id);
      expect(await sendDigest(deps, digest.id)).toBe('failed');
      const [row] = await database.sql<{ refusals: number; attempts: number }[]>`
        select smtp_refusals as refusals, attempts from digests where id = ${digest.id}`;
      expect(row).toEqual({ refusals: refusal, attempts: 4 + refusal });
      await retryNow();
    }
    // SMTP refused it five times: given up, and the status page says so.
    expect(await queueDueDigests(database.sql, { messageIdDomain: 'rekindle.test' })).not.toContain(digest.id);
    expect((await loadUserStatus(database.sql, user.userId))!.lastDigest).toMatchObject({
      status: 'failed',
      attempts: DIGEST_MAX_ATTEMPTS,
    });
  });

  it('counts an unreachable SMTP server as not sent, to be tried again', async () => {
    const unreachable = createMailer('smtp://127.0.0.1:1');
    try {
      const digest = (await mine())!;
      expect(await sendDigest({ ...deps, mailer: unreachable }, digest.id)).toBe('failed');
      const [row] = await database.sql`select status, last_error from digests where id = ${digest.id}`;
      expect(row!.status).toBe('failed');
      expect(row!.last_error).toMatch(/ECONNREFUSED|connect/i);
    } finally {
      unreachable.close();
    }
  });

  it('does not queue again on its own a digest whose connection broke after the message went out (the mailbox check decides)', async () => {
    catcher.behave = () => 'drop';
    const digest = (await mine())!;
    expect(await sendDigest(deps, digest.id)).toBe('unknown');
    catcher.behave = () => 'accept';
    await database.sql`update digests set lease_until = now() - interval '1 hour' where id = ${digest.id}`;
    expect(await queueDueDigests(database.sql, { messageIdDomain: 'rekindle.test' })).not.toContain(digest.id);
    expect(await sendDigest(deps, digest.id)).toBe('not_claimed');
    expect(mailsTo(user.email)).toHaveLength(1);
  });

  it('sends no email when nobody is due, and does not try again that week', async () => {
    await database.sql`insert into contact_marks (user_id, contact, status, marked_at)
                       select ${user.userId}, unnest(${['ada@example.org', 'bo@example.net']}::text[]), 'never', now()`;
    const digest = (await mine())!;
    expect(await sendDigest(deps, digest.id)).toBe('empty');
    expect(await queueDueDigests(database.sql, { messageIdDomain: 'rekindle.test' })).not.toContain(digest.id);
    expect(mailsTo(user.email)).toHaveLength(0);
  });

  it('writes the headers a digest needs, with a Message-ID of its own', async () => {
    const digest = (await mine())!;
    await sendDigest(deps, digest.id);
    const [row] = await database.sql<
      { token: string; messageId: string }[]
    >`select token, message_id as "messageId" from digests where id = ${digest.id}`;
    const raw = mailsTo(user.email)[0]!.raw;
    const mail = await simpleParser(raw);
    const header = new HeaderMap(parseHeaderBlock(headerBlockOf(raw.toString('latin1'))));
    expect(mail.messageId).toBe(row!.messageId);
    expect(row!.messageId).toMatch(/^<rk\.[0-9a-f]{32}@rekindle\.test>$/);
    expect(mail.replyTo?.value[0]?.address).toBe(`reply+${row!.token}@in.rekindle.test`);
    expect(header.get('Auto-Submitted')).toBe('auto-generated');
    expect(header.get('List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    expect(header.get('List-Unsubscribe')?.replace(/\s+/g, ' ').trim()).toBe(
      `<mailto:reply+${row!.token}@in.rekindle.test?subject=unsubscribe>, <https://rekindle.test/digest/unsubscribe/${row!.token}>`,
    );
    expect(mail.subject).toBe('Reconnect this week: Ada Byron and Bo Chen');
    expect(mail.text).toMatch(/^1\. Ada Byron <ada@example\.org>$/m);
    expect(mail.html).toContain('id="entry-2"');
  });

  it('does not queue a digest while the first sync runs, for a user who stopped digests, or before the slot', async () => {
    const early = await seedDigestUser(database, { email: `tz${counter}@example.com`, timezone: 'Pacific/Auckland', people });
    // Monday 07:59 in Auckland is Sunday 19:59 UTC; the slot is 08:00 local.
    const before = new Date('2025-06-01T19:59:00Z');
    const after = new Date('2025-06-01T20:00:00Z');
    const weekOf = async () => (await digestOf(early.userId))?.weekOf;
    await queueDueDigests(database.sql, { messageIdDomain: 'x', now: before });
    expect(await weekOf()).toBe('2025-05-26');
    await queueDueDigests(database.sql, { messageIdDomain: 'x', now: after });
    expect((await database.sql`select week_of::text as w from digests where user_id = ${early.userId} order by w`).map((r) => r.w)).toEqual(
      ['2025-05-26', '2025-06-02'],
    );

    const syncing = await seedDigestUser(database, { email: `syncing${counter}@example.com`, people });
    await database.sql`update sync_streams set backfill_completed_at = null where account_id = ${syncing.accountId} and stream = 'mail'`;
    const stopped = await seedDigestUser(database, { email: `stopped${counter}@example.com`, people });
    await database.sql`update users set digest_stopped_at = now() where id = ${stopped.userId}`;
    const badZone = await seedDigestUser(database, { email: `zone${counter}@example.com`, timezone: 'Mars/Olympus_Mons', people });
    await queueMine();
    for (const id of [syncing.userId, stopped.userId, badZone.userId]) expect(await digestOf(id)).toBeUndefined();
    await database.sql`update users set digest_stopped_at = now() where id = any(${[early.userId, syncing.userId, badZone.userId]}::uuid[])`;
  });

  it('sends once when a real worker process is killed in the middle of the SMTP conversation', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    catcher.behave = (mail) => (mail.envelope.to.includes(user.email) ? { hold: held } : 'accept');
    const child = spawn(process.execPath, [fileURLToPath(new URL('../../src/cli.ts', import.meta.url)), 'work'], {
      env: {
        ...process.env,
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        DATABASE_URL: database.url,
        REDIS_URL: redisUrl,
        QUEUE_PREFIX: queue.prefix,
        SMTP_URL: catcher.url,
        MAIL_FROM: settings.mailFrom,
        INBOUND_DOMAIN: settings.inboundDomain,
        SCHEDULER_TICK_SECONDS: '0.2',
      },
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      // The whole message has reached the server, which has not answered yet: kill the worker now.
      await waitFor('the digest to reach SMTP', async () => mailsTo(user.email).length === 1, 30_000);
      child.kill('SIGKILL');
      await exited;
    } finally {
      child.kill('SIGKILL');
      release();
    }
    const digest = (await digestOf(user.userId))!;
    expect(digest.status).toBe('sending');
    // Whatever runs next — the scheduler, a retry of the job — leaves it alone.
    await database.sql`update digests set lease_until = now() - interval '1 hour' where id = ${digest.id}`;
    expect(await queueDueDigests(database.sql, { messageIdDomain: 'rekindle.test' })).not.toContain(digest.id);
    expect(await sendDigest(deps, digest.id)).toBe('not_claimed');
    expect(mailsTo(user.email)).toHaveLength(1);
  });
});
