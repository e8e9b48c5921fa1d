/**
 * An `.ics` subscription of an IMAP account, served by a local HTTP server that answers
 * conditional requests as a calendar host does (ETag, If-None-Match, 304), synced by the real
 * workers: first read, unchanged polls that cost a 304 and nothing else, a changed feed that
 * replaces what the feed gave before, and unsubscribing or reconnecting the mailbox without the
 * feed, which take the feed's meetings away at once.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCalendarSources } from '../../src/accounts/check-calendar-sources.ts';
import { setCalendarSources } from '../../src/accounts/calendar-sources.ts';
import { disconnectAccount } from '../../src/accounts/disconnect-account.ts';
import { loadConfig } from '../../src/config/env.ts';
import { defaultTokenCipher } from '../../src/security/token-cipher.ts';
import { startWorker, type WorkerHandle } from '../../src/workers/start-worker.ts';
import { icsOfSeedEvent } from '../../testkit/caldav-calendar.ts';
import { startDovecot, type Dovecot } from '../../testkit/dovecot.ts';
import { connectImapUser, createImapUser, type ImapTestUser } from '../../testkit/imap-mailbox.ts';
import { makeDue, testLogger, waitFor, waitUntilSynced } from '../../testkit/sync-harness.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/test-database.ts';
import { createTestPrefix, redisUrl } from '../../testkit/test-redis.ts';

const OWNER = 'sam@example.com';
const DAY = 86_400_000;
const now = Math.floor(Date.now() / 1000) * 1000;
const at = (days: number) => new Date(now + days * DAY).toISOString();

/** A feed of several meetings in one VCALENDAR, as calendar hosts publish them. */
function feed(meetings: { uid: string; start: string; guest: string }[]): string {
  const objects = meetings.map((m) =>
    icsOfSeedEvent(
      m.uid,
      {
        summary: `With ${m.guest}`,
        start: { dateTime: m.start },
        end: { dateTime: new Date(Date.parse(m.start) + 3_600_000).toISOString() },
        organizer: { email: OWNER },
        attendees: [
          { email: OWNER, responseStatus: 'accepted', organizer: true },
          { email: m.guest, responseStatus: 'accepted' },
        ],
      },
      OWNER,
    ),
  );
  const events = objects.map((o) => o.slice(o.indexOf('BEGIN:VEVENT'), o.indexOf('END:VEVENT') + 'END:VEVENT'.length));
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test feed//EN', ...events, 'END:VCALENDAR', ''].join('\r\n');
}

