/**
 * Redis lost the sync jobs (flushed, restarted without persistence, or a process died between
 * marking a stream queued and queueing its job): the sweeper finds the streams Postgres says
 * are queued but the queue does not hold, and gives them back to the scheduler — within a
 * minute, not after the five-minute fallback — leaving alone those whose job is still there.
 */
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAccount } from '../../src/accounts/connect-account.ts';
import { enqueueSyncs, SYNC_QUEUE, type SyncStreamJob } from '../../src/workers/sync.ts';
import { releaseLostSyncs } from '../../src/queue/release-lost-syncs.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/test-database.ts';
import { createTestPrefix, redisUrl } from '../../testkit/test-redis.ts';

describe('the sweeper of lost sync jobs', () => {
  let database: TestDatabase;
  let queue: Queue<SyncStreamJob>;
  const prefix = createTestPrefix('chaos-lost');

  beforeAll(async () => {
    database = await createTestDatabase();
    queue = new Queue<SyncStreamJob>(SYNC_QUEUE, { connection: { url: redisUrl }, prefix: prefix.prefix });
  });
  afterAll(async () => {
    await queue?.close();
    await database?.drop();
    await prefix.cleanup();
  });

  it('re-releases queued streams whose job is gone, and only those', async () => {
    const a = await connectAccount(database.sql, {
      userEmail: 'a@example.com',
      provider: 'google',
      accountEmail: 'a@example.com',
      refreshToken: 'r1',
    });
    const b = await connectAccount(database.sql, {
      userEmail: 'b@example.com',
      provider: 'google',
      accountEmail: 'b@example.com',
      refreshToken: 'r2',
    });
    // Every stream was marked queued a minute ago; only b's mail job is still in Redis.
    await database.sql`update sync_streams set enqueued_at = now() - interval '1 minute', next_run_at = now()`;
    await enqueueSyncs({ sync: queue }, [{ accountId: b.accountId, stream: 'mail', phase: 'backfill' }]);
    // One recently marked stream is not old enough to be called lost.
    await database.sql`update sync_streams set enqueued_at = now() where account_id = ${b.accountId} and stream = 'calendar'`;

    expect(await releaseLostSyncs(database.sql, queue)).toBe(2);
    const rows = await database.sql<{ accountId: string; stream: string; queued: boolean }[]>`
      select account_id as "accountId", stream, enqueued_at is not null as queued from sync_streams order by account_id, stream`;
    const queued = Object.fromEntries(rows.map((r) => [`${r.accountId === a.accountId ? 'a' : 'b'}:${r.stream}`, r.queued]));
    expect(queued).toEqual({ 'a:calendar': false, 'a:mail': false, 'b:calendar': true, 'b:mail': true });
    // Nothing more to release a second time.
    expect(await releaseLostSyncs(database.sql, queue)).toBe(0);
  });
});
