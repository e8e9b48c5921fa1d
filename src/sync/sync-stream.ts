import type { Logger } from 'pino';
import type { Sql } from 'postgres';
import { addUserAliases } from '../accounts/connect-account.ts';
import { createOwner } from '../contacts/owner.ts';
import type { SyncStreamName } from '../db/schema.ts';
import { isProviderError, ProviderError } from '../providers/provider-error.ts';
import type { ProviderAccount } from '../providers/types.ts';
import { readCalendarPages } from './calendar-pages.ts';
import { removeEventsNotSeenSince } from './ingest-calendar.ts';
import { readMailPages } from './mail-pages.ts';
import {
  advanceCursor,
  claimStream,
  markBackfillStarted,
  releaseStream,
  renewLease,
  resetCursor,
  type ClaimedStream,
} from './stream-lease.ts';

export interface SyncSettings {
  leaseSeconds: number;
  pagesPerJob: number;
  intervalMinutes: number;
  storeSubjects: boolean;
  /** Messages committed together; a crash loses at most this much fetched work (plus requests in flight). */
  commitBatch?: number;
}

export interface SyncDeps {
  sql: Sql;
  logger: Logger;
  settings: SyncSettings;
  /** Builds the provider for a claimed account (with its token store and request gates). */
  providerFor(claim: ClaimedStream): ProviderAccount & { spent(): number };
  /** A unique name of this worker (for leases). */
  owner: string;
}

export type SyncOutcome =
  | { status: 'busy' }
  | { status: 'more'; pages: number; items: number; phase: 'backfill' | 'incremental' }
  | { status: 'caught_up'; pages: number; items: number }
  | { status: 'throttled'; retryAfterMs: number }
  | { status: 'needs_reauth' }
  | { status: 'failed'; error: ProviderError | Error; retryable: boolean };

const MINUTE = 60_000;

/**
 * One slice of one account's stream: claim it, read up to `pagesPerJob` pages, commit each
 * page's data and only then its cursor, and give the stream back with its next run time.
 * Dying anywhere in here is safe: uncommitted pages are read again, committed messages are
 * not fetched again, and the lease expires on its own.
 */
