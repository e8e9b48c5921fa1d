/**
 * Sends one week's digest, at most once.
 *
 * 1. Claim the queued row (`preparing`, with a lease). A second job for the same digest —
 *    a duplicate, a retry, a stalled job run again — finds it claimed and does nothing.
 * 2. Choose the list and render it.
 * 3. In one statement: store the numbered items and set `sending`. This is the record of
 *    the send, committed *before* the message is handed to SMTP.
 * 4. Hand it to SMTP. Accepted → `sent`. Refused with nothing delivered (an SMTP error
 *    reply, no connection) → `failed`, and the scheduler queues it again later. Anything
 *    else (the connection broke or timed out after DATA) → `unknown`, never resent.
 *
 * A worker that dies before step 3 commits leaves `preparing`; the lease lapses and the
 * scheduler queues the digest again, so it is still sent once. The remaining window is
 * between step 3's commit and SMTP's answer: a worker that dies there leaves `sending`, and
 * rekindle does not send that week's digest again, because the server may already have
 * accepted it. That is the trade: a crash in that window can cost the user one week's
 * digest, but can never send them two.
 */
import type { Logger } from 'pino';
import type { Sql } from 'postgres';
import { addressOf, wasNotSent, type Mailer } from '../mailer/create-mailer.ts';
import { actionUrl, type ActionLinkSettings } from './action-links.ts';
import { chooseEntries } from './choose-entries.ts';
import { renderDigest } from './render-digest.ts';
import { DIGEST_CLAIM_SECONDS, DIGEST_MAX_ATTEMPTS } from './schedule-digests.ts';

export interface DigestSettings {
  mailFrom: string;
  inboundDomain: string;
  publicUrl: string;
  budget: number;
  /** Signed done / snooze / never links under each entry; without LINK_SECRETS there are none. */
  actionLinks?: ActionLinkSettings;
  /**
   * The envelope sender: `inbound` (default) sends each digest from `bounce+<token>@INBOUND_DOMAIN`
   * (VERP), so its bounces reach `rekindle inbound`, name their digest, and pause that user's
   * digests; `mail-from` uses MAIL_FROM's address.
   */
  returnPath?: 'inbound' | 'mail-from';
}

export interface SendDigestDeps {
  sql: Sql;
  mailer: Mailer;
  logger: Logger;
  settings: DigestSettings;
  now?: () => Date;
}

export type SendOutcome = 'sent' | 'empty' | 'failed' | 'unknown' | 'not_claimed';

interface Claimed {
  id: string;
  userId: string;
  weekOf: string;
  /** `more`: the next people, asked for by a reply. */
  kind: 'weekly' | 'more';
  token: string;
  messageId: string;
  attempts: number;
  email: string;
  name: string | null;
  timezone: string;
  day: number;
  hour: number;
  /** The user's list size (settings); null: the deployment's DIGEST_BUDGET. */
  budget: number | null;
}

