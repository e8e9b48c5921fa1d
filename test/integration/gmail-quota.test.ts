/**
 * A full sync that needs more than a minute's worth of Gmail quota: rekindle must pace itself
 * under the per-user limit (never a quota error), and spend exactly 5 units per message.
 * The limit is scaled down so the sync crosses the one-minute window in about a minute.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeedMessage } from '../../fakes/google/index.ts';
import { startGoogleEmulator, type GoogleEmulator } from '../../fakes/google/index.ts';
import { startWorker, type WorkerHandle } from '../../src/workers/start-worker.ts';
import { connectEmulatedGoogle, streamsOf, testConfig, testLogger, waitUntilSynced } from '../../testkit/sync-harness.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/test-database.ts';
import { createTestPrefix } from '../../testkit/test-redis.ts';

const LIMIT = 1_000;
const MESSAGES = 210;
const owner = 'quota@example.com';

function mailbox(): SeedMessage[] {
  const start = Date.UTC(2024, 0, 1);
  return Array.from({ length: MESSAGES }, (_, i) => {
    const sent = i % 3 === 0;
    const other = `person${i % 17}@example.net`;
    return {
      labelIds: [sent ? 'SENT' : 'INBOX'],
      internalDate: new Date(start + i * 3_600_000).toISOString(),
      headers: [
        { name: 'Message-ID', value: `<q${i}@example.net>` },
        { name: 'From', value: sent ? owner : other },
        { name: 'To', value: sent ? other : owner },
        { name: 'Subject', value: `Message ${i}` },
      ],
    };
  });
}

/** Most units charged in any rolling 60 s window, from the emulator's own request log. */
function peakUnitsPerMinute(records: { startedAt: number; units: number }[]): number {
  const sorted = [...records].sort((a, b) => a.startedAt - b.startedAt);
  let peak = 0;
  let sum = 0;
  let first = 0;
  for (const r of sorted) {
    sum += r.units;
    while (r.startedAt - sorted[first]!.startedAt >= 60_000) sum -= sorted[first++]!.units;
    peak = Math.max(peak, sum);
  }
  return peak;
}

const UNITS: Record<string, number> = {
  'gmail.users.getProfile': 1,
  'gmail.users.messages.list': 5,
  'gmail.users.messages.get': 5,
  'gmail.users.history.list': 2,
};

describe('gmail quota', () => {
  let database: TestDatabase;
  let emulator: GoogleEmulator;
  let worker: WorkerHandle;
  const queue = createTestPrefix('quota');

  beforeAll(async () => {
    database = await createTestDatabase();
    emulator = await startGoogleEmulator({ quotaUnitsPerMinute: LIMIT });
    emulator.addMailbox({ email: owner, messages: mailbox() });
    worker = await startWorker({
      config: testConfig(database, queue.prefix, emulator, { GMAIL_QUOTA_UNITS_PER_MINUTE: String(LIMIT), SYNC_PAGE_SIZE: '100' }),
      logger: testLogger(),
    });
  });

  afterAll(async () => {
    await worker?.close();
    await emulator?.close();
    await database?.drop();
    await queue.cleanup();
  });

  it('syncs more than a minute of quota without one quota error, 5 units per message, each message once', async () => {
    const { accountId } = await connectEmulatedGoogle(database, emulator, owner);
    await waitUntilSynced(database, accountId, 150_000);

    const usage = emulator.usage(owner);
    expect(usage.rejected).toBe(0);
    expect(usage.units).toBeGreaterThan(LIMIT);

    const gets = emulator.requests(owner).filter((r) => r.method === 'gmail.users.messages.get');
    expect(new Set(gets.map((g) => g.messageId)).size).toBe(MESSAGES);
    expect(gets).toHaveLength(MESSAGES);
    expect(usage.byMethod['gmail.users.messages.get']!.units).toBe(5 * MESSAGES);

    const charged = emulator
      .requests(owner)
      .filter((r) => r.method in UNITS)
      .map((r) => ({ startedAt: r.startedAt, units: UNITS[r.method]! }));
    expect(peakUnitsPerMinute(charged)).toBeLessThanOrEqual(LIMIT);

    const mail = (await streamsOf(database, accountId)).find((s) => s.stream === 'mail')!;
    expect(mail.quotaUnitsSpent).toBe(usage.units);
  }, 180_000);
});
