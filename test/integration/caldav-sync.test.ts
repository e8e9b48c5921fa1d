/**
 * The whole calendar path of an IMAP account with a CalDAV server: a real Dovecot for its mail,
 * a real Radicale for its calendar (signed in with the same app password), the real workers over
 * BullMQ on Redis, Postgres. First sync, then what a person does in their calendar app (a new
 * meeting, a moved one, a cancelled one, a deleted one), then a sync token the server forgot:
 * the full resync that follows loses nothing and counts nothing twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setCalendarSources } from '../../src/accounts/calendar-sources.ts';
import { loadConfig } from '../../src/config/env.ts';
import { defaultTokenCipher } from '../../src/security/token-cipher.ts';
import { startWorker, type WorkerHandle } from '../../src/workers/start-worker.ts';
import { createCaldavUser, type CaldavTestUser } from '../../testkit/caldav-calendar.ts';
import { contactsOf } from '../../testkit/contact-truth.ts';
import { startDovecot, type Dovecot } from '../../testkit/dovecot.ts';
import { connectImapUser, createImapUser } from '../../testkit/imap-mailbox.ts';
import { startRadicale, type Radicale } from '../../testkit/radicale.ts';
import { makeDue, streamsOf, testLogger, waitFor, waitUntilSynced } from '../../testkit/sync-harness.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/test-database.ts';
import { createTestPrefix, redisUrl } from '../../testkit/test-redis.ts';

const OWNER = 'sam@example.com';
const DAY = 86_400_000;
const now = Math.floor(Date.now() / 1000) * 1000;
const at = (days: number) => new Date(now + days * DAY).toISOString();

function meeting(summary: string, start: string, guests: string[], status: 'confirmed' | 'cancelled' = 'confirmed') {
  return {
    summary,
    status,
    start: { dateTime: start },
    end: { dateTime: new Date(Date.parse(start) + 3_600_000).toISOString() },
    organizer: { email: OWNER },
    attendees: [
      { email: OWNER, responseStatus: 'accepted' as const, organizer: true },
      ...guests.map((email) => ({ email, responseStatus: 'accepted' as const })),
    ],
  };
}

describe('CalDAV calendar sync of an IMAP account, end to end', () => {
  let database: TestDatabase;
  let dovecot: Dovecot;
  let radicale: Radicale;
  let calendar: CaldavTestUser;
  let worker: WorkerHandle;
  let accountId: string;
  const queue = createTestPrefix('caldav-sync');

  const meetings = async () =>
    database.sql<{ contact: string; occurredAt: Date }[]>`
      select contact, occurred_at as "occurredAt" from interactions where kind = 'meeting' and account_id = ${accountId}
       order by contact, occurred_at`;
  const calendarStream = async () => (await streamsOf(database, accountId)).find((s) => s.stream === 'calendar')!;

  /** Makes the account due and waits for a calendar sync that finished after now, and the contacts after it. */
  async function syncAgain() {
    const [before] = await database.sql<{ last: Date | null }[]>`
      select last_synced_at as last from sync_streams where account_id = ${accountId} and stream = 'calendar'`;
    await makeDue(database, accountId);
    await waitFor('the calendar to sync again', async () => {
      const [row] = await database.sql<{ last: Date | null; lease: string | null }[]>`
        select last_synced_at as last, lease_owner as lease from sync_streams where account_id = ${accountId} and stream = 'calendar'`;
      return row!.last !== null && (before!.last === null || row!.last > before!.last) && row!.lease === null;
    });
    await waitUntilSynced(database, accountId);
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    [dovecot, radicale] = await Promise.all([startDovecot(), startRadicale()]);
    const mailbox = await createImapUser(dovecot, OWNER);
    // Fastmail and iCloud take the mailbox's app password for CalDAV too: so does this server.
    calendar = await createCaldavUser(radicale, OWNER, mailbox.password);
    await calendar.putEvent('ann-1', meeting('Planning', at(-40), ['ann@x.org']));
    await calendar.putEvent('ann-2', meeting('Planning', at(-10), ['ann@x.org']));
    await calendar.putEvent('bo-1', meeting('Lunch', at(-20), ['bo@x.org']));
    await calendar.putEvent('cy-1', meeting('Review', at(-5), ['cy@x.org', 'di@x.org']));
    await calendar.putEvent('ed-next', meeting('Intro', at(12), ['ed@x.org']));

    const config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: database.url,
      REDIS_URL: redisUrl,
      QUEUE_PREFIX: queue.prefix,
      SCHEDULER_TICK_SECONDS: '0.2',
      SYNC_LEASE_SECONDS: '5',
      ALLOW_PRIVATE_SERVERS: 'true',
      SYNC_PAGE_SIZE: '2',
    });
    worker = await startWorker({ config, logger: testLogger() });
    ({ accountId } = await connectImapUser(database.sql, mailbox, { caldav: { url: calendar.settings.url } }));
    await waitUntilSynced(database, accountId);
  }, 120_000);

  afterAll(async () => {
    await worker?.close();
    await database?.drop();
    await dovecot?.destroy();
    await radicale?.destroy();
    await queue.cleanup();
  });

  it('stores the calendar settings without a secret, and the first sync finds everyone met', async () => {
    const [row] = await database.sql<{ sources: unknown; secret: string | null }[]>`
      select calendar_sources as sources, calendar_secret as secret from accounts where id = ${accountId}`;
    expect(row!.sources).toEqual({
      caldav: { url: calendar.settings.url, user: OWNER, ownPassword: false, allowUntrustedCertificate: false },
      ics: null,
    });
    expect(row!.secret).toBeNull();

    const contacts = await contactsOf(database, OWNER);
    expect([...contacts.keys()].sort()).toEqual(['ann@x.org', 'bo@x.org', 'cy@x.org', 'di@x.org']);
    expect(contacts.get('ann@x.org')).toMatchObject({ meetingCount: 2, lastMeetingAt: new Date(at(-10)) });
    // A meeting still to come is known (it keeps Ed off the list) without making Ed a contact yet.
    expect((await meetings()).map((m) => `${m.contact}@${m.occurredAt.toISOString()}`)).toContain(`ed@x.org@${at(12)}`);
    const stream = await calendarStream();
    expect(stream).toMatchObject({ phase: 'incremental', itemsSynced: 5, fullResyncs: 0, lastError: null });
  });

  it('follows a new meeting, a moved one, a cancelled one and a deleted one', async () => {
    await calendar.putEvent('fay-1', meeting('Coffee', at(-2), ['fay@x.org']));
    await calendar.putEvent('bo-1', meeting('Lunch', at(-3), ['bo@x.org']));
    await calendar.putEvent('cy-1', meeting('Review', at(-5), ['cy@x.org', 'di@x.org'], 'cancelled'));
    await calendar.deleteObject('ed-next');
    await syncAgain();

    const contacts = await contactsOf(database, OWNER);
    expect(contacts.get('fay@x.org')).toMatchObject({ meetingCount: 1, lastMeetingAt: new Date(at(-2)) });
    expect(contacts.get('bo@x.org')).toMatchObject({ meetingCount: 1, lastMeetingAt: new Date(at(-3)) });
    for (const gone of ['cy@x.org', 'di@x.org']) expect(contacts.has(gone), gone).toBe(false);
    expect((await meetings()).map((m) => `${m.contact}@${m.occurredAt.toISOString()}`)).toEqual([
      `ann@x.org@${at(-40)}`,
      `ann@x.org@${at(-10)}`,
      `bo@x.org@${at(-3)}`,
      `fay@x.org@${at(-2)}`,
    ]);
    const [events] = await database.sql<{ n: number }[]>`select count(*)::int as n from calendar_events where account_id = ${accountId}`;
    expect(events!.n).toBe(4);
  });

  it('reads every calendar again when the server forgot its sync token, losing nothing and counting nothing twice', async () => {
    const before = await meetings();
    radicale.forgetSyncTokens();
    // While the token is void: one meeting added, one deleted; the full resync must see both.
    await calendar.putEvent('gus-1', meeting('Walk', at(-1), ['gus@x.org']));
    await calendar.deleteObject('fay-1');
    await syncAgain();

    const stream = await calendarStream();
    expect(stream).toMatchObject({ phase: 'incremental', fullResyncs: 1, lastError: null });
    const after = (await meetings()).map((m) => `${m.contact}@${m.occurredAt.toISOString()}`);
    expect(after).toEqual(
      [
        ...before.filter((m) => m.contact !== 'fay@x.org').map((m) => `${m.contact}@${m.occurredAt.toISOString()}`),
        `gus@x.org@${at(-1)}`,
      ].sort(),
    );
    const [events] = await database.sql<{ n: number }[]>`select count(*)::int as n from calendar_events where account_id = ${accountId}`;
    expect(events!.n).toBe(4);
    const contacts = await contactsOf(database, OWNER);
    expect(contacts.get('ann@x.org')!.meetingCount).toBe(2);
    expect(contacts.has('fay@x.org')).toBe(false);
  });

  it('keeps syncing the mail when the calendar cannot be read, and says why on the stream', async () => {
    await setCalendarSources(
      database.sql,
      accountId,
      { caldav: { url: calendar.settings.url, password: 'not-the-password' } },
      defaultTokenCipher(),
    );
    await waitFor('the calendar stream to record its failure', async () => {
      const stream = await calendarStream();
      return stream.lastError !== null && stream.leaseOwner === null ? stream : false;
    });
    const stream = await calendarStream();
    expect(stream.lastError).toMatch(/did not accept this user name and password/);
    const [account] = await database.sql<{ status: string; secret: string | null }[]>`
      select status, calendar_secret as secret from accounts where id = ${accountId}`;
    // Its own password, refused: the mailbox is not the one in trouble.
    expect(account!.status).toBe('active');
    expect(account!.secret).toMatch(/^rk1\./);
    expect(account!.secret).not.toContain('not-the-password');
  });
});
