import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Logger } from 'pino';
import { notifyDigestPause } from '../accounts/notify-digest-pause.ts';
import { notifyReauth } from '../accounts/notify-reauth.ts';
import { configWarnings, dkimSettings, type Config } from '../config/env.ts';
import { recomputeContacts } from '../contact-store/recompute-contacts.ts';
import { createDatabase } from '../db/client.ts';
import { queueDueDigests } from '../digest/schedule-digests.ts';
import { resolveUnknownDigests } from '../digest/resolve-unknown-digests.ts';
import { messageIdDomain, sendDigest, type SendOutcome } from '../digest/send-digest.ts';
import { createMailer, type Mailer } from '../mailer/create-mailer.ts';
import { createRedis } from '../queue/connection.ts';
import { watchRedisState } from '../queue/connection-state.ts';
import { LOST_SYNC_SECONDS, releaseLostSyncs } from '../queue/release-lost-syncs.ts';
import { claimDueStreams, dirtyUsers, enqueueDigests, enqueueRecomputes, enqueueSyncs, type Queues } from '../queue/enqueue.ts';
import {
  CONTACTS_QUEUE,
  DIGEST_QUEUE,
  recomputeContactsJob,
  sendDigestJob,
  SYNC_QUEUE,
  syncStreamJob,
  type RecomputeContactsJob,
  type SendDigestJob,
  type SyncStreamJob,
} from '../queue/queues.ts';
import { providerRegistry, type ProviderFor } from '../sync/provider-registry.ts';
import { syncStream, type SyncOutcome } from '../sync/sync-stream.ts';
import { closeWithin } from './shutdown-deadline.ts';

const REAUTH_PASS_MS = 60_000;
/** Digest jobs per unit of WORKER_CONCURRENCY. */
const DIGESTS_PER_SYNC_SLOT = 4;

export interface WorkerHandle {
  /** Runs one scheduler pass now (the interval runs it too). */
  tick(): Promise<void>;
  /** Stops taking jobs, lets running ones finish, closes every connection. */
  close(): Promise<void>;
}

export interface StartWorkerOptions {
  config: Config;
  logger: Logger;
  /** Tests may build providers differently; production uses the registry. */
  providerFor?: ProviderFor;
  /** Where digests go; production and the demo build it from SMTP_URL. */
  mailer?: Mailer;
}

/**
 * One worker process: the sync, contacts and digest workers plus the scheduler that turns
 * due rows in Postgres (streams to sync, stale contacts, this week's digests) into jobs. Any number of these can run against the same Postgres and Redis.
 */
