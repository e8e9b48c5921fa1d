/**
 * One worker process, composed: the sync, contacts and digest queues' processors (one file
 * each beside this one, with their payload schema and job options) and the scheduler that
 * feeds them. Any number of these run against the same Postgres and Redis.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import type { Logger } from 'pino';
import { configWarnings, dkimSettings, type Config } from '../config/env.ts';
import { createDatabase } from '../db/client.ts';
import { mailFromDomain } from '../mailer/message-id.ts';
import { createMailer, type Mailer } from '../mailer/create-mailer.ts';
import { createRedis } from '../queue/connection.ts';
import { watchRedisState } from '../queue/connection-state.ts';
import { providerRegistry, type ProviderFor } from '../sync/provider-registry.ts';
import { CONTACTS_QUEUE, contactsProcessor, type RecomputeContactsJob } from './contacts.ts';
import { DIGEST_QUEUE, digestProcessor, DIGESTS_PER_SYNC_SLOT, type SendDigestJob } from './digest.ts';
import { JobMeter, meterKey } from './job-meter.ts';
import type { Queues } from './queues.ts';
import { createScheduler } from './scheduler.ts';
import { closeWithin } from './shutdown-deadline.ts';
import { SYNC_QUEUE, syncProcessor, type SyncStreamJob } from './sync.ts';

/** How often a worker writes its CPU per job kind to Redis (and once more when it stops). */
const METER_FLUSH_MS = 5_000;

export interface WorkerHandle {
  /** Runs one scheduler pass now (the interval runs it too). */
  tick(): Promise<void>;
  /** This worker's name: its leases in Postgres and its CPU totals in Redis carry it. */
  owner: string;
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
  if (!config.LINK_SECRETS) logger.warn('LINK_SECRETS is not set: digests go out without their done / snooze / never links');
  for (const { variable, message } of configWarnings(config)) logger.warn({ variable }, `${variable} ${message}`);
  const owner = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const meter = new JobMeter();

  const sync = syncProcessor({
    sql: database.sql,
    logger,
    owner,
    queues,
    providerFor: options.providerFor ?? providerRegistry({ config, sql: database.sql, redis, logger }),
    settings: {
      leaseSeconds: config.SYNC_LEASE_SECONDS,
      pagesPerJob: config.SYNC_PAGES_PER_JOB,
      intervalMinutes: config.SYNC_INTERVAL_MINUTES,
      storeSubjects: config.STORE_SUBJECTS,
    },
  });
  const contacts = contactsProcessor({ sql: database.sql });
  const digest = digestProcessor({
    sql: database.sql,
    mailer,
    logger,
    settings: {
      mailFrom: config.MAIL_FROM,
      inboundDomain: config.INBOUND_DOMAIN,
      publicUrl: config.PUBLIC_URL,
      budget: config.DIGEST_BUDGET,
      returnPath: config.DIGEST_RETURN_PATH,
      ...(config.LINK_SECRETS
        ? { actionLinks: { keys: { secrets: config.LINK_SECRETS }, publicUrl: config.PUBLIC_URL, days: config.ACTION_LINK_DAYS } }
        : {}),
    },
  });

  const workers = [
    new Worker(
      SYNC_QUEUE,
      meter.metered(
        sync,
        (job) => `sync.${job.data.stream}`,
        (result) => result.items,
      ),
      { connection, prefix, concurrency: config.WORKER_CONCURRENCY },
    ),
    new Worker(
      CONTACTS_QUEUE,
      meter.metered(
        contacts,
        () => 'contacts',
        (result) => result.interactionsRead,
      ),
      { connection, prefix, concurrency: 1 },
    ),
    new Worker(
      DIGEST_QUEUE,
      meter.metered(
        digest,
        () => 'digest',
        (outcomes) => outcomes.filter((o) => o === 'sent').length,
      ),
      { connection, prefix, concurrency: config.WORKER_CONCURRENCY * DIGESTS_PER_SYNC_SLOT },
    ),
  ];
  // Redis going away and coming back: one line each, however many connections notice.
  watchRedisState(redis, logger, { component: 'worker' }).watch(...workers, ...Object.values(queues));
  for (const worker of workers) {
    worker.on('failed', (job, err) => logger.warn({ jobId: job?.id, queue: worker.name, err: err.message }, 'job failed'));
  }

  const tickMs = config.SCHEDULER_TICK_SECONDS * 1000;
  const scheduler = createScheduler(
    {
      sql: database.sql,
      redis,
      turnKey: `${prefix}:scheduler-turn`,
      owner,
      tickMs,
      queues,
      mailer,
      logger,
      settings: {
        mailFrom: config.MAIL_FROM,
        publicUrl: config.PUBLIC_URL,
        messageIdDomain: mailFromDomain(config.MAIL_FROM),
        resendAfterHours: config.DIGEST_RESEND_AFTER_HOURS,
      },
    },
    // Its passes are metered like jobs, so the scheduler's CPU is its own line, not the jobs'.
    meter.metered(
      (pass: () => Promise<number>) => pass(),
      () => 'scheduler',
      (queued) => queued,
    ),
  );
  const key = meterKey(prefix, owner);
  const flushMeter = () => meter.flush(redis, key).catch((err: unknown) => logger.warn({ err }, 'could not record worker CPU'));
  const ticks = setInterval(() => void scheduler.tickInTurn(), tickMs);
  const flushes = setInterval(() => void flushMeter(), METER_FLUSH_MS);
  void scheduler.tickInTurn();
  logger.info({ owner, concurrency: config.WORKER_CONCURRENCY }, 'worker started');

  let closing: Promise<void> | null = null;
  return {
    tick: () => scheduler.tick(),
    owner,
    close() {
      closing ??= closeWithin(config.WORKER_SHUTDOWN_SECONDS, logger, async () => {
        clearInterval(ticks);
        clearInterval(flushes);
        await scheduler.running();
        await Promise.all(workers.map((w) => w.close()));
        await flushMeter();
        await Promise.all([queues.sync.close(), queues.contacts.close(), queues.digest.close()]);
        if (!options.mailer) mailer.close();
        redis.disconnect();
        await database.close();
        logger.info('worker stopped');
      });
      return closing;
    },
  };
}
