import type { Queue } from 'bullmq';
import type { Sql } from 'postgres';
import type { SyncStreamName } from '../db/schema.ts';
import { contactsJobOptions } from './contacts.config.ts';
import { digestJobOptions } from './digest.config.ts';
import type { RecomputeContactsJob, SendDigestJob, SyncStreamJob } from './queues.ts';
import { SYNC_PRIORITY, syncJobOptions } from './sync.config.ts';

export interface Queues {
  sync: Queue<SyncStreamJob>;
  contacts: Queue<RecomputeContactsJob>;
  digest: Queue<SendDigestJob>;
}

export interface DueStream {
  accountId: string;
  stream: SyncStreamName;
  phase: 'backfill' | 'incremental';
}

/** Puts sync slices on the queue. Job ids are unique per enqueue; Postgres prevents doubles. */
export async function enqueueSyncs(queues: Queues, due: DueStream[]): Promise<void> {
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

/** While a mailbox's first backfill runs, its contacts are brought up to date at most this often. */
export const BACKFILL_RECOMPUTE_SECONDS = 60;

/**
 * Users whose interactions changed since their contacts were last computed. A user whose mail
 * is still in its first backfill waits BACKFILL_RECOMPUTE_SECONDS between recomputes: each
 * slice would otherwise mark most of their contacts dirty again, for nobody to look at yet
 * (the digest waits for the backfill). The slice that completes the backfill queues one at once.
 */
export async function dirtyUsers(sql: Sql, limit: number): Promise<string[]> {
  const rows = await sql<{ id: string }[]>`
    select u.id from users u
     where u.contacts_dirty_at is not null
       and (u.contacts_computed_at is null or u.contacts_computed_at < u.contacts_dirty_at)
       and not (u.contacts_computed_at > now() - make_interval(secs => ${BACKFILL_RECOMPUTE_SECONDS})
                and exists (select 1 from accounts a join sync_streams s on s.account_id = a.id
                             where a.user_id = u.id and a.status = 'active' and s.stream = 'mail'
                               and s.backfill_completed_at is null))
     limit ${limit}`;
  return rows.map((r) => r.id);
}

/** One pending recompute per user at a time; later changes are caught by the next tick. */
export async function enqueueRecomputes(queues: Queues, userIds: string[]): Promise<void> {
  if (userIds.length === 0) return;
  await queues.contacts.addBulk(
    userIds.map((userId) => ({
      name: 'recompute-contacts',
      data: { userId },
      opts: { ...contactsJobOptions, deduplication: { id: `recompute-${userId}` } },
    })),
  );
}

/** Puts claimed digests on the queue (ids only; the digests row is the claim). */
export async function enqueueDigests(queues: Queues, digestIds: string[]): Promise<void> {
  if (digestIds.length === 0) return;
  const stamp = Date.now();
  await queues.digest.addBulk(
    digestIds.map((digestId) => ({
      name: 'send-digest',
      data: { digestId },
      opts: { ...digestJobOptions, jobId: `digest-${digestId}-${stamp}` },
    })),
  );
}
