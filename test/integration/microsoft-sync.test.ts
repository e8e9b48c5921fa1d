/**
 * The whole sync path for a Microsoft account: @microsoft/microsoft-graph-client → Graph
 * emulator over HTTP → BullMQ on Redis → Postgres, with the sample mailbox whose ground truth
 * we know (filed into Outlook folders by the emulator).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSampleMailbox } from '../../fakes/demo/sample-mailbox.ts';
import { startGraphEmulator, type GraphEmulator } from '../../fakes/microsoft/index.ts';
import { startWorker, type WorkerHandle } from '../../src/workers/start-worker.ts';
import { contactsOf } from '../../testkit/contact-truth.ts';
import { connectEmulatedMicrosoft, microsoftTestConfig, servesPerMessage, storedRefreshToken } from '../../testkit/microsoft-harness.ts';
import { makeDue, streamsOf, testLogger, waitFor, waitUntilSynced } from '../../testkit/sync-harness.ts';
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

/** Graph keeps DateTimeOffsets to the second: build the mailbox on a whole second. */
const now = new Date(Math.floor(Date.now() / 1000) * 1000);

describe('microsoft sync, end to end', () => {
  let database: TestDatabase;
  let emulator: GraphEmulator;
  let worker: WorkerHandle;
  const queue = createTestPrefix('graph-sync');
  const sample = buildSampleMailbox({ now });
  const userEmail = sample.owner.email;
  let accountId: string;

  const mailOnlyDue = () =>
    database.sql`update sync_streams set next_run_at = case when stream = 'mail' then now() - interval '1 second' else now() + interval '1 hour' end,
                 enqueued_at = null where account_id = ${accountId}`;
  const graphRequests = () => emulator.requests(userEmail).filter((r) => r.method.startsWith('graph.'));
  const mailStream = async () => (await streamsOf(database, accountId)).find((s) => s.stream === 'mail')!;

  beforeAll(async () => {
    database = await createTestDatabase();
    // A little latency, so requests of the account overlap the way they do against Microsoft.
    emulator = await startGraphEmulator({ latencyMs: { min: 2, max: 8 } });
    emulator.addMailbox(sample.seed);
    // Small pages and slices so paging, slicing and requeueing are all exercised.
    const config = microsoftTestConfig(database, queue.prefix, emulator, { SYNC_PAGE_SIZE: '40', SYNC_PAGES_PER_JOB: '3' });
    worker = await startWorker({ config, logger: testLogger() });
    ({ accountId } = await connectEmulatedMicrosoft(database, emulator, userEmail));
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

  it('lists every message exactly once, fetches none on its own, and stays within Outlook’s limits', async () => {
    const served = servesPerMessage(emulator, userEmail);
    expect(served.size).toBe(sample.seed.messages.length);
    expect(Math.max(...served.values())).toBe(1);
    expect(graphRequests().filter((r) => r.method === 'graph.messages.get')).toEqual([]);
    // Every delta request asked for immutable ids and a page size.
    for (const r of graphRequests().filter((r) => r.method === 'graph.messages.delta')) {
      expect(r.prefer).toMatch(/odata\.maxpagesize=40/);
      expect(r.prefer).toMatch(/IdType="ImmutableId"/);
    }
    const usage = emulator.usage(userEmail);
    expect(usage.budgetRejections + usage.concurrencyRejections).toBe(0);
    expect(emulator.maxConcurrent(userEmail)).toBeLessThanOrEqual(4);

    const streams = await streamsOf(database, accountId);
    expect(streams.find((s) => s.stream === 'mail')!.itemsSynced).toBe(sample.seed.messages.length);
    // What we count as spent is what Graph counted.
    expect(streams.reduce((sum, s) => sum + s.quotaUnitsSpent, 0)).toBe(usage.requests);
  });

  it('stores one row per message and skips malformed mail with a reason', async () => {
    expect(await mailRowCounts(database, accountId)).toEqual({ total: sample.seed.messages.length, noSender: 1 });
  });

  it('picks up new mail incrementally through the folder deltaLinks', async () => {
    const maya = sample.contacts.get('maya@chenlabs.io')!;
    const at = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
    emulator.addMessage(userEmail, FOLLOW_UPS.mayaWritesAgain(userEmail, at));
    const before = graphRequests().length;
    await makeDue(database, accountId);
    await waitUntilSynced(database, accountId);
    const contact = (await contactsOf(database, userEmail)).get('maya@chenlabs.io')!;
    expect(contact.receivedCount).toBe(maya.received + 1);
    expect(contact.lastInboundAt).toEqual(at);
    // An incremental round: the folder listing, one deltaLink per folder, the calendar's deltaLink.
    const round = graphRequests().slice(before);
    expect(round.filter((r) => r.method === 'graph.messages.delta').every((r) => '$deltatoken' in r.query)).toBe(true);
    expect(round.filter((r) => r.method === 'graph.messages.delta').flatMap((r) => r.served)).toHaveLength(1);
  });

  it('resolves an internal sender Graph gives as an Exchange DN to the person the mailbox shows by that name', async () => {
    const before = (await contactsOf(database, userEmail)).get('maya@chenlabs.io')!;
    const at = new Date(Math.floor(Date.now() / 1000) * 1000 - 30_000);
    emulator.addMessage(userEmail, {
      labelIds: ['INBOX'],
      internalDate: at.toISOString(),
      headers: [
        { name: 'Message-ID', value: '<fresh-dn-1@mail.example.com>' },
        // Exchange keeps an internal sender as its legacy DN; Graph serves it as the address.
        { name: 'From', value: 'Maya Chen </O=EXCHANGELABS/OU=EXCHANGE ADMINISTRATIVE GROUP (FYDIBOHF23SPDLT)/CN=RECIPIENTS/CN=MAYA>' },
        { name: 'To', value: userEmail },
        { name: 'Subject', value: 'From inside the tenant' },
        { name: 'Date', value: at.toUTCString() },
      ],
    });
    await makeDue(database, accountId);
    await waitUntilSynced(database, accountId);
    const after = (await contactsOf(database, userEmail)).get('maya@chenlabs.io')!;
    expect(after.receivedCount).toBe(before.receivedCount + 1);
    expect(after.lastInboundAt).toEqual(at);
    const [pending] = await database.sql<{ n: number }[]>`select count(*)::int as n from pending_interactions`;
    expect(pending!.n).toBe(0);
  });

  it('keeps one row for a message the user moves to Archive (its id does not change)', async () => {
    const [row] = await database.sql<{ id: string }[]>`
      select provider_id as id from mail_messages where account_id = ${accountId} and folder = 'inbox' and skip_reason is null limit 1`;
    emulator.moveMessage(userEmail, row!.id, 'archive');
    const before = await database.sql`select count(*)::int as n from mail_messages where account_id = ${accountId}`;
    await makeDue(database, accountId);
    await waitUntilSynced(database, accountId);
    const after = await database.sql`select count(*)::int as n from mail_messages where account_id = ${accountId}`;
    expect(after[0]!.n).toBe(before[0]!.n);
    const archive = emulator.folderId(userEmail, 'archive');
    const archiveDelta = graphRequests().filter(
      (r) => r.method === 'graph.messages.delta' && r.path.includes(archive) && r.served.includes(row!.id),
    );
    expect(archiveDelta).toHaveLength(1);
  });

  it('survives expired delta tokens with a full resync that loses nothing and stores nothing twice', async () => {
    const at = new Date(Math.floor(Date.now() / 1000) * 1000 - 30_000);
    const id = emulator.addMessage(userEmail, FOLLOW_UPS.leoWhileAway(userEmail, at));
    emulator.expireDeltaTokens(userEmail, 'mail');
    const before = await mailStream();
    const [rowsBefore] = await database.sql<{ n: number }[]>`select count(*)::int as n from mail_messages where account_id = ${accountId}`;
    const interactionsBefore = await database.sql<{ n: number }[]>`select count(*)::int as n from interactions`;
    const requestsBefore = graphRequests().length;
    await makeDue(database, accountId);
    await waitUntilSynced(database, accountId);

    const after = await mailStream();
    expect(after.fullResyncs).toBe(before.fullResyncs + 1);
    const gone = graphRequests()
      .slice(requestsBefore)
      .find((r) => r.status === 410);
    expect(gone?.errorCode).toBe('SyncStateNotFound');
    const stored = await database.sql`select 1 from mail_messages where account_id = ${accountId} and provider_id = ${id}`;
    expect(stored).toHaveLength(1);
    const [rowsAfter] = await database.sql<{ n: number }[]>`select count(*)::int as n from mail_messages where account_id = ${accountId}`;
    expect(rowsAfter!.n).toBe(rowsBefore!.n + 1);
    const interactionsAfter = await database.sql<{ n: number }[]>`select count(*)::int as n from interactions`;
    expect(interactionsAfter[0]!.n).toBe(interactionsBefore[0]!.n + 1);
    const leo = (await contactsOf(database, userEmail)).get('leo@startup.example')!;
    expect(leo.lastInboundAt).toEqual(at);
    // The resync lists the mailbox again (delta is the only listing Graph has) and nothing else:
    // no message is fetched on its own, and only the new one is ingested.
    expect(graphRequests().filter((r) => r.method === 'graph.messages.get')).toEqual([]);
    expect(after.itemsSynced - before.itemsSynced).toBe(1);
  });

  it('resyncs the calendar after a 410 and drops meetings cancelled or deleted meanwhile', async () => {
    const priya = sample.contacts.get('priya@northwind.example')!;
    const events = await database.sql<{ providerId: string; startsAt: Date }[]>`
      select provider_id as "providerId", starts_at as "startsAt" from calendar_events
       where account_id = ${accountId} and starts_at <= ${priya.lastMeetingAt} order by starts_at desc limit 2`;
    expect(events.map((e) => e.startsAt.getTime())[0]).toBe(priya.lastMeetingAt!.getTime());
    emulator.cancelEvent(userEmail, events[0]!.providerId);
    emulator.deleteEvent(userEmail, events[1]!.providerId);
    emulator.expireDeltaTokens(userEmail, 'calendar');
    await makeDue(database, accountId);
    await waitUntilSynced(database, accountId);

    const calendar = (await streamsOf(database, accountId)).find((s) => s.stream === 'calendar')!;
    expect(calendar.fullResyncs).toBe(1);
    const contact = (await contactsOf(database, userEmail)).get('priya@northwind.example')!;
    expect(contact.meetingCount).toBe(priya.meetings - 2);
    expect(contact.lastMeetingAt!.getTime()).toBeLessThan(events[1]!.startsAt.getTime());
  });

  it('honours Retry-After: no request of the mailbox reaches Graph before it has passed', async () => {
    emulator.injectFault({ match: { method: 'graph.messages.delta', user: userEmail }, status: 429, retryAfterSeconds: 2 });
    emulator.addMessage(userEmail, FOLLOW_UPS.graceAsks(userEmail));
    await mailOnlyDue();
    const throttled = await waitFor('the 429 to be served', async () => graphRequests().find((r) => r.status === 429));
    await waitFor('the new message to be stored', async () => {
      const [row] = await database.sql<
        { n: number }[]
      >`select count(*)::int as n from interactions where address = 'grace.okafor@gmail.com' and kind = 'received'`;
      return row!.n === sample.contacts.get('grace.okafor@gmail.com')!.received + 1;
    });
    const after = graphRequests().filter((r) => r.startedAt > throttled.finishedAt);
    expect(after.length).toBeGreaterThan(0);
    for (const r of after) expect(r.startedAt - throttled.finishedAt).toBeGreaterThanOrEqual(2_000 - 5);
    expect(emulator.maxConcurrent(userEmail)).toBeLessThanOrEqual(4);
    expect(emulator.usage(userEmail).concurrencyRejections).toBe(0);
  });

  it('has saved every rotated refresh token and never presented an old one', async () => {
    const tokenCalls = emulator.requests(userEmail).filter((r) => r.method === 'identity.token');
    expect(tokenCalls.length).toBeGreaterThan(0);
    expect(tokenCalls.every((r) => r.status === 200)).toBe(true);
    expect(emulator.refreshTokenReuses(userEmail)).toBe(0);
    expect(emulator.liveRefreshTokens(userEmail)).toEqual([await storedRefreshToken(database, accountId)]);
  });

  it('stops syncing a revoked account without a crash loop', async () => {
    emulator.revokeGrants(userEmail);
    await makeDue(database, accountId);
    await waitUntilNeedsReauth(database, accountId);
    const refused = emulator.requests(userEmail).filter((r) => r.method === 'identity.token' && r.status === 400);
    expect(refused.map((r) => r.errorCode)).toContain('invalid_grant');
    const tokenCalls = emulator.requests(userEmail).filter((r) => r.method === 'identity.token').length;
    const graphCalls = graphRequests().length;
    // Several scheduler passes later nothing has been tried again.
    await schedulerPassesLater(worker);
    expect(emulator.requests(userEmail).filter((r) => r.method === 'identity.token').length).toBe(tokenCalls);
    expect(graphRequests().length).toBe(graphCalls);
    await expectStoppedWithContactsKept(database, accountId, sample);
  });
});
