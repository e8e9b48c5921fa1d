/**
 * A digest whose SMTP answer was lost is settled from the recipient's own mailbox: the real
 * worker sends over real SMTP (a catcher that drops the connection after the final dot), the
 * catcher delivers — or not — into the user's Gmail (the emulator), and the worker's sync of
 * that mailbox decides. Delivered → found there and marked sent, never sent twice; lost → sent
 * again after DIGEST_RESEND_AFTER_HOURS (here a few seconds), as the very same message.
 */
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGoogleEmulator, type GoogleEmulator } from '../../fakes/google/index.ts';
import { startMailCatcher, type CaughtMail, type MailCatcher } from '../../fakes/mail-catcher.ts';
import { recomputeContacts } from '../../src/contact-store/recompute-contacts.ts';
import { startWorker, type WorkerHandle } from '../../src/workers/start-worker.ts';
import { seedDigestUser } from '../../testkit/digest-fixtures.ts';
import { connectEmulatedGoogle, testConfig, testLogger, waitFor } from '../../testkit/sync-harness.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/test-database.ts';
import { createTestPrefix } from '../../testkit/test-redis.ts';

const PEOPLE = [
  { email: 'ada@example.org', name: 'Ada Byron', everyDays: 14, lastDaysAgo: 120, conversations: 12 },
  { email: 'bo@example.net', name: 'Bo Chen', everyDays: 30, lastDaysAgo: 200, conversations: 8 },
];
/** The catcher's first answer to DELIVERED drops the connection after it took the message; to LOST it drops it unkept. */
const DELIVERED = 'dee@example.com';
const LOST = 'lou@example.com';

describe('a digest whose SMTP answer was lost', () => {
  let database: TestDatabase;
  let google: GoogleEmulator;
  let catcher: MailCatcher;
  let worker: WorkerHandle | undefined;
  const queue = createTestPrefix('digest-unknown');
  /** Copies delivered into each user's mailbox, by recipient and Message-ID. */
  const seen = new Map<string, number>();

  const digestOf = async (email: string) =>
    (
      await database.sql<{ status: string; attempts: number; messageId: string; smtpResponse: string | null }[]>`
      select d.status, d.attempts, d.message_id as "messageId", d.smtp_response as "smtpResponse"
        from digests d join users u on u.id = d.user_id where u.email = ${email}`
    )[0];
  const received = (email: string): CaughtMail[] => catcher.received.filter((m) => m.envelope.to.includes(email));

  beforeAll(async () => {
    database = await createTestDatabase();
    google = await startGoogleEmulator();
    catcher = await startMailCatcher();
    const deliver = (mail: CaughtMail) => {
      const to = mail.envelope.to[0]!;
      const raw = mail.raw.toString('utf8');
      google.addMessage(to, { raw, labelIds: ['INBOX', 'UNREAD'] });
      const id = /^Message-ID:\s*(<[^>]+>)/im.exec(raw)?.[1] ?? '?';
      seen.set(`${to} ${id}`, (seen.get(`${to} ${id}`) ?? 0) + 1);
    };
    catcher.behave = (mail) => {
      const to = mail.envelope.to[0]!;
      const first = received(to).length === 1;
      if (first && to === DELIVERED) {
        deliver(mail);
        return 'drop';
      }
      if (first && to === LOST) return 'drop';
      deliver(mail);
      return 'accept';
    };
    for (const email of [DELIVERED, LOST]) {
      google.addMailbox({ email, messages: [] });
      const { userId } = await seedDigestUser(database, { email, people: PEOPLE });
      const { accountId } = await connectEmulatedGoogle(database, google, email);
      // The first sync is long done: the mailbox is followed from Gmail's current history.
      await database.sql`
        update sync_streams set phase = 'incremental', backfill_completed_at = now(), last_synced_at = now(),
               cursor = ${database.sql.json({ stage: 'history', historyId: google.historyId(email) })}, next_run_at = now() + interval '1 year'
         where account_id = ${accountId}`;
      await recomputeContacts(database.sql, userId);
    }
    const config = testConfig(database, queue.prefix, google, {
      SMTP_URL: catcher.url,
      MAIL_FROM: 'rekindle <digest@rekindle.test>',
      INBOUND_DOMAIN: 'in.rekindle.test',
      // Long: only the digest's own request for a look makes the mailbox sync.
      SYNC_INTERVAL_MINUTES: '600',
      DIGEST_RESEND_AFTER_HOURS: '0.002',
    });
    worker = await startWorker({ config, logger: testLogger() });
  });
  afterAll(async () => {
    await worker?.close();
    await catcher?.close();
    await google?.close();
    await database?.drop();
    await queue.cleanup();
  });

  it('delivered although the connection dropped: found in the mailbox by its Message-ID, marked sent, not sent again', {
    timeout: 90_000,
  }, async () => {
    const digest = await waitFor('the delivered digest to be found', async () => {
      const d = await digestOf(DELIVERED);
      return d?.status === 'sent' ? d : false;
    });
    expect(digest.smtpResponse).toBe("no answer from SMTP; found in the recipient's synced mailbox");
    expect(digest.attempts).toBe(1);
    expect(received(DELIVERED)).toHaveLength(1);
    expect(seen.get(`${DELIVERED} ${digest.messageId}`)).toBe(1);
    const [stored] = await database.sql<{ n: number }[]>`
      select count(*)::int as n from mail_messages where internet_message_id = ${digest.messageId.slice(1, -1)}`;
    expect(stored!.n).toBe(1);
  });

  it('lost: not in the mailbox after the deadline and a sync since, so sent again — the same message, once more', {
    timeout: 90_000,
  }, async () => {
    const digest = await waitFor('the lost digest to be sent again', async () => {
      const d = await digestOf(LOST);
      return d?.status === 'sent' ? d : false;
    });
    expect(digest.attempts).toBe(2);
    const [first, second] = received(LOST);
    expect(received(LOST)).toHaveLength(2);
    const [a, b] = await Promise.all([simpleParser(first!.raw), simpleParser(second!.raw)]);
    expect(b.messageId).toBe(digest.messageId);
    expect(a.messageId).toBe(digest.messageId);
    expect(b.date?.toISOString()).toBe(a.date?.toISOString());
    expect(b.subject).toBe(a.subject);
    expect(b.text).toBe(a.text);
    // The recipient's mailbox holds it once: the first copy never arrived.
    expect(seen.get(`${LOST} ${digest.messageId}`)).toBe(1);
  });
});
