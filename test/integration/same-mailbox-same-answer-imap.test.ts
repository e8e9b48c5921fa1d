/**
 * Same mailbox, same answer, for IMAP and CalDAV: the sample mailbox is served once by the Gmail
 * and Google Calendar emulator and once by real servers: its mail by a Dovecot (filed into Sent,
 * INBOX, Archive, Junk, Trash and Drafts as Gmail's labels say), its meetings by a Radicale (one
 * iCalendar object per event, signed in with the mailbox's app password). Each side is synced by
 * real workers into its own database. The contacts (mail and meetings), the reconnect list and
 * the digest preview must come out identical.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAccount } from '../../src/accounts/connect-account.ts';
import { renderContacts } from '../../src/cli/contacts-command.ts';
import { renderPreview } from '../../src/cli/digest-command.ts';
import { buildSampleMailbox } from '../../fakes/demo/sample-mailbox.ts';
import { startGoogleEmulator, type GoogleEmulator } from '../../fakes/google/index.ts';
import { startWorker } from '../../src/workers/start-worker.ts';
import { createCaldavUser } from '../../testkit/caldav-calendar.ts';
import { contactsOf } from '../../testkit/contact-truth.ts';
import { startDovecot, type Dovecot } from '../../testkit/dovecot.ts';
import { createImapUser, imapMessageOfSeed } from '../../testkit/imap-mailbox.ts';
import { startRadicale, type Radicale } from '../../testkit/radicale.ts';
import { connectEmulatedGoogle, testConfig, testLogger, waitUntilSynced } from '../../testkit/sync-harness.ts';
import { comparable, computedContacts, createPausedUser, previewContext, reconnectList, type Side } from '../../testkit/same-answer.ts';
import { createTestDatabase } from '../../testkit/test-database.ts';
import { createTestPrefix } from '../../testkit/test-redis.ts';

const now = new Date(Math.floor(Date.now() / 1000) * 1000);
const asOf = new Date(now.getTime() + 60_000);

describe('same mailbox, same answer (Gmail and Google Calendar, and real IMAP and CalDAV servers)', () => {
  const sample = buildSampleMailbox({ now });
  const seed = sample.seed;
  const email = sample.owner.email;
  const googleQueue = createTestPrefix('same-imap-google');
  const imapQueue = createTestPrefix('same-imap-imap');
  let gmail: GoogleEmulator;
  let dovecot: Dovecot;
  let radicale: Radicale;
  let google: Side;
  let imap: Side;

  beforeAll(async () => {
    gmail = await startGoogleEmulator({ quotaUnitsPerMinute: 60_000 });
    gmail.addMailbox(seed);
    [dovecot, radicale] = await Promise.all([startDovecot(), startRadicale()]);
    const user = await createImapUser(dovecot, email);
    await user.append(seed.messages.map(imapMessageOfSeed));
    const calendar = await createCaldavUser(radicale, email, user.password);
    for (const [i, event] of (seed.events ?? []).entries()) await calendar.putEvent(`sample-${i}`, event);

    const googleDatabase = await createTestDatabase();
    const imapDatabase = await createTestDatabase();
    const [googleWorker, imapWorker] = await Promise.all([
      startWorker({
        config: testConfig(googleDatabase, googleQueue.prefix, gmail, { GMAIL_QUOTA_UNITS_PER_MINUTE: '60000' }),
        logger: testLogger(),
      }),
      startWorker({ config: testConfig(imapDatabase, imapQueue.prefix, gmail), logger: testLogger() }),
    ]);
    for (const database of [googleDatabase, imapDatabase]) await createPausedUser(database, email);
    const googleAccount = await connectEmulatedGoogle(googleDatabase, gmail, email);
    const imapAccount = await connectAccount(imapDatabase.sql, {
      userEmail: email,
      provider: 'imap',
      accountEmail: email,
      refreshToken: user.password,
      imapServer: user.server,
      calendarSources: { caldav: { url: calendar.settings.url } },
    });
    await Promise.all([
      waitUntilSynced(googleDatabase, googleAccount.accountId, 90_000),
      waitUntilSynced(imapDatabase, imapAccount.accountId, 90_000),
    ]);
    google = { database: googleDatabase, worker: googleWorker, userId: googleAccount.userId };
    imap = { database: imapDatabase, worker: imapWorker, userId: imapAccount.userId };
  }, 180_000);

  afterAll(async () => {
    for (const side of [google, imap]) {
      await side?.worker.close();
      await side?.database.drop();
    }
    await gmail?.close();
    await dovecot?.destroy();
    await radicale?.destroy();
    await googleQueue.cleanup();
    await imapQueue.cleanup();
  });

  it('stores the app password encrypted, never as written', async () => {
    const [row] = await imap.database.sql<{ secret: string }[]>`select refresh_token as secret from accounts where provider = 'imap'`;
    expect(row!.secret).toMatch(/^rk1\./);
    expect(row!.secret).not.toContain('app-password');
  });

  it('reads every meeting of the calendar over CalDAV, as Google Calendar gives them', async () => {
    const count = async (side: Side) =>
      (await side.database.sql<{ n: number }[]>`select count(*)::int as n from interactions where kind = 'meeting'`)[0]!.n;
    expect(await count(google)).toBeGreaterThan(0);
    expect(await count(imap)).toBe(await count(google));
    const [events] = await imap.database.sql<{ n: number }[]>`select count(*)::int as n from calendar_events`;
    expect(events!.n).toBe(seed.events!.length);
  });

  it('finds the same people, with the same names, dates and counts', async () => {
    const fromGoogle = await contactsOf(google.database, email);
    const fromImap = await contactsOf(imap.database, email);
    expect(fromGoogle.size).toBeGreaterThan(0);
    // Meetings count on both sides: the mentor met every quarter, the one still to come.
    expect([...fromGoogle.values()].some((c) => c.meetingCount > 0 && c.nextMeetingAt !== null)).toBe(true);
    expect([...fromImap.keys()].sort()).toEqual([...fromGoogle.keys()].sort());
    for (const [address, contact] of fromGoogle) expect(fromImap.get(address), address).toEqual(contact);
  });

  it('prints the same `rekindle contacts --json`', async () => {
    expect(JSON.parse(await renderContacts(imap.database, email, asOf, true))).toEqual(
      JSON.parse(await renderContacts(google.database, email, asOf, true)),
    );
  });

  it('computes the same contact summaries: cadence, strength, last subject, who wrote last', async () => {
    expect((await computedContacts(imap, asOf)).map(comparable)).toEqual((await computedContacts(google, asOf)).map(comparable));
  });

  it('selects the same people to reconnect with, for the same reasons', async () => {
    const list = (side: Side) => reconnectList(side, asOf);
    const fromGoogle = await list(google);
    expect(fromGoogle.length).toBeGreaterThan(0);
    expect(await list(imap)).toEqual(fromGoogle);
  });

  it('previews the same digest (`rekindle digest preview --json`)', async () => {
    const fromGoogle = await renderPreview(google.database, email, asOf, 5, true);
    expect(JSON.parse(fromGoogle).items.length).toBeGreaterThan(0);
    // Not vacuous: the list carries the context to write (a meeting shared, a mutual connection).
    expect(previewContext(fromGoogle)).toEqual({ meetings: 1, mutuals: 1 });
    expect(await renderPreview(imap.database, email, asOf, 5, true)).toBe(fromGoogle);
  });
});
