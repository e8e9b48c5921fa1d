/**
 * The scheduler: every SCHEDULER_TICK_SECONDS, turns due rows in Postgres into jobs — streams
 * to sync, users whose contacts changed, this week's digests — and sends the one-off notices
 * (revoked grants, paused digests).
 *
 * It runs in every worker process, but one pass per tick serves the whole deployment: each
 * tick, the first process to take the turn in Redis runs the pass and the others skip it, so
 * adding workers does not multiply the polling of Postgres (with N processes each passing
 * every tick, N-1 of every N passes found nothing and cost as much). A process that dies
 * holding the turn loses it when the tick is over. Passes still take rows with `FOR UPDATE
 * SKIP LOCKED` or unique claims, so two passes at once (a slow one overlapping the next
 * tick's) queue nothing twice. A pass that filled a batch goes again at once: the tick paces
 * the polling, never the throughput.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Sql } from 'postgres';
import { notifyDigestPause } from '../accounts/notify-digest-pause.ts';
import { notifyReauth } from '../accounts/notify-reauth.ts';
import { resolveUnknownDigests } from '../digest/resolve-unknown-digests.ts';
import { queueDueDigests } from '../digest/schedule-digests.ts';
import type { Mailer } from '../mailer/create-mailer.ts';
import { LOST_SYNC_SECONDS, releaseLostSyncs } from '../queue/release-lost-syncs.ts';
import { dirtyUsers, enqueueRecomputes } from './contacts.ts';
import { enqueueDigests } from './digest.ts';
import type { Queues } from './queues.ts';
import { claimDueStreams, enqueueSyncs } from './sync.ts';

/** Revoked grants and paused digests: one email each, at most one pass a minute per process. */
const NOTICE_PASS_MS = 60_000;
/** Due rows taken per query; a pass that claimed a full batch of streams or digests goes again at once, up to BATCHES_PER_PASS times. */
const SYNC_BATCH = 500;
const RECOMPUTE_BATCH = 500;
const DIGEST_BATCH = 1_000;
const BATCHES_PER_PASS = 20;

export interface SchedulerDeps {
  sql: Sql;
  /** Where the turn is taken (the queues' Redis). */
  redis: Redis;
  /** The key of the turn, shared by every worker of the deployment. */
  turnKey: string;
  /** This worker's name. */
  owner: string;
  tickMs: number;
  queues: Queues;
  mailer: Mailer;
  logger: Logger;
  settings: { mailFrom: string; publicUrl: string; messageIdDomain: string; resendAfterHours: number };
}

export interface Scheduler {
  /** One pass now, whoever has the turn; a pass already running in this process is joined, not doubled. */
  tick(): Promise<void>;
  /** One pass if this process takes the tick's turn (what the interval calls). */
  tickInTurn(): Promise<void>;
  /** The pass running now, if any (a stopping worker waits for it and starts none). */
  running(): Promise<void>;
}

/** `meter` wraps each pass (a pass returns how many due items it handed to the queues). */
export function createScheduler(
  deps: SchedulerDeps,
  meter: (pass: () => Promise<number>) => Promise<number> = (pass) => pass(),
): Scheduler {
  const { sql, queues, logger } = deps;
  let lastNotices = 0;
  let lastSweep = 0;
  let ticking: Promise<void> | null = null;
  const pass = async (): Promise<number> => {
    // Streams whose job vanished (Redis flushed, a process killed mid-enqueue) go back to due.
    if (Date.now() - lastSweep >= LOST_SYNC_SECONDS * 1000) {
      lastSweep = Date.now();
      const released = await releaseLostSyncs(sql, queues.sync);
      if (released > 0) logger.warn({ released }, 'queued syncs whose job was lost are queued again');
    }
    // Dirty users are not claimed (a user already queued is dropped by the queue's
    // deduplication): asking again within the pass would only find the same ones.
    const users = await dirtyUsers(sql, RECOMPUTE_BATCH);
    await enqueueRecomputes(queues, users);
    let queued = users.length;
    for (let batch = 0; batch < BATCHES_PER_PASS; batch++) {
      const streams = await claimDueStreams(sql, SYNC_BATCH);
      await enqueueSyncs(queues, streams);
      const digests = await queueDueDigests(sql, { messageIdDomain: deps.settings.messageIdDomain, limit: DIGEST_BATCH });
      await enqueueDigests(queues, digests);
      queued += streams.length + digests.length;
      if (streams.length < SYNC_BATCH && digests.length < DIGEST_BATCH) break;
    }
    // Digests whose SMTP answer was lost: found in the recipient's mailbox → sent, else resent.
    const { resend } = await resolveUnknownDigests(sql, { resendAfterHours: deps.settings.resendAfterHours, logger });
    await enqueueDigests(queues, resend);
    queued += resend.length;
    if (Date.now() - lastNotices >= NOTICE_PASS_MS) {
      lastNotices = Date.now();
      const notices = {
        sql,
        mailer: deps.mailer,
        logger,
        settings: { mailFrom: deps.settings.mailFrom, publicUrl: deps.settings.publicUrl },
      };
      await notifyReauth(notices);
      // Digests rekindle paused (a hard bounce, a complaint): at most one notice per pause.
      await notifyDigestPause(notices);
    }
    return queued;
  };
  const tick = () => {
    ticking ??= meter(pass)
      .then(() => undefined)
      .catch((err: unknown) => logger.error({ err }, 'scheduler pass failed; will try again'))
      .finally(() => {
        ticking = null;
      });
    return ticking;
  };
  return {
    tick,
    async tickInTurn() {
      if (ticking) return ticking;
      try {
        const turn = await deps.redis.set(deps.turnKey, deps.owner, 'PX', deps.tickMs, 'NX');
        if (turn === null) return;
      } catch (err) {
        // Without Redis no job can be queued anyway; the next tick tries again.
        logger.warn({ err }, 'could not take the scheduler turn');
        return;
      }
      return tick();
    },
    running: () => ticking ?? Promise.resolve(),
  };
}
