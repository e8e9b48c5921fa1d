/**
 * The sweeper of sync claims that lost their job. A stream is marked queued (`enqueued_at`)
 * before its job reaches Redis, so a job can vanish while Postgres still says "queued": Redis
 * was flushed or restarted without persistence, a process died between marking and queueing,
 * or a job found the stream leased and ended without running it. The scheduler's own fallback
 * re-queues such a stream after five minutes; this finds them within a minute by asking the
 * queue which jobs it really holds, and hands them back to the scheduler.
 *
 * A stream queued twice is harmless (the lease lets one job run it; the other ends "busy"), so
 * the only cost of a wrong guess here is one extra job.
 */
import type { Queue } from 'bullmq';
import type { Sql } from 'postgres';

/** A queued stream without a job for this long is taken to have lost it. */
export const LOST_SYNC_SECONDS = 30;

const JOB_ID = /^(mail|calendar)-([0-9a-f-]{36})-\d+$/;

/** Clears `enqueued_at` of streams whose job is gone; returns how many were released. */
export async function releaseLostSyncs(sql: Sql, queue: Pick<Queue, 'getRanges'>, limit = 500): Promise<number> {
  const stale = await sql<{ accountId: string; stream: string }[]>`
    select account_id as "accountId", stream from sync_streams
     where enqueued_at < now() - make_interval(secs => ${LOST_SYNC_SECONDS})
       and (lease_until is null or lease_until < now())
     limit ${limit}`;
  if (stale.length === 0) return 0;
  // Ids only (cheap): they name their stream and account (see enqueueSyncs).
  const ids = await queue.getRanges(['waiting', 'prioritized', 'active', 'delayed', 'waiting-children'], 0, -1);
  const present = new Set<string>();
  for (const id of ids) {
    const match = JOB_ID.exec(id);
    if (match) present.add(`${match[1]}:${match[2]}`);
  }
  const lost = stale.filter((s) => !present.has(`${s.stream}:${s.accountId}`));
  if (lost.length === 0) return 0;
  const released = await sql`
    update sync_streams s set enqueued_at = null
      from unnest(${lost.map((l) => l.accountId)}::uuid[], ${lost.map((l) => l.stream)}::text[]) as t(a, st)
     where s.account_id = t.a and s.stream = t.st
       and s.enqueued_at < now() - make_interval(secs => ${LOST_SYNC_SECONDS})
    returning 1`;
  return released.length;
}
