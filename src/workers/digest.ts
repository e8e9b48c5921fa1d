/**
 * The digest queue: one job sends one claimed `digests` row (src/digest/send-digest.ts: at
 * most once, recorded before SMTP). Produced by the scheduler from users whose weekly slot
 * has passed, and by a `more` reply.
 */
import type { Job, JobsOptions } from 'bullmq';
import type { Logger } from 'pino';
import type { Sql } from 'postgres';
import { z } from 'zod';
import { sendDigest, type DigestSettings, type SendOutcome } from '../digest/send-digest.ts';
import type { Mailer } from '../mailer/create-mailer.ts';
import { DIGEST_QUEUE } from '../queue/queues.ts';
import type { Queues } from './queues.ts';

export { DIGEST_QUEUE };

export const sendDigestJob = z.object({ digestId: z.uuid() });
export type SendDigestJob = z.infer<typeof sendDigestJob>;

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
 * Digest jobs per unit of WORKER_CONCURRENCY. A digest job mostly waits (Postgres, then SMTP's
 * answer): more of them run at once than sync jobs, or a worker sits idle while thousands of
 * users' Monday digests queue up.
 */
export const DIGESTS_PER_SYNC_SLOT = 4;

/** Puts claimed digests on the queue (ids only; the digests row is the claim). */
export async function enqueueDigests(queues: Pick<Queues, 'digest'>, digestIds: string[]): Promise<void> {
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

export function digestProcessor(deps: { sql: Sql; mailer: Mailer; logger: Logger; settings: DigestSettings }) {
  return async (job: Job<SendDigestJob>): Promise<SendOutcome> =>
    sendDigest({ ...deps, logger: deps.logger.child({ jobId: job.id }) }, sendDigestJob.parse(job.data).digestId);
}
