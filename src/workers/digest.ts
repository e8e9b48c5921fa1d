/**
 * The digest queue: one job sends a few claimed `digests` rows at once, each on its own
 * (src/digest/send-digest.ts: at most once, recorded before SMTP; the row, not the job, is
 * the claim). Produced by the scheduler from users whose weekly slot has passed, and by a
 * `more` reply. A few per job because a BullMQ job costs the worker about as much CPU as
 * composing a digest (its Redis scripts to take and finish it): eight share that cost.
 */
import type { Job, JobsOptions } from 'bullmq';
import type { Logger } from 'pino';
import type { Sql } from 'postgres';
import { z } from 'zod';
import { sendDigests, type DigestSettings, type SendOutcome } from '../digest/send-digest.ts';
import type { Mailer } from '../mailer/create-mailer.ts';
import { DIGEST_QUEUE } from '../queue/queues.ts';
import type { Queues } from './queues.ts';

export { DIGEST_QUEUE };

/** Digests one job sends. */
export const DIGESTS_PER_JOB = 8;

/** `digestId`: a job queued by a worker of before, one digest each (read during a rolling upgrade). */
export const sendDigestJob = z.union([
  z.object({ digestIds: z.array(z.uuid()).min(1).max(DIGESTS_PER_JOB) }),
  z.object({ digestId: z.uuid() }).transform(({ digestId }) => ({ digestIds: [digestId] })),
]);
export type SendDigestJob = z.input<typeof sendDigestJob>;

/**
 * Digest jobs are not retried by BullMQ: the `digests` row holds the state and the retry
 * time, and the scheduler queues a digest again when its claim lapses or SMTP refused it.
 * A BullMQ retry could only find the row already claimed.
 */
export const digestJobOptions: JobsOptions = {
  attempts: 1,
  removeOnComplete: { count: 1_000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
};

/**
 * Digest jobs per unit of WORKER_CONCURRENCY. A digest mostly waits (Postgres, then SMTP's
 * answer): more of them run at once than sync jobs (eight per job, twice WORKER_CONCURRENCY
 * jobs), or a worker sits idle while thousands of users' Monday digests queue up.
 */
export const DIGESTS_PER_SYNC_SLOT = 2;

/** Puts claimed digests on the queue (ids only; the digests row is the claim). */
export async function enqueueDigests(queues: Pick<Queues, 'digest'>, digestIds: string[]): Promise<void> {
  if (digestIds.length === 0) return;
  const stamp = Date.now();
  const jobs = [];
  for (let start = 0; start < digestIds.length; start += DIGESTS_PER_JOB) {
    const ids = digestIds.slice(start, start + DIGESTS_PER_JOB);
    jobs.push({ name: 'send-digest', data: { digestIds: ids }, opts: { ...digestJobOptions, jobId: `digest-${ids[0]}-${stamp}` } });
  }
  await queues.digest.addBulk(jobs);
}

/**
 * Sends the job's digests (claimed in one statement, then each on its own); the job fails
 * (and says why) if any of them threw, after all of them ended — a digest that threw stays
 * claimed until its lease lapses and the scheduler queues it again, as before.
 */
export function digestProcessor(deps: { sql: Sql; mailer: Mailer; logger: Logger; settings: DigestSettings }) {
  return async (job: Job<SendDigestJob>): Promise<SendOutcome[]> => {
    const settled = await sendDigests({ ...deps, logger: deps.logger.child({ jobId: job.id }) }, sendDigestJob.parse(job.data).digestIds);
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    return settled.map((s) => (s as PromiseFulfilledResult<SendOutcome>).value);
  };
}