describe('an .ics subscription of an IMAP account, end to end', () => {
  let database: TestDatabase;
  let dovecot: Dovecot;
  let mailbox: ImapTestUser;
  let worker: WorkerHandle;
  let server: Server;
  let feedUrl: string;
  let accountId: string;
  let body = feed([
    { uid: 'a', start: at(-30), guest: 'ann@x.org' },
    { uid: 'b', start: at(-12), guest: 'bo@x.org' },
  ]);
  const answers: { status: number; conditional: boolean }[] = [];
  const queue = createTestPrefix('ics-feed');

  const meetings = async () =>
    (
      await database.sql<{ m: string }[]>`
      select contact || '@' || to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS') as m
        from interactions where kind = 'meeting' and account_id = ${accountId} order by 1`
    ).map((r) => r.m);
  const day = (days: number) => at(days).slice(0, 19);

  async function syncAgain() {
    const count = answers.length;
    await makeDue(database, accountId);
    await waitFor('the feed to be polled', async () => answers.length > count);
    await waitUntilSynced(database, accountId);
  }

  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url !== '/secret-7f3a/basic.ics') {
        answers.push({ status: 404, conditional: false });
        response.writeHead(404).end();
        return;
      }
      const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`;
      const conditional = request.headers['if-none-match'] !== undefined;
      if (request.headers['if-none-match'] === etag) {
        answers.push({ status: 304, conditional });
        response.writeHead(304, { etag }).end();
        return;
      }
      answers.push({ status: 200, conditional });
      response.writeHead(200, { 'content-type': 'text/calendar; charset=utf-8', etag }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    feedUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/secret-7f3a/basic.ics`;

    database = await createTestDatabase();
    dovecot = await startDovecot();
    mailbox = await createImapUser(dovecot, OWNER);
    const config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: database.url,
      REDIS_URL: redisUrl,
      QUEUE_PREFIX: queue.prefix,
      SCHEDULER_TICK_SECONDS: '0.2',
      SYNC_LEASE_SECONDS: '5',
      ALLOW_PRIVATE_SERVERS: 'true',
    });
    worker = await startWorker({ config, logger: testLogger() });
    ({ accountId } = await connectImapUser(database.sql, mailbox, { ics: { url: feedUrl } }));
    await waitFor('the feed to be read', async () => answers.some((a) => a.status === 200));
    await waitUntilSynced(database, accountId);
  }, 120_000);

  afterAll(async () => {
    await worker?.close();
    await database?.drop();
    await dovecot?.destroy();
    server?.close();
    await queue.cleanup();
  });

  it('is checked before it is saved: how many events it holds, or why it cannot be read', async () => {
    const imap = { user: OWNER, password: mailbox.password, email: OWNER };
    expect(await checkCalendarSources({ ics: { url: feedUrl } }, imap)).toEqual({ ok: true, caldav: null, ics: { events: 2 } });
    const missing = await checkCalendarSources({ ics: { url: feedUrl.replace('basic.ics', 'other.ics') } }, imap);
    expect(missing).toMatchObject({
      ok: false,
      source: 'ics',
      message: expect.stringMatching(/has no calendar at this address \(HTTP 404\)/),
    });
    // The feed's address is a password: no message shows its path.
    expect(JSON.stringify(missing)).not.toContain('secret-7f3a');
  });

  it('keeps the feed address encrypted, and the feed host only in the settings', async () => {
    const [row] = await database.sql<{ sources: unknown; secret: string }[]>`
      select calendar_sources as sources, calendar_secret as secret from accounts where id = ${accountId}`;
    expect(row!.sources).toEqual({ caldav: null, ics: { host: new URL(feedUrl).host, allowUntrustedCertificate: false } });
    expect(row!.secret).toMatch(/^rk1\./);
    expect(row!.secret).not.toContain('secret-7f3a');
  });

  it('turns the feed into meetings', async () => {
    expect(await meetings()).toEqual([`ann@x.org@${day(-30)}`, `bo@x.org@${day(-12)}`]);
  });

  it('costs a 304 and nothing more while the feed is unchanged', async () => {
    const before = await meetings();
    await syncAgain();
    expect(answers.at(-1)).toEqual({ status: 304, conditional: true });
    expect(await meetings()).toEqual(before);
  });

  it('replaces what a changed feed gave before: new, moved and removed meetings', async () => {
    body = feed([
      { uid: 'b', start: at(-8), guest: 'bo@x.org' },
      { uid: 'c', start: at(-2), guest: 'cy@x.org' },
    ]);
    await syncAgain();
    expect(answers.at(-1)).toEqual({ status: 200, conditional: true });
    expect(await meetings()).toEqual([`bo@x.org@${day(-8)}`, `cy@x.org@${day(-2)}`]);
    const [events] = await database.sql<{ n: number }[]>`select count(*)::int as n from calendar_events where account_id = ${accountId}`;
    expect(events!.n).toBe(2);
  });

  it('reconnecting with the same feed keeps its meetings; without it, they go at once; with it again, they come back', async () => {
    const before = await meetings();
    expect(before).toHaveLength(2);
    // A new app password, the same subscription: nothing of the calendar changes.
    await connectImapUser(database.sql, mailbox, { ics: { url: feedUrl } });
    expect(await meetings()).toEqual(before);
    // Reconnected as mail only (the form always names the calendars): the feed and its meetings go, before any sync.
    await connectImapUser(database.sql, mailbox, { caldav: null, ics: null });
    expect(await meetings()).toEqual([]);
    const [row] = await database.sql<{ sources: unknown; secret: string | null; cursor: unknown; phase: string }[]>`
      select a.calendar_sources as sources, a.calendar_secret as secret, s.cursor, s.phase
        from accounts a join sync_streams s on s.account_id = a.id and s.stream = 'calendar' where a.id = ${accountId}`;
    expect(row).toEqual({ sources: null, secret: null, cursor: null, phase: 'backfill' });
    expect(await database.sql`select 1 from calendar_events where account_id = ${accountId}`).toHaveLength(0);
    // Subscribed again: read from scratch, the same meetings.
    await connectImapUser(database.sql, mailbox, { ics: { url: feedUrl } });
    await waitFor('the feed’s meetings to come back', async () => (await meetings()).length === before.length);
    await waitUntilSynced(database, accountId);
    expect(await meetings()).toEqual(before);
  });

  it('takes the feed’s meetings away when the person unsubscribes', async () => {
    await setCalendarSources(database.sql, accountId, {}, defaultTokenCipher());
    await waitFor('the feed’s meetings to go', async () => (await meetings()).length === 0);
    const [row] = await database.sql<{ secret: string | null }[]>`select calendar_secret as secret from accounts where id = ${accountId}`;
    expect(row!.secret).toBeNull();
  });

  it('disconnecting the mailbox takes its calendar sources, their secret and their meetings with it', async () => {
    await connectImapUser(database.sql, mailbox, { ics: { url: feedUrl } });
    await waitFor('the feed’s meetings to come back', async () => (await meetings()).length > 0);
    const [owner] = await database.sql<{ userId: string }[]>`select user_id as "userId" from accounts where id = ${accountId}`;
    const userId = owner!.userId;
    expect(await disconnectAccount(database.sql, userId, accountId)).toMatchObject({ deletedInteractions: 2 });
    expect(await database.sql`select 1 from accounts where id = ${accountId}`).toHaveLength(0);
    expect(await database.sql`select 1 from calendar_events where account_id = ${accountId}`).toHaveLength(0);
    expect(await database.sql`select 1 from interactions where kind = 'meeting' and user_id = ${userId}`).toHaveLength(0);
  });
});
