import type { Sql } from 'postgres';
import type { SyncPhase, SyncStreamName } from '../db/schema.ts';

export interface ClaimedStream {
  accountId: string;
  userId: string;
  provider: 'google' | 'microsoft' | 'imap';
  accountEmail: string;
  stream: SyncStreamName;
  phase: SyncPhase;
  cursor: unknown;
  fullResyncs: number;
  consecutiveFailures: number;
  /** When the current full sync started; events not seen since are gone once it completes. */
  backfillStartedAt: Date | null;
}

/**
 * Claims one account's stream for this worker: at most one sync per account and stream runs
 * at a time, across every worker process. A claim is a lease; a worker that dies simply lets
 * it expire, and the next claim resumes from the committed cursor.
 */
export async function claimStream(
  sql: Sql,
  accountId: string,
  stream: SyncStreamName,
  owner: string,
  leaseSeconds: number,
): Promise<ClaimedStream | null> {
  const rows = await sql<ClaimedStream[]>`
    update sync_streams s
       set lease_owner = ${owner},
           lease_until = now() + make_interval(secs => ${leaseSeconds}),
           enqueued_at = null
      from accounts a
     where s.account_id = ${accountId}
       and s.stream = ${stream}
       and a.id = s.account_id
       and a.status = 'active'
       and (s.lease_until is null or s.lease_until < now())
    returning s.account_id as "accountId", a.user_id as "userId", a.provider, a.email as "accountEmail",
              s.stream, s.phase, s.cursor, s.full_resyncs as "fullResyncs",
              s.consecutive_failures as "consecutiveFailures", s.backfill_started_at as "backfillStartedAt"`;
  return rows[0] ?? null;
}

export interface CursorAdvance {
  cursor: unknown;
  phase: SyncPhase;
  quotaUnits: number;
  oldestItemAt: Date | null;
  caughtUp: boolean;
}

/**
 * Stores the cursor after the page it covers is committed, and renews the lease. Returns
 * false when the lease was lost (it expired and another worker took over): the caller must
 * stop without writing anything else.
 */
export async function advanceCursor(
  sql: Sql,
  claim: ClaimedStream,
  owner: string,
  leaseSeconds: number,
  advance: CursorAdvance,
): Promise<boolean> {
  const backfilling = advance.phase === 'backfill' || claim.phase === 'backfill';
  const rows = await sql`
    update sync_streams
       set cursor = ${sql.json(advance.cursor as never)},
           phase = ${advance.phase},
           quota_units_spent = quota_units_spent + ${advance.quotaUnits},
           backfill_oldest_at = case when ${backfilling} and ${advance.oldestItemAt}::timestamptz is not null
                                     then least(coalesce(backfill_oldest_at, 'infinity'), ${advance.oldestItemAt}::timestamptz)
                                     else backfill_oldest_at end,
           backfill_completed_at = case when ${advance.caughtUp} and backfill_completed_at is null
                                        then now() else backfill_completed_at end,
           lease_until = now() + make_interval(secs => ${leaseSeconds})
     where account_id = ${claim.accountId} and stream = ${claim.stream} and lease_owner = ${owner}
    returning 1`;
  if (rows.length === 0) return false;
  claim.phase = advance.phase;
  claim.cursor = advance.cursor;
  return true;
}

/** Extends the lease while a long page is worked on; false when another worker holds it now. */
export async function renewLease(sql: Sql, claim: ClaimedStream, owner: string, leaseSeconds: number): Promise<boolean> {
  const rows = await sql`
    update sync_streams set lease_until = now() + make_interval(secs => ${leaseSeconds})
     where account_id = ${claim.accountId} and stream = ${claim.stream} and lease_owner = ${owner}
    returning 1`;
  return rows.length > 0;
}

/** Forgets the cursor so the next page starts a full resync; stored data is kept. */
export async function resetCursor(sql: Sql, claim: ClaimedStream, owner: string): Promise<boolean> {
  const rows = await sql`
    update sync_streams
       set cursor = null, phase = 'backfill', full_resyncs = full_resyncs + 1,
           backfill_completed_at = null, backfill_started_at = null
     where account_id = ${claim.accountId} and stream = ${claim.stream} and lease_owner = ${owner}
    returning 1`;
  if (rows.length === 0) return false;
  claim.cursor = null;
  claim.phase = 'backfill';
  claim.fullResyncs++;
  return true;
}

/** A full sync starts (again) from an empty cursor: everything it lists is seen after now. */
export async function markBackfillStarted(sql: Sql, claim: ClaimedStream): Promise<Date> {
  const [row] = await sql<{ startedAt: Date }[]>`
    update sync_streams set backfill_started_at = now()
     where account_id = ${claim.accountId} and stream = ${claim.stream}
    returning backfill_started_at as "startedAt"`;
  return row!.startedAt;
}

export interface Release {
  /** When this stream should run next. */
  nextRunAt: Date;
  error?: string | null;
  failed?: boolean;
  /** The caller queues the next slice itself; the scheduler must not queue another. */
  requeued?: boolean;
}

/** Gives the stream back, with its next run time; records or clears the failure streak. */
export async function releaseStream(sql: Sql, claim: ClaimedStream, owner: string, release: Release): Promise<void> {
  await sql`
    update sync_streams
       set lease_owner = null, lease_until = null,
           next_run_at = ${release.nextRunAt},
           enqueued_at = case when ${release.requeued ?? false} then now() else null end,
           last_synced_at = case when ${release.failed ?? false} then last_synced_at else now() end,
           consecutive_failures = case when ${release.failed ?? false} then consecutive_failures + 1 else 0 end,
           last_error = ${release.error ?? null}
     where account_id = ${claim.accountId} and stream = ${claim.stream} and lease_owner = ${owner}`;
}
