import type { JobsOptions } from 'bullmq';

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
