/**
 * The sync queue: one job is one slice of one stream (an account's mail or calendar), run by
 * src/sync/sync-stream.ts under a lease in Postgres. Produced by the scheduler from due
 * `sync_streams` rows, and by a slice that has more to do.
 */
import { UnrecoverableError, type Job, type JobsOptions } from 'bullmq';
import type { Logger } from 'pino';
import type { Sql } from 'postgres';
import { z } from 'zod';
import type { SyncStreamName } from '../db/schema.ts';
import { SYNC_QUEUE } from '../queue/queues.ts';
import { syncStream, type SyncDeps } from '../sync/sync-stream.ts';
import { enqueueRecomputes } from './contacts.ts';
import type { Queues } from './queues.ts';

export { SYNC_QUEUE };

export const syncStreamJob = z.object({
  accountId: z.uuid(),
  stream: z.enum(['mail', 'calendar']),
});
export type SyncStreamJob = z.infer<typeof syncStreamJob>;

/**
 * Sync jobs are not retried by BullMQ: a failed slice records its error and next run time in
 * Postgres, and the scheduler queues the stream again then. One retry mechanism, one truth.
 */
export const syncJobOptions: JobsOptions = {
  attempts: 1,
  removeOnComplete: { count: 1_000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
};

/** Caught-up accounts and calendars jump ahead of long mail backfills. */
export const SYNC_PRIORITY = { incremental: 1, backfill: 5 } as const;

/** What a sync job returns: how the slice ended and how many messages or events it brought. */
export interface SyncJobResult {
  status: 'more' | 'caught_up' | 'busy' | 'throttled';
  stream: SyncStreamName;
  items: number;
}

export interface DueStream {
  accountId: string;
  stream: SyncStreamName;
  phase: 'backfill' | 'incremental';
}

/** Puts sync slices on the queue. Job ids are unique per enqueue; Postgres prevents doubles. */
export async function enqueueSyncs(queues: Pick<Queues, 'sync'>, due: DueStream[]): Promise<void> {
  if (due.length === 0) return;
  const stamp = Date.now();
  await queues.sync.addBulk(
    due.map((d) => ({
      name: 'sync-stream',
      data: { accountId: d.accountId, stream: d.stream },
      opts: {
        ...syncJobOptions,
        jobId: `${d.stream}-${d.accountId}-${stamp}`,
        priority: d.phase === 'backfill' && d.stream === 'mail' ? SYNC_PRIORITY.backfill : SYNC_PRIORITY.incremental,
      },
    })),
  );
}

/**
 * Marks due streams as queued and returns them. `enqueued_at` keeps a stream from being
 * queued twice; if the job vanished (Redis flushed), it is queued again after five minutes.
 */
export async function claimDueStreams(sql: Sql, limit: number): Promise<DueStream[]> {
  return sql<DueStream[]>`
    update sync_streams s
       set enqueued_at = now()
     where (s.account_id, s.stream) in (
       select s2.account_id, s2.stream
         from sync_streams s2
         join accounts a on a.id = s2.account_id
        where a.status = 'active'
          and s2.next_run_at <= now()
          and (s2.lease_until is null or s2.lease_until < now())
          and (s2.enqueued_at is null or s2.enqueued_at < now() - interval '5 minutes')
        order by s2.next_run_at
        limit ${limit}
        for update of s2 skip locked)
    returning s.account_id as "accountId", s.stream, s.phase`;
}

export interface SyncWorkerDeps extends Omit<SyncDeps, 'logger'> {
  logger: Logger;
  queues: Queues;
}

/** Runs one slice; queues the next one, or the user's recompute once the stream is caught up. */
export function syncProcessor(deps: SyncWorkerDeps) {
  return async (job: Job<SyncStreamJob>): Promise<SyncJobResult> => {
    const { accountId, stream } = syncStreamJob.parse(job.data);
    const outcome = await syncStream({ ...deps, logger: deps.logger.child({ jobId: job.id }) }, accountId, stream);
    if (outcome.status === 'more') await enqueueSyncs(deps.queues, [{ accountId, stream, phase: outcome.phase }]);
    // Mid-backfill slices leave their people dirty for the scheduler's (throttled) recompute.
    if (outcome.status === 'caught_up' && outcome.items > 0) {
      const [account] = await deps.sql<{ userId: string }[]>`select user_id as "userId" from accounts where id = ${accountId}`;
      if (account) await enqueueRecomputes(deps.queues, [account.userId]);
    }
    // Postgres already holds the retry schedule; BullMQ must not retry on its own.
    if (outcome.status === 'failed') throw new UnrecoverableError(outcome.error.message);
    if (outcome.status === 'needs_reauth') throw new UnrecoverableError('account needs re-authorisation');
    return { status: outcome.status, stream, items: 'items' in outcome ? outcome.items : 0 };
  };
}
