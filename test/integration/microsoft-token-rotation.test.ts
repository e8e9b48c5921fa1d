/**
 * Microsoft rotates the refresh token on every use, and the emulator refuses a used one. Here
 * access tokens live one second, so nearly every Graph request needs a refresh, and two worker
 * processes (two workers with their own pools and connections) sync the account's mail and
 * calendar at the same time. Every rotated token must reach Postgres, and no refresh token may
 * ever be presented twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSampleMailbox } from '../../fakes/demo/sample-mailbox.ts';
import { startGraphEmulator, type GraphEmulator } from '../../fakes/microsoft/index.ts';
import { startWorker, type WorkerHandle } from '../../src/workers/start-worker.ts';
import { contactsOf, expectMatchesTruth } from '../../testkit/contact-truth.ts';
import { connectEmulatedMicrosoft, microsoftTestConfig, storedRefreshToken } from '../../testkit/microsoft-harness.ts';
import { makeDue, testLogger, waitUntilSynced } from '../../testkit/sync-harness.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/test-database.ts';
import { createTestPrefix } from '../../testkit/test-redis.ts';

describe('refresh token rotation across workers', () => {
  let database: TestDatabase;
  let emulator: GraphEmulator;
  const workers: WorkerHandle[] = [];
  const queue = createTestPrefix('graph-rotation');
  const sample = buildSampleMailbox({ now: new Date(Math.floor(Date.now() / 1000) * 1000), seed: 3 });
  const email = sample.owner.email;
  let accountId: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    emulator = await startGraphEmulator({ accessTokenTtlSeconds: 1, latencyMs: { min: 1, max: 5 } });
    emulator.addMailbox(sample.seed);
    for (let i = 0; i < 2; i++) {
      workers.push(
        await startWorker({
          config: microsoftTestConfig(database, queue.prefix, emulator, { SYNC_PAGE_SIZE: '50', SYNC_PAGES_PER_JOB: '2' }),
          logger: testLogger(),
        }),
      );
    }
    ({ accountId } = await connectEmulatedMicrosoft(database, emulator, email));
    await waitUntilSynced(database, accountId);
  });

  afterAll(async () => {
    for (const worker of workers) await worker.close();
    await emulator?.close();
    await database?.drop();
    await queue.cleanup();
  });

  it('syncs the mailbox though access tokens expire every second', async () => {
    const contacts = await contactsOf(database, email);
    for (const truth of sample.contacts.values()) expectMatchesTruth(contacts.get(truth.email), truth);
  });

  it('saves every rotated refresh token and never presents one twice', async () => {
    await makeDue(database, accountId);
    await waitUntilSynced(database, accountId);
    const refreshes = emulator.requests(email).filter((r) => r.method === 'identity.token');
    expect(refreshes.length).toBeGreaterThan(10);
    expect(refreshes.filter((r) => r.status !== 200)).toEqual([]);
    expect(emulator.refreshTokenReuses(email)).toBe(0);
    // The one refresh token that works is the one Postgres holds.
    expect(emulator.liveRefreshTokens(email)).toEqual([await storedRefreshToken(database, accountId)]);
    // Both streams refreshed: the lock was shared by two jobs (and two workers), not just one.
    const streamsThatRanGraph = new Set(
      emulator
        .requests(email)
        .filter((r) => r.method === 'graph.messages.delta' || r.method === 'graph.calendarView.delta')
        .map((r) => r.method),
    );
    expect(streamsThatRanGraph.size).toBe(2);
  });
});
