import type { JobsOptions } from 'bullmq';

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
