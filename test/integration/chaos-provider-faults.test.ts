/**
 * The fast version of `npm run chaos`'s provider faults: a tenth of every request the
 * emulator sees — API and token requests alike — fails with a 5xx, a 429 with Retry-After,
 * a connection reset, JSON cut short or no answer at all, and both cursors expire halfway.
 * The sync must still end with exactly the contacts of a clean run, one row per message, and
 * no job left stuck, without anyone stepping in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSampleMailbox } from '../../fakes/demo/sample-mailbox.ts';
import { startGoogleEmulator, type GoogleEmulator } from '../../fakes/google/index.ts';
import { startGraphEmulator, type GraphEmulator } from '../../fakes/microsoft/index.ts';
import { startWorker, type WorkerHandle } from '../../src/workers/start-worker.ts';
import { contactsOf, expectMatchesTruth } from '../../testkit/contact-truth.ts';
import { connectEmulatedMicrosoft, microsoftTestConfig } from '../../testkit/microsoft-harness.ts';
import { connectEmulatedGoogle, makeDue, streamsOf, testConfig, testLogger, waitFor, waitUntilSynced } from '../../testkit/sync-harness.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/test-database.ts';
import { createTestPrefix } from '../../testkit/test-redis.ts';

// Short timeouts and leases so a held request or a lost job costs seconds, not minutes.
const overrides = {
  PROVIDER_TIMEOUT_SECONDS: '1',
  SYNC_LEASE_SECONDS: '3',
  SYNC_PAGE_SIZE: '25',
  SYNC_PAGES_PER_JOB: '3',
  GMAIL_QUOTA_UNITS_PER_MINUTE: '600000',
  CALENDAR_REQUESTS_PER_MINUTE: '60000',
  GRAPH_REQUESTS_PER_10_MINUTES: '1000000',
};
const faults = { rate: 0.1, retryAfterSeconds: 1, holdMs: 5_000, seed: 9 };

interface Emulated {
  emulator: GoogleEmulator | GraphEmulator;
  connect(database: TestDatabase, email: string): Promise<{ accountId: string }>;
  worker(database: TestDatabase, prefix: string): Promise<WorkerHandle>;
  expireCursors(email: string): void;
}

async function google(): Promise<Emulated> {
  const emulator = await startGoogleEmulator({ quotaUnitsPerMinute: null, calendarRequestsPerMinute: null, historyPageSize: 20 });
  return {
    emulator,
    connect: (database, email) => connectEmulatedGoogle(database, emulator, email),
    // Pages of 100: the fewer listing round trips in a row, the fewer faulted ones to wait out.
    worker: (database, prefix) =>
      startWorker({ config: testConfig(database, prefix, emulator, { ...overrides, SYNC_PAGE_SIZE: '100' }), logger: testLogger() }),
    expireCursors(email) {
      emulator.expireHistory(email);
      emulator.expireSyncTokens(email);
    },
  };
}

async function microsoft(): Promise<Emulated> {
  const emulator = await startGraphEmulator({ requestsPer10Minutes: null });
  return {
    emulator,
    connect: (database, email) => connectEmulatedMicrosoft(database, emulator, email),
    worker: (database, prefix) => startWorker({ config: microsoftTestConfig(database, prefix, emulator, overrides), logger: testLogger() }),
    expireCursors(email) {
      emulator.expireDeltaTokens(email, 'all');
    },
  };
}

describe.each([
  { name: 'google', start: google },
  { name: 'microsoft', start: microsoft },
])('a $name sync through a faulty provider', ({ name, start }) => {
  let database: TestDatabase;
  let provider: Emulated;
  let worker: WorkerHandle | undefined;
  const queue = createTestPrefix(`chaos-faults-${name}`);
  // Whole seconds: Graph keeps dates to the second.
  const sample = buildSampleMailbox({ now: new Date(Math.floor(Date.now() / 1000) * 1000), seed: 5 });
  const email = sample.owner.email;

  beforeAll(async () => {
    database = await createTestDatabase();
    provider = await start();
    provider.emulator.addMailbox(sample.seed);
  });

  afterAll(async () => {
    provider?.emulator.setRandomFaults(null);
    await worker?.close();
    await provider?.emulator.close();
    await database?.drop();
    await queue.cleanup();
  });

  it('ends with the contacts of a clean run, every message once, nothing stuck', { timeout: 300_000 }, async () => {
    provider.emulator.setRandomFaults(faults);
    worker = await provider.worker(database, queue.prefix);
    const { accountId } = await provider.connect(database, email);
    const total = sample.seed.messages.length;

    // Halfway through the backfill, every cursor handed out so far expires.
    await waitFor('half the mailbox', async () => {
      const [row] = await database.sql<{ n: number }[]>`select count(*)::int as n from mail_messages`;
      return row!.n >= total / 2;
    });
    provider.expireCursors(email);
    await waitUntilSynced(database, accountId, 120_000);

    // Caught up; the cursors expire again and the next incremental round meets that too.
    provider.expireCursors(email);
    await makeDue(database, accountId);
    await waitFor(
      'a full resync after the expired cursors',
      async () => {
        const streams = await streamsOf(database, accountId);
        return streams.every((s) => s.fullResyncs >= 1) && streams;
      },
      60_000,
    );
    await waitUntilSynced(database, accountId, 120_000);

    const injected = provider.emulator.injectedFaults();
    // The draws depend on how requests interleave; a run meets several kinds, not always all.
    expect(Object.keys(injected).length, JSON.stringify(injected)).toBeGreaterThanOrEqual(3);

    const contacts = await contactsOf(database, email);
    expect([...contacts.keys()].sort()).toEqual([...sample.contacts.keys()].sort());
    for (const truth of sample.contacts.values()) expectMatchesTruth(contacts.get(truth.email), truth);

    // Counts in the contacts above would show a message counted twice; here, stored twice.
    const [rows] = await database.sql<{ messages: number; distinct: number }[]>`
      select count(*)::int as messages, count(distinct provider_id)::int as distinct
        from mail_messages where account_id = ${accountId}`;
    expect(rows).toEqual({ messages: total, distinct: total });
  });
});