export async function startWorker(options: StartWorkerOptions): Promise<WorkerHandle> {
  const { config, logger } = options;
  const database = createDatabase(config.DATABASE_URL, { max: config.WORKER_CONCURRENCY * 2 + 2 });
  // One connection for commands; BullMQ opens the blocking ones workers need by itself.
  const redis = createRedis(config.REDIS_URL);
  const connection = redis;
  const prefix = config.QUEUE_PREFIX;
  const queues: Queues = {
    sync: new Queue<SyncStreamJob>(SYNC_QUEUE, { connection, prefix }),
    contacts: new Queue<RecomputeContactsJob>(CONTACTS_QUEUE, { connection, prefix }),
    digest: new Queue<SendDigestJob>(DIGEST_QUEUE, { connection, prefix }),
  };
  const mailer = options.mailer ?? createMailer(config.SMTP_URL, { dkim: dkimSettings(config), pool: true });
  const digestSettings = {
    mailFrom: config.MAIL_FROM,
    inboundDomain: config.INBOUND_DOMAIN,
    publicUrl: config.PUBLIC_URL,
    budget: config.DIGEST_BUDGET,
    returnPath: config.DIGEST_RETURN_PATH,
    ...(config.LINK_SECRETS
      ? { actionLinks: { keys: { secrets: config.LINK_SECRETS }, publicUrl: config.PUBLIC_URL, days: config.ACTION_LINK_DAYS } }
      : {}),
  };
  if (!config.LINK_SECRETS) logger.warn('LINK_SECRETS is not set: digests go out without their done / snooze / never links');
  for (const { variable, message } of configWarnings(config)) logger.warn({ variable }, `${variable} ${message}`);
  const owner = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const providerFor = options.providerFor ?? providerRegistry({ config, sql: database.sql, redis, logger });
  const syncDeps = {
    sql: database.sql,
    logger,
    owner,
    providerFor,
    settings: {
      leaseSeconds: config.SYNC_LEASE_SECONDS,
      pagesPerJob: config.SYNC_PAGES_PER_JOB,
      intervalMinutes: config.SYNC_INTERVAL_MINUTES,
      storeSubjects: config.STORE_SUBJECTS,
    },
  };

  const syncWorker = new Worker<SyncStreamJob, SyncOutcome['status']>(
    SYNC_QUEUE,
    async (job: Job<SyncStreamJob>) => {
      const { accountId, stream } = syncStreamJob.parse(job.data);
      const outcome = await syncStream({ ...syncDeps, logger: logger.child({ jobId: job.id }) }, accountId, stream);
      if (outcome.status === 'more') await enqueueSyncs(queues, [{ accountId, stream, phase: outcome.phase }]);
      // Mid-backfill slices leave their people dirty for the scheduler's (throttled) recompute.
      if (outcome.status === 'caught_up' && outcome.items > 0) {
        const [account] = await database.sql<{ userId: string }[]>`select user_id as "userId" from accounts where id = ${accountId}`;
        if (account) await enqueueRecomputes(queues, [account.userId]);
      }
      // Postgres already holds the retry schedule; BullMQ must not retry on its own.
      if (outcome.status === 'failed') throw new UnrecoverableError(outcome.error.message);
      if (outcome.status === 'needs_reauth') throw new UnrecoverableError('account needs re-authorisation');
      return outcome.status;
    },
    { connection, prefix, concurrency: config.WORKER_CONCURRENCY },
  );

  const contactsWorker = new Worker<RecomputeContactsJob, number>(
    CONTACTS_QUEUE,
    async (job) => recomputeContacts(database.sql, recomputeContactsJob.parse(job.data).userId),
    { connection, prefix, concurrency: 1 },
  );

  const digestWorker = new Worker<SendDigestJob, SendOutcome>(
    DIGEST_QUEUE,
    async (job) =>
      sendDigest({ sql: database.sql, mailer, logger: logger.child({ jobId: job.id }), settings: digestSettings }, sendDigestJob.parse(job.data).digestId),
    // A digest job mostly waits (Postgres, then SMTP's answer): more of them run at once than
    // sync jobs, or a worker sits idle while thousands of users' Monday digests queue up.
    { connection, prefix, concurrency: config.WORKER_CONCURRENCY * DIGESTS_PER_SYNC_SLOT },
  );

  // Redis going away and coming back: one line each, however many connections notice.
  watchRedisState(redis, logger, { component: 'worker' }).watch(syncWorker, contactsWorker, digestWorker, ...Object.values(queues));
  for (const worker of [syncWorker, contactsWorker, digestWorker]) {
    worker.on('failed', (job, err) => logger.warn({ jobId: job?.id, queue: worker.name, err: err.message }, 'job failed'));
  }

  let lastReauthPass = 0;
  let lastSweep = 0;
  let ticking: Promise<void> | null = null;
  const tick = async () => {
    // One pass at a time in this process; other processes are kept apart by SKIP LOCKED.
    ticking ??= (async () => {
      try {
        // Streams whose job vanished (Redis flushed, a process killed mid-enqueue) go back to due.
        if (Date.now() - lastSweep >= LOST_SYNC_SECONDS * 1000) {
          lastSweep = Date.now();
          const released = await releaseLostSyncs(database.sql, queues.sync);
          if (released > 0) logger.warn({ released }, 'queued syncs whose job was lost are queued again');
        }
        await enqueueSyncs(queues, await claimDueStreams(database.sql, 500));
        await enqueueRecomputes(queues, await dirtyUsers(database.sql, 500));
        await enqueueDigests(queues, await queueDueDigests(database.sql, { messageIdDomain: messageIdDomain(config.MAIL_FROM) }));
        await enqueueDigests(queues, (await resolveUnknownDigests(database.sql, { resendAfterHours: config.DIGEST_RESEND_AFTER_HOURS, logger })).resend);
        // Revoked grants and paused digests: one email each, at most one pass a minute per process.
        if (Date.now() - lastReauthPass >= REAUTH_PASS_MS) {
          lastReauthPass = Date.now();
          const notices = { sql: database.sql, mailer, logger, settings: { mailFrom: config.MAIL_FROM, publicUrl: config.PUBLIC_URL } };
          await notifyReauth(notices);
          // Digests rekindle paused (a hard bounce, a complaint): at most one notice per pause.
          await notifyDigestPause(notices);
        }
      } catch (err) {
        logger.error({ err }, 'scheduler pass failed; will try again');
      } finally {
        ticking = null;
      }
    })();
    return ticking;
  };
  const interval = setInterval(() => void tick(), config.SCHEDULER_TICK_SECONDS * 1000);
  void tick();
  logger.info({ owner, concurrency: config.WORKER_CONCURRENCY }, 'worker started');

  return {
    tick,
    close: () => closeWithin(config.WORKER_SHUTDOWN_SECONDS, logger, async () => {
      clearInterval(interval);
      await ticking;
      await Promise.all([syncWorker.close(), contactsWorker.close(), digestWorker.close()]);
      await Promise.all([queues.sync.close(), queues.contacts.close(), queues.digest.close()]);
      if (!options.mailer) mailer.close();
      redis.disconnect();
      await database.close();
      logger.info('worker stopped');
    }),
  };
}
