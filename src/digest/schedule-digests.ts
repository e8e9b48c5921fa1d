/**
 * The digest half of the scheduler: users whose weekly slot has passed get a `digests` row
 * for that week (status `queued`), and its id goes on the queue. The row is the claim: the
 * unique (user, week) key means a second scheduler, a second worker process or a Redis that
 * lost its jobs can never make a second digest for the same week.
 */
import { randomUUID } from 'node:crypto';
import type { Sql, TransactionSql } from 'postgres';
import { digestMessageId } from '../mailer/message-id.ts';
import { currentDigestWeek } from './digest-week.ts';

/** How long a queued or preparing digest may sit before the scheduler queues it again. */
export const DIGEST_CLAIM_SECONDS = 300;
/** A digest SMTP refused is tried this many times, then that week is given up. */
export const DIGEST_MAX_ATTEMPTS = 5;
/**
 * Claims of one digest at the most before a lost outcome is no longer sent again: a bound on a
 * digest whose sending keeps killing its worker. SMTP's own refusals have DIGEST_MAX_ATTEMPTS.
 */
export const DIGEST_MAX_CLAIMS = 12;

interface Candidate {
  id: string;
  email: string;
  timezone: string;
  day: number;
  hour: number;
}

/**
 * Queues the digests that are due now and returns their ids. Due: the user has not stopped
 * digests, their contacts have been computed, no mailbox of theirs is still in its first
 * sync, and this week's digest is not yet made — or it is waiting on a claim that lapsed
 * (lost job, dead worker) or on a retry after SMTP refused it.
 */
export async function queueDueDigests(sql: Sql, options: { now?: Date; messageIdDomain: string; limit?: number }): Promise<string[]> {
  const now = options.now ?? new Date();
  // "More" lists (sent at once when a reply asks) whose send was lost or refused: try again.
  const more = await sql<{ id: string }[]>`
    update digests d set status = 'queued', lease_until = ${now}::timestamptz + make_interval(secs => ${DIGEST_CLAIM_SECONDS})
     where d.kind = 'more' and ${requeueable(sql, now)}
    returning d.id`;
  const candidates = await sql<Candidate[]>`
    select u.id, u.email, u.timezone, u.digest_day as day, u.digest_hour as hour
      from users u
     where u.digest_stopped_at is null
       and u.digest_paused_at is null
       and u.contacts_computed_at is not null
       and not exists (
         select 1 from accounts a join sync_streams s on s.account_id = a.id
          where a.user_id = u.id and a.status = 'active' and s.stream = 'mail' and s.backfill_completed_at is null)
       and not exists (
         select 1 from digests d
          where d.user_id = u.id and d.kind = 'weekly'
            -- This week's row, roughly (exactly is per timezone, below): a user whose local
            -- Monday has begun is never west of UTC-12, so six days back always suffices.
            and d.week_of > (${now}::timestamptz at time zone 'UTC')::date - 6
            and not (${requeueable(sql, now)}))
     limit ${options.limit ?? 1000}`;
  const due = candidates
    .map((c) => ({ userId: c.id, email: c.email, weekOf: currentDigestWeek(now, c) }))
    .filter((d): d is { userId: string; email: string; weekOf: string } => d.weekOf !== null);
  if (due.length === 0) return more.map((r) => r.id);
  const rows = await sql<{ id: string }[]>`
    insert into digests as d (user_id, week_of, status, token, message_id, recipient, lease_until, attempts)
    select u, w, 'queued', replace(gen_random_uuid()::text, '-', ''),
           -- digestMessageId's form (src/mailer/message-id.ts), made here for each row of the batch.
           '<rk.' || replace(gen_random_uuid()::text, '-', '') || '@' || ${options.messageIdDomain} || '>',
           e, ${now}::timestamptz + make_interval(secs => ${DIGEST_CLAIM_SECONDS}), 0
      from unnest(${due.map((d) => d.userId)}::uuid[], ${due.map((d) => d.weekOf)}::date[], ${due.map((d) => d.email)}::text[]) as t(u, w, e)
    on conflict (user_id, week_of) where kind = 'weekly' do update
       set status = 'queued', lease_until = excluded.lease_until
     where ${requeueable(sql, now)}
    returning d.id`;
  return [...more, ...rows].map((r) => r.id);
}

/** A digest row (alias `d`) whose claim lapsed, or that failed and may be tried again now. */
function requeueable(sql: Sql, now: Date) {
  return sql`d.lease_until < ${now} and (d.status in ('queued', 'preparing') or (d.status = 'failed' and d.smtp_refusals < ${DIGEST_MAX_ATTEMPTS} and d.attempts < ${DIGEST_MAX_CLAIMS}))`;
}

/**
 * A "more" list the user asked for: a digest row of its own (kind `more`, queued, claimed for
 * DIGEST_CLAIM_SECONDS so the scheduler leaves it to whoever sends it now), at most `perWeek`
 * in seven days. `requestedBy` names the request; a second row for it is never made.
 */
export async function queueMoreList(
  tx: TransactionSql,
  input: { userId: string; weekOf: string; recipient: string; requestedBy: string; now: Date; messageIdDomain: string; perWeek: number },
): Promise<{ digestId: string } | { limit: number } | null> {
  const [asked] = await tx<{ recent: number }[]>`
    select count(*)::int as recent from digests where user_id = ${input.userId} and kind = 'more' and created_at > ${input.now}::timestamptz - interval '7 days'`;
  if ((asked?.recent ?? 0) >= input.perWeek) return { limit: input.perWeek };
  const [row] = await tx<{ id: string }[]>`
    insert into digests (user_id, week_of, kind, requested_by, status, token, message_id, recipient, lease_until, attempts)
    values (${input.userId}, ${input.weekOf}, 'more', ${input.requestedBy}, 'queued', ${randomUUID().replace(/-/g, '')},
            ${digestMessageId(input.messageIdDomain)}, ${input.recipient},
            ${input.now}::timestamptz + make_interval(secs => ${DIGEST_CLAIM_SECONDS}), 0)
    on conflict (requested_by) do nothing returning id`;
  return row ? { digestId: row.id } : null;
}

/** Leaves a queued "more" list to the workers' scheduler: its claim lapses now, so the next pass sends it. */
export async function releaseMoreList(sql: Sql, digestId: string): Promise<void> {
  await sql`update digests set lease_until = now() where id = ${digestId} and status = 'queued'`;
}
