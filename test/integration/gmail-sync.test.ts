/**
 * The whole sync path for real: googleapis → Google emulator over HTTP → BullMQ on Redis →
 * Postgres, with the sample mailbox whose ground truth we know.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSampleMailbox } from '../../fakes/demo/sample-mailbox.ts';
import { startGoogleEmulator, type GoogleEmulator } from '../../fakes/google/index.ts';
import { startWorker, type WorkerHandle } from '../../src/workers/start-worker.ts';
import {
  connectEmulatedGoogle,
  getsPerMessage,
  makeDue,
  streamsOf,
  testConfig,
  testLogger,
  waitFor,
  waitUntilSynced,
} from '../../testkit/sync-harness.ts';
import { contactsOf } from '../../testkit/contact-truth.ts';
import {
  expectStoppedWithContactsKept,
  expectTheSampleContacts,
  FOLLOW_UPS,
  mailRowCounts,
  schedulerPassesLater,
  waitUntilNeedsReauth,
} from '../../testkit/sample-sync-checks.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/test-database.ts';
import { createTestPrefix } from '../../testkit/test-redis.ts';

describe('gmail sync, end to end', () => {
  let database: TestDatabase;
  let emulator: GoogleEmulator;
  let worker: WorkerHandle;
  const queue = createTestPrefix('gmail-sync');
  const sample = buildSampleMailbox({ now: new Date() });
  const userEmail = sample.owner.email;
  let accountId: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    // The quota is raised tenfold here (pacing has its own test, gmail-quota) to keep this quick.
    emulator = await startGoogleEmulator({ historyPageSize: 20, quotaUnitsPerMinute: 60_000 });
    emulator.addMailbox(sample.seed);
    // Small pages and slices so paging, slicing and requeueing are all exercised.
    const config = testConfig(database, queue.prefix, emulator, {
      SYNC_PAGE_SIZE: '100',
      SYNC_PAGES_PER_JOB: '2',
      GMAIL_QUOTA_UNITS_PER_MINUTE: '60000',
    });
    worker = await startWorker({ config, logger: testLogger() });
    ({ accountId } = await connectEmulatedGoogle(database, emulator, userEmail));
    await waitUntilSynced(database, accountId);
  });

  afterAll(async () => {
    await worker?.close();
    await emulator?.close();
    await database?.drop();
    await queue.cleanup();
  });

  it('finds exactly the people the owner really exchanged mail and meetings with', async () => {
    await expectTheSampleContacts(database, sample);
  });

  it('fetches every message exactly once, without a single quota error', async () => {
    const perMessage = getsPerMessage(emulator, userEmail);
    expect(perMessage.size).toBe(sample.seed.messages.length);
    expect(Math.max(...perMessage.values())).toBe(1);
    expect(emulator.usage(userEmail).rejected).toBe(0);

    const [mail] = (await streamsOf(database, accountId)).filter((s) => s.stream === 'mail');
    expect(mail!.itemsSynced).toBe(sample.seed.messages.length);
    // What we count as spent is what Google charged.
    expect(mail!.quotaUnitsSpent).toBe(emulator.usage(userEmail).units);
  });

  it('stores one row per message and skips malformed mail with a reason', async () => {
    expect(await mailRowCounts(database, accountId)).toEqual({ total: sample.seed.messages.length, noSender: 1 });
  });

  it('changes nothing when the same mail is synced again', async () => {
    const before = await database.sql`select count(*)::int as n from interactions`;
    const getsBefore = emulator.usage(userEmail).byMethod['gmail.users.messages.get']!.calls;
    // Forget the cursor: the whole mailbox is listed again, as after a lost history.
    await database.sql`update sync_streams set cursor = null, phase = 'backfill' where account_id = ${accountId} and stream = 'mail'`;
    await makeDue(database, accountId);
    await waitUntilSynced(database, accountId);
    const after = await database.sql`select count(*)::int as n from interactions`;
    expect(after[0]!.n).toBe(before[0]!.n);
    expect(emulator.usage(userEmail).byMethod['gmail.users.messages.get']!.calls).toBe(getsBefore);
  });

  it('picks up new mail incrementally through history', async () => {
    const maya = sample.contacts.get('maya@chenlabs.io')!;
    const at = new Date(Date.now() - 60_000);
    emulator.addMessage(userEmail, FOLLOW_UPS.mayaWritesAgain(userEmail, at));
    await makeDue(database, accountId);
    await waitUntilSynced(database, accountId);
    const contact = (await contactsOf(database, userEmail)).get('maya@chenlabs.io')!;
    expect(contact.receivedCount).toBe(maya.received + 1);
    expect(contact.lastInboundAt).toEqual(at);
    const history = emulator.requests(userEmail).filter((r) => r.method === 'gmail.users.history.list');
    expect(history.length).toBeGreaterThan(0);
  });

  it('survives an expired history id with a full resync that loses nothing and refetches nothing', async () => {
    const at = new Date(Date.now() - 30_000);
    const id = emulator.addMessage(userEmail, FOLLOW_UPS.leoWhileAway(userEmail, at));
    emulator.expireHistory(userEmail);
    const resyncsBefore = (await streamsOf(database, accountId)).find((s) => s.stream === 'mail')!.fullResyncs;
    await makeDue(database, accountId);
    await waitUntilSynced(database, accountId);

    const mail = (await streamsOf(database, accountId)).find((s) => s.stream === 'mail')!;
    expect(mail.fullResyncs).toBe(resyncsBefore + 1);
    const stored = await database.sql`select 1 from mail_messages where account_id = ${accountId} and provider_id = ${id}`;
    expect(stored).toHaveLength(1);
    const leo = (await contactsOf(database, userEmail)).get('leo@startup.example')!;
    expect(leo.lastInboundAt).toEqual(at);

    expect(Math.max(...getsPerMessage(emulator, userEmail).values())).toBe(1);
  });

  it('resyncs the calendar after a 410 and drops meetings cancelled meanwhile', async () => {
    const priya = sample.contacts.get('priya@northwind.example')!;
    // Find Priya's most recent past meeting in the emulator and cancel it while the sync token expires.
    const list = emulator.requests(userEmail).filter((r) => r.method === 'calendar.events.list');
    expect(list.length).toBeGreaterThan(0);
    const events = await database.sql<{ providerId: string }[]>`
      select provider_id as "providerId" from calendar_events
       where account_id = ${accountId} and starts_at = ${priya.lastMeetingAt}`;
    expect(events).toHaveLength(1);
    emulator.cancelEvent(userEmail, events[0]!.providerId);
    emulator.expireSyncTokens(userEmail);
    await makeDue(database, accountId);
    await waitUntilSynced(database, accountId);

    const calendar = (await streamsOf(database, accountId)).find((s) => s.stream === 'calendar')!;
    expect(calendar.fullResyncs).toBe(1);
    const contact = (await contactsOf(database, userEmail)).get('priya@northwind.example')!;
    expect(contact.meetingCount).toBe(priya.meetings - 1);
    expect(contact.lastMeetingAt!.getTime()).toBeLessThan(priya.lastMeetingAt!.getTime());
  });

  it('honours Retry-After: no request of the account reaches Google before it has passed', async () => {
    emulator.injectFault({ match: { method: 'gmail.users.history.list', user: userEmail }, status: 429, retryAfterSeconds: 2 });
    emulator.addMessage(userEmail, FOLLOW_UPS.graceAsks(userEmail));
    await makeDue(database, accountId);
    const throttled = await waitFor('the 429 to be served', async () => emulator.requests(userEmail).find((r) => r.status === 429));
    await waitUntilSynced(database, accountId);
    const gmailAfter = emulator.requests(userEmail).filter((r) => r.method.startsWith('gmail.') && r.startedAt > throttled.finishedAt);
    expect(gmailAfter.length).toBeGreaterThan(0);
    for (const r of gmailAfter) expect(r.startedAt - throttled.finishedAt).toBeGreaterThanOrEqual(2_000 - 5);
    expect((await contactsOf(database, userEmail)).get('grace.okafor@gmail.com')!.receivedCount).toBe(
      sample.contacts.get('grace.okafor@gmail.com')!.received + 1,
    );
  });

  it('stops syncing a revoked account without a crash loop', async () => {
    emulator.revokeGrants(userEmail);
    await makeDue(database, accountId);
    await waitUntilNeedsReauth(database, accountId);
    const tokenCalls = emulator.requests(userEmail).filter((r) => r.method === 'oauth.token').length;
    // Several scheduler passes later nothing has been tried again.
    await schedulerPassesLater(worker);
    expect(emulator.requests(userEmail).filter((r) => r.method === 'oauth.token').length).toBe(tokenCalls);
    await expectStoppedWithContactsKept(database, accountId, sample);
  });
});
