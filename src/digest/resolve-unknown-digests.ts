/**
 * Digests whose send outcome nobody knows, settled from the recipient's own mail. rekindle
 * syncs the mailbox its digests go to, and the sync keeps every message's Message-ID
 * (`mail_messages.internet_message_id`, digests included: they are skipped as automated mail,
 * but recorded). So for a digest whose SMTP answer was lost — `unknown` (the connection broke
 * after DATA), or `sending` long after any SMTP conversation would have ended (its worker died
 * waiting for the answer):
 *
 * - its Message-ID in a synced message of that user → it arrived: `sent`;
 * - meanwhile the user's mailboxes are asked to sync now rather than at their next interval;
 * - not found DIGEST_RESEND_AFTER_HOURS after the hand-off, and every mailbox of the user that
 *   syncs has synced since that deadline (so a late delivery had its chance to show) → queued
 *   again; send-digest.ts sends the same message with the same Message-ID. A user with no
 *   syncing mailbox left (revoked, disconnected) gets it again once the time has passed.
 *
 * Deliberately left out: mail filed as spam or trash is not synced, so a digest there is not
 * found and is sent again (its copy lands beside the first, with the same Message-ID, which
 * Gmail and most clients show once). A paused or stopped user gets nothing again.
 */
import type { Logger } from 'pino';
import type { Sql } from 'postgres';
import { DIGEST_CLAIM_SECONDS, DIGEST_MAX_CLAIMS } from './schedule-digests.ts';

/**
 * A digest still `sending` this long after its hand-off has no worker waiting on SMTP any more:
 * the mailer gives up on a silent server within about a minute and a half.
 */
export const SENDING_ABANDONED_MINUTES = 10;

export interface Resolution {
  /** Digests found in their recipient's mailbox, now `sent`. */
  found: number;
  /** Mail streams asked to sync now. */
  looked: number;
  /** Digests queued to be sent again (their ids, for the queue). */
  resend: string[];
}

export async function resolveUnknownDigests(
  sql: Sql,
  options: { resendAfterHours: number; now?: Date; logger?: Logger },
): Promise<Resolution> {
  const now = options.now ?? new Date();
  const unresolved = sql`
    select d.id, d.user_id, btrim(d.message_id, '<>') as mid, d.handed_to_smtp_at as handoff,
           d.handed_to_smtp_at + make_interval(secs => ${options.resendAfterHours * 3600}) as deadline, d.attempts
      from digests d
     where d.status in ('sending', 'unknown')
       and (d.status = 'unknown' or d.handed_to_smtp_at < ${now}::timestamptz - make_interval(mins => ${SENDING_ABANDONED_MINUTES}))`;

  const found = await sql`
    with unresolved as (${unresolved}),
    seen as (
      select u.id, min(m.sent_at) as at
        from unresolved u
        join accounts a on a.user_id = u.user_id
        join mail_messages m on m.account_id = a.id and m.internet_message_id = u.mid
       group by u.id)
    update digests d
       set status = 'sent', sent_at = coalesce(seen.at, ${now}), lease_until = null,
           smtp_response = 'no answer from SMTP; found in the recipient''s synced mailbox'
      from seen
     where d.id = seen.id and d.status in ('sending', 'unknown')
    returning d.id`;

  // Looked for at the next sync rather than the next interval: once after the hand-off, and
  // once more after the deadline. A failing mailbox keeps its backoff.
  const looked = await sql`
    with unresolved as (${unresolved})
    update sync_streams s set next_run_at = ${now}
      from unresolved u, accounts a
     where a.user_id = u.user_id and a.status = 'active' and s.account_id = a.id and s.stream = 'mail'
       and s.phase = 'incremental' and s.consecutive_failures = 0 and s.next_run_at > ${now}
       and coalesce(s.last_synced_at, '-infinity') < (case when u.deadline <= ${now} then u.deadline else u.handoff end)
    returning 1`;

  const resend = await sql<{ id: string }[]>`
    with unresolved as (${unresolved})
    update digests d
       set status = 'queued', lease_until = ${now}::timestamptz + make_interval(secs => ${DIGEST_CLAIM_SECONDS}),
           last_error = 'not found in the recipient''s mailbox in time; sent again with the same Message-ID'
      from unresolved u, users usr
     where d.id = u.id and usr.id = u.user_id and d.status in ('sending', 'unknown')
       and u.deadline <= ${now} and u.attempts < ${DIGEST_MAX_CLAIMS}
       and usr.digest_stopped_at is null and usr.digest_paused_at is null
       and not exists (
         select 1 from accounts a join mail_messages m on m.account_id = a.id
          where a.user_id = u.user_id and m.internet_message_id = u.mid)
       and not exists (
         select 1 from accounts a join sync_streams s on s.account_id = a.id and s.stream = 'mail'
          where a.user_id = u.user_id and a.status = 'active'
            and coalesce(s.last_synced_at, '-infinity') < u.deadline)
    returning d.id`;

  const resolution = { found: found.length, looked: looked.length, resend: resend.map((r) => r.id) };
  if (resolution.found > 0 || resolution.resend.length > 0) {
    options.logger?.info(
      { found: resolution.found, resend: resolution.resend.length },
      'digests whose SMTP answer was lost: found in the mailbox, or sent again',
    );
  }
  return resolution;
}