export async function sendDigest(deps: SendDigestDeps, digestId: string): Promise<SendOutcome> {
  const { sql, settings } = deps;
  const now = deps.now?.() ?? new Date();
  const logger = deps.logger.child({ digestId });

  const [claim] = await sql<Claimed[]>`
    update digests d
       set status = 'preparing', attempts = d.attempts + 1,
           lease_until = now() + make_interval(secs => ${DIGEST_CLAIM_SECONDS})
      from users u
     where d.id = ${digestId} and d.status = 'queued' and u.id = d.user_id
    returning d.id, d.user_id as "userId", d.week_of::text as "weekOf", d.kind, d.token, d.message_id as "messageId",
              d.attempts, u.email, u.name, u.timezone, u.digest_day as day, u.digest_hour as hour, u.digest_budget as budget`;
  if (!claim) return 'not_claimed';

  const { entries } = await chooseEntries(sql, claim.userId, now, claim.budget ?? settings.budget);
  if (entries.length === 0) {
    await sql`update digests set status = 'empty', as_of = ${now}, lease_until = null where id = ${claim.id} and attempts = ${claim.attempts}`;
    logger.info('nobody to suggest this week; no digest sent');
    return 'empty';
  }

  const unsubscribeUrl = `${settings.publicUrl.replace(/\/$/, '')}/digest/unsubscribe/${claim.token}`;
  const replyAddress = `reply+${claim.token}@${settings.inboundDomain}`;
  const rendered = renderDigest({
    weekOf: claim.weekOf,
    asOf: now,
    entries,
    recipientName: claim.name,
    schedule: { day: claim.day, hour: claim.hour, timezone: claim.timezone },
    unsubscribeUrl,
    ...(settings.actionLinks
      ? { actionUrl: (position: number, verb?: 'done' | 'snooze' | 'never') => actionUrl(settings.actionLinks!, { userId: claim.userId, digestId: claim.id, position }, now, verb) }
      : {}),
  });

  // One statement, so one round trip and atomic: the numbered items (replacing those of an
  // attempt SMTP refused) and `sending`, only while the claim is still ours — a worker whose
  // lease lapsed must not send.
  const recorded = await sql`
    with claimed as (
      update digests set status = 'sending', handed_to_smtp_at = now(), subject = ${rendered.subject},
                         as_of = ${now}, recipient = ${claim.email}, lease_until = null
       where id = ${claim.id} and status = 'preparing' and attempts = ${claim.attempts}
      returning id),
    fewer as (delete from digest_items where digest_id in (select id from claimed) and position > ${entries.length}),
    items as (
      insert into digest_items (digest_id, position, contact, email, name, reason, last_contact_at, cadence_days, last_subject)
      select c.id, u.* from claimed c cross join unnest(
        ${entries.map((e) => e.position)}::smallint[], ${entries.map((e) => e.contact)}::text[],
        ${entries.map((e) => e.email)}::text[], ${entries.map((e) => e.name)}::text[],
        ${entries.map((e) => e.reason)}::text[], ${entries.map((e) => e.lastContactAt.toISOString())}::timestamptz[],
        ${entries.map((e) => e.cadenceDays)}::real[], ${entries.map((e) => e.lastSubject)}::text[]) as u
      on conflict (digest_id, position) do update
        set contact = excluded.contact, email = excluded.email, name = excluded.name, reason = excluded.reason,
            last_contact_at = excluded.last_contact_at, cadence_days = excluded.cadence_days, last_subject = excluded.last_subject)
    select 1 from claimed`;
  if (recorded.length === 0) return 'not_claimed';

  try {
    const sent = await deps.mailer.send({
      from: settings.mailFrom,
      to: claim.name ? `${JSON.stringify(claim.name)} <${claim.email}>` : claim.email,
      replyTo: replyAddress,
      subject: claim.kind === 'more' ? `More: ${rendered.subject}` : rendered.subject,
      text: rendered.text,
      html: rendered.html,
      messageId: claim.messageId,
      date: now,
      ...(settings.returnPath === 'mail-from' ? {} : { envelopeFrom: `bounce+${claim.token}@${settings.inboundDomain}` }),
      headers: {
        'List-Id': `rekindle weekly list <weekly-list.${messageIdDomain(settings.mailFrom)}>`,
        'List-Unsubscribe': `<mailto:${replyAddress}?subject=unsubscribe>, <${unsubscribeUrl}>`,
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        'Auto-Submitted': 'auto-generated',
        // Outlook and Exchange: no out-of-office answers to a digest.
        'X-Auto-Response-Suppress': 'OOF, AutoReply',
      },
    });
    await sql`update digests set status = 'sent', sent_at = now(), smtp_response = ${sent.response.slice(0, 500)} where id = ${claim.id}`;
    logger.info({ entries: entries.length, attempt: claim.attempts }, 'digest sent');
    return 'sent';
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (wasNotSent(error)) {
      const retryMinutes = Math.min(60, 2 ** claim.attempts);
      await sql`
        update digests set status = 'failed', last_error = ${message.slice(0, 500)},
                           lease_until = now() + make_interval(mins => ${retryMinutes})
         where id = ${claim.id}`;
      logger.warn({ err: message, attempt: claim.attempts, givingUp: claim.attempts >= DIGEST_MAX_ATTEMPTS }, 'SMTP refused the digest');
      return 'failed';
    }
    await sql`update digests set status = 'unknown', last_error = ${message.slice(0, 500)} where id = ${claim.id}`;
    logger.error({ err: message }, 'digest may or may not have been delivered; it will not be sent again');
    return 'unknown';
  }
}

/** The domain for Message-IDs: MAIL_FROM's. */
export function messageIdDomain(mailFrom: string): string {
  return addressOf(mailFrom).split('@')[1] ?? 'localhost';
}
