/**
 * The contacts queue: one job brings one user's stored contacts up to date
 * (src/contact-store/recompute-contacts.ts, incremental when it can be). Produced by the
 * scheduler for users whose interactions changed, and by a sync that caught up.
 */
import type { Job, JobsOptions } from 'bullmq';
import type { Sql } from 'postgres';
import { z } from 'zod';
import { refreshContacts } from '../contact-store/recompute-contacts.ts';
import { CONTACTS_QUEUE } from '../queue/queues.ts';
import type { Queues } from './queues.ts';

export { CONTACTS_QUEUE };

export const recomputeContactsJob = z.object({ userId: z.uuid() });
export type RecomputeContactsJob = z.infer<typeof recomputeContactsJob>;

export const contactsJobOptions: JobsOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 2_000 },
  removeOnComplete: { count: 1_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

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
export async function enqueueRecomputes(queues: Pick<Queues, 'contacts'>, userIds: string[]): Promise<void> {
  if (userIds.length === 0) return;
  await queues.contacts.addBulk(
    userIds.map((userId) => ({
      name: 'recompute-contacts',
      data: { userId },
      opts: { ...contactsJobOptions, deduplication: { id: `recompute-${userId}` } },
    })),
  );
}

/** What a recompute job returns: the user's contact count and the interactions it read. */
export interface RecomputeJobResult {
  mode: 'full' | 'incremental';
  contacts: number;
  interactionsRead: number;
}

export function contactsProcessor(deps: { sql: Sql }) {
  return async (job: Job<RecomputeContactsJob>): Promise<RecomputeJobResult> => {
    const report = await refreshContacts(deps.sql, recomputeContactsJob.parse(job.data).userId);
    return { mode: report.mode, contacts: report.contacts, interactionsRead: report.interactionsRead };
  };
}