export async function syncStream(deps: SyncDeps, accountId: string, stream: SyncStreamName): Promise<SyncOutcome> {
  const { sql, settings, owner } = deps;
  const claim = await claimStream(sql, accountId, stream, owner, settings.leaseSeconds);
  if (!claim) return { status: 'busy' };
  const logger = deps.logger.child({ accountId, stream });

  let pages = 0;
  let items = 0;
  // A page can take longer than the lease (quota pacing): keep renewing it while we work.
  const heartbeat = setInterval(
    () => {
      renewLease(sql, claim, owner, settings.leaseSeconds).then(
        (held) => held || logger.warn('lease lost to another worker'),
        (err: unknown) => logger.warn({ err }, 'could not renew the lease'),
      );
    },
    (settings.leaseSeconds * 1000) / 3,
  );
  let provider: (ProviderAccount & { spent(): number }) | null = null;
  try {
    provider = deps.providerFor(claim);
    let spentBefore = provider.spent();
    if (stream === 'mail' && claim.cursor === null) {
      // The mailbox's own addresses as the provider reports them are the user, never contacts.
      const profile = await provider.profile();
      await addUserAliases(sql, claim.userId, [profile.email, ...profile.aliases], 'provider');
    }
    const owners = await sql<{ address: string }[]>`select address from user_addresses where user_id = ${claim.userId}`;
    const target = {
      userId: claim.userId,
      accountId,
      owner: createOwner(owners.map((o) => o.address)),
      storeSubjects: settings.storeSubjects,
    };

    while (pages < settings.pagesPerJob) {
      if (claim.cursor === null) claim.backfillStartedAt = await markBackfillStarted(sql, claim);
      const reader =
        stream === 'mail'
          ? readMailPages(claim.cursor, {
              sql,
              provider,
              target,
              logger,
              maxPages: settings.pagesPerJob - pages,
              commitBatch: settings.commitBatch ?? 100,
            })
          : readCalendarPages(claim.cursor, { sql, provider, target, maxPages: settings.pagesPerJob - pages });
      try {
        for await (const page of reader) {
          const wasBackfill = claim.phase === 'backfill';
          pages++;
          items += page.items;
          const spent = provider.spent();
          const advanced = await advanceCursor(sql, claim, owner, settings.leaseSeconds, {
            cursor: page.cursor,
            phase: page.phase,
            quotaUnits: spent - spentBefore,
            oldestItemAt: page.oldest,
            caughtUp: page.caughtUp,
          });
          spentBefore = spent;
          if (!advanced) {
            logger.warn('lease lost to another worker; stopping');
            return { status: 'busy' };
          }
          if (stream === 'calendar' && wasBackfill && page.phase === 'incremental' && claim.backfillStartedAt) {
            const removed = await removeEventsNotSeenSince(sql, target, claim.backfillStartedAt);
            if (removed > 0) logger.info({ removed }, 'removed events the full resync no longer lists');
          }
          if (page.caughtUp) {
            await releaseStream(sql, claim, owner, { nextRunAt: new Date(Date.now() + settings.intervalMinutes * MINUTE) });
            logger.info({ pages, items }, 'caught up');
            return { status: 'caught_up', pages, items };
          }
        }
      } catch (error) {
        // An expired cursor starts a full resync; one that expires on a fresh start is a real failure.
        if (isProviderError(error, 'cursor_expired') && claim.cursor !== null) {
          logger.warn({ phase: claim.phase }, 'cursor expired; starting a full resync (stored data is kept)');
          if (!(await resetCursor(sql, claim, owner))) return { status: 'busy' };
          continue;
        }
        throw error;
      }
    }
    // More pages wait: the caller queues the next slice at the back of the queue, so other
    // accounts get their turn between slices of a long backfill.
    await releaseStream(sql, claim, owner, { nextRunAt: new Date(), requeued: true });
    logger.info({ pages, items, phase: claim.phase }, 'slice done; more to sync');
    return { status: 'more', pages, items, phase: claim.phase };
  } catch (error) {
    return await handleFailure(deps, claim, logger, error);
  } finally {
    clearInterval(heartbeat);
    await provider?.close?.().catch((err: unknown) => logger.debug({ err }, 'could not close the provider'));
  }
}

/** Maps a failure to the account's next state; Postgres holds the retry schedule. */
async function handleFailure(deps: SyncDeps, claim: ClaimedStream, logger: Logger, error: unknown): Promise<SyncOutcome> {
  const { sql, owner } = deps;
  const message = error instanceof Error ? error.message : String(error);
  if (isProviderError(error, 'auth_revoked')) {
    await sql`update accounts set status = 'needs_reauth', needs_reauth_at = now(), last_error = ${message}
               where id = ${claim.accountId}`;
    await releaseStream(sql, claim, owner, { nextRunAt: new Date(), error: message, failed: true });
    logger.warn('grant revoked; account needs re-authorisation, syncing stopped');
    return { status: 'needs_reauth' };
  }
  if (isProviderError(error, 'throttled')) {
    const retryAfterMs = error.retryAfterMs ?? MINUTE;
    await releaseStream(sql, claim, owner, { nextRunAt: new Date(Date.now() + retryAfterMs), error: message });
    logger.info({ retryAfterMs }, 'throttled; rescheduled after the provider’s Retry-After');
    return { status: 'throttled', retryAfterMs };
  }
  const retryable = !isProviderError(error, 'permanent');
  const delay = retryable ? failureBackoff(claim.consecutiveFailures + 1) : 6 * 60 * MINUTE;
  await releaseStream(sql, claim, owner, { nextRunAt: new Date(Date.now() + delay), error: message, failed: true }).catch(
    (releaseError: unknown) => logger.error({ err: releaseError }, 'could not release the stream; its lease will expire'),
  );
  logger.error({ err: error, retryInMs: delay }, 'sync failed');
  return { status: 'failed', error: error instanceof Error ? error : new Error(message), retryable };
}

/** 1, 2, 4 … minutes, capped at 6 hours, for failures that may heal on their own. */
function failureBackoff(failures: number): number {
  return Math.min(6 * 60, 2 ** (failures - 1)) * MINUTE;
}
