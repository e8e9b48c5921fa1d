/**
 * The scheduler: every SCHEDULER_TICK_SECONDS, turns due rows in Postgres into jobs — streams
 * to sync, users whose contacts changed, this week's digests — and sends the one-off notices
 * (revoked grants, paused digests). It runs in every worker process; its passes take rows
 * with `FOR UPDATE SKIP LOCKED` or unique claims, so N schedulers queue nothing twice.
 */
import type { Logger } from 'pino';
import type { Sql } from 'postgres';
import { notifyDigestPause } from '../accounts/notify-digest-pause.ts';
import { notifyReauth } from '../accounts/notify-reauth.ts';
import { queueDueDigests } from '../digest/schedule-digests.ts';
import type { Mailer } from '../mailer/create-mailer.ts';
import { LOST_SYNC_SECONDS, releaseLostSyncs } from '../queue/release-lost-syncs.ts';
import { dirtyUsers, enqueueRecomputes } from './contacts.ts';
import { enqueueDigests } from './digest.ts';
import type { Queues } from './queues.ts';
import { claimDueStreams, enqueueSyncs } from './sync.ts';

/** Revoked grants and paused digests: one email each, at most one pass a minute per process. */
const NOTICE_PASS_MS = 60_000;

export interface SchedulerDeps {
  sql: Sql;
  queues: Queues;
  mailer: Mailer;
  logger: Logger;
  settings: { mailFrom: string; publicUrl: string; messageIdDomain: string };
}

export interface Scheduler {
  /** One pass now; a pass already running in this process is joined, not doubled. */
  tick(): Promise<void>;
  /** The pass running now, if any (a stopping worker waits for it and starts none). */
  running(): Promise<void>;
}

export function createScheduler(deps: SchedulerDeps): Scheduler {
  const { sql, queues, logger } = deps;
  let lastNotices = 0;
  let lastSweep = 0;
  let ticking: Promise<void> | null = null;
  const pass = async () => {
    // Streams whose job vanished (Redis flushed, a process killed mid-enqueue) go back to due.
    if (Date.now() - lastSweep >= LOST_SYNC_SECONDS * 1000) {
      lastSweep = Date.now();
      const released = await releaseLostSyncs(sql, queues.sync);
      if (released > 0) logger.warn({ released }, 'queued syncs whose job was lost are queued again');
    }
    await enqueueSyncs(queues, await claimDueStreams(sql, 500));
    await enqueueRecomputes(queues, await dirtyUsers(sql, 500));
    await enqueueDigests(queues, await queueDueDigests(sql, { messageIdDomain: deps.settings.messageIdDomain }));
    if (Date.now() - lastNotices >= NOTICE_PASS_MS) {
      lastNotices = Date.now();
      const notices = { sql, mailer: deps.mailer, logger, settings: { mailFrom: deps.settings.mailFrom, publicUrl: deps.settings.publicUrl } };
      await notifyReauth(notices);
      // Digests rekindle paused (a hard bounce, a complaint): at most one notice per pause.
      await notifyDigestPause(notices);
    }
  };
  return {
    tick() {
      ticking ??= pass()
        .catch((err: unknown) => logger.error({ err }, 'scheduler pass failed; will try again'))
        .finally(() => {
          ticking = null;
        });
      return ticking;
    },
    running: () => ticking ?? Promise.resolve(),
  };
}
