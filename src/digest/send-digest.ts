/**
 * Sends one week's digest, at most once — and, when SMTP's answer was lost, at least once.
 *
 * 1. Claim the queued row (`preparing`, with a lease). A second job for the same digest —
 *    a duplicate, a retry, a stalled job run again — finds it claimed and does nothing.
 *    The same statement reads what choosing the list needs (the stored contacts, the marks,
 *    who earlier digests suggested), and a job's digests are claimed together (sendDigests):
 *    a digest is at most three statements of its own (its `sent` mark often shared, see
 *    recordSent) and a share of one, each a round trip that costs the worker about as much
 *    CPU as rendering the digest does (docs/scaling.md).
 * 2. Choose the list and render it.
 * 3. In one statement: store the numbered items and set `sending`. This is the record of
 *    the send, committed *before* the message is handed to SMTP.
 * 4. Hand it to SMTP. Accepted → `sent`. Refused with nothing delivered (an SMTP error
 *    reply, no connection) → `failed`, and the scheduler queues it again later. Anything
 *    else (the connection broke or timed out after DATA) → `unknown`.
 *
 * A worker that dies before step 3 commits leaves `preparing`; the lease lapses and the
 * scheduler queues the digest again, so it is still sent once. A worker that dies between
 * step 3's commit and SMTP's answer leaves `sending`. Neither `unknown` nor an abandoned
 * `sending` is sent again blindly, since the server may have accepted it: the recipient's own
 * mailbox says (src/digest/resolve-unknown-digests.ts). Found there → `sent`; not found within
 * DIGEST_RESEND_AFTER_HOURS → queued again, and this function sends the *same* message again:
 * the items, date, links and Message-ID recorded the first time (a client that sees both
 * copies shows one).
 */
import type { Logger } from 'pino';
import type { Sql } from 'postgres';
import { storeJson, type StoreJson } from '../contact-store/contacts-as-of.ts';
import { wasNotSent, type Mailer } from '../mailer/create-mailer.ts';
import { mailFromDomain } from '../mailer/message-id.ts';
import { digestActionUrls, type ActionLinkSettings } from './action-links.ts';
import { chooseEntries } from './choose-entries.ts';
import { lastSuggestedFromJson, lastSuggestedJson, marksFromJson, marksJson, type MarkJson } from './load-marks.ts';
import { renderDigest, type DigestEntry } from './render-digest.ts';
import { contextFromStored, storedContext, type StoredEntryContext } from './stored-entry-context.ts';
import { DIGEST_CLAIM_SECONDS, DIGEST_MAX_ATTEMPTS, DIGEST_MAX_CLAIMS } from './schedule-digests.ts';

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
  /** Set when this digest was handed to SMTP before and is being sent again: its list is fixed. */
  handedToSmtpAt: Date | null;
  asOf: Date | null;
  /** Read along with the claim (a round trip fewer each), for choosing a new list. */
  store: StoreJson;
  marks: MarkJson[];
  suggested: { contact: string; at: string }[];
}

export async function sendDigest(deps: SendDigestDeps, digestId: string): Promise<SendOutcome> {
  const [outcome] = await sendDigests(deps, [digestId]);
  if (outcome!.status === 'rejected') throw outcome!.reason;
  return outcome!.value;
}

/**
 * Several digests (a digest job's): claimed in one statement — one round trip for all of
 * them — then each chosen, recorded and handed to SMTP on its own, side by side, whatever
 * becomes of the others. In the order of `digestIds`.
 */
export async function sendDigests(deps: SendDigestDeps, digestIds: readonly string[]): Promise<PromiseSettledResult<SendOutcome>[]> {
  const { sql } = deps;
  const now = deps.now?.() ?? new Date();
  const claims = await sql<Claimed[]>`
    update digests d
       set status = 'preparing', attempts = d.attempts + 1,
           lease_until = now() + make_interval(secs => ${DIGEST_CLAIM_SECONDS})
      from users u
     where d.id = any(${digestIds as string[]}::uuid[]) and d.status = 'queued' and u.id = d.user_id
    returning d.id, d.user_id as "userId", d.week_of::text as "weekOf", d.kind, d.token, d.message_id as "messageId",
              d.attempts, u.email, u.name, u.timezone, u.digest_day as day, u.digest_hour as hour, u.digest_budget as budget,
              d.handed_to_smtp_at as "handedToSmtpAt", d.as_of as "asOf",
              (${storeJson(sql, sql`u.id`, now)}) as store, (${marksJson(sql, sql`u.id`)}) as marks,
              (${lastSuggestedJson(sql, sql`u.id`, now)}) as suggested`;
  const claimed = new Map(claims.map((claim) => [claim.id, claim]));
  return Promise.allSettled(
    digestIds.map(async (digestId): Promise<SendOutcome> => {
      const claim = claimed.get(digestId);
      return claim ? sendClaimed(deps, claim, now) : 'not_claimed';
    }),
  );
}

/** One claimed digest: its list chosen (or the recorded one), recorded, handed to SMTP. */
async function sendClaimed(deps: SendDigestDeps, claim: Claimed, now: Date): Promise<SendOutcome> {
  const { sql, settings } = deps;
  const logger = deps.logger.child({ digestId: claim.id });

  // Sent again (its first copy was never found in the recipient's mailbox): the very same
  // message, so the list, the links and the Date are those of the first send.
  const resend = claim.handedToSmtpAt !== null && claim.asOf !== null;
  const madeAt = resend ? claim.asOf! : now;
  const entries = resend
    ? await recordedEntries(sql, claim.id)
    : (
        await chooseEntries(sql, claim.userId, now, claim.budget ?? settings.budget, {
          store: claim.store,
          marks: marksFromJson(claim.marks),
          lastSuggested: lastSuggestedFromJson(claim.suggested),
        })
      ).entries;
  if (entries.length === 0 && !resend) {
    await sql`update digests set status = 'empty', as_of = ${now}, lease_until = null where id = ${claim.id} and attempts = ${claim.attempts}`;
    logger.info('nobody to suggest this week; no digest sent');
    return 'empty';
  }

  const unsubscribeUrl = `${settings.publicUrl.replace(/\/$/, '')}/digest/unsubscribe/${claim.token}`;
  const replyAddress = `reply+${claim.token}@${settings.inboundDomain}`;
  const rendered = renderDigest({
    weekOf: claim.weekOf,
    asOf: madeAt,
    entries,
    recipientName: claim.name,
    schedule: { day: claim.day, hour: claim.hour, timezone: claim.timezone },
    unsubscribeUrl,
    ...(settings.actionLinks ? { actionUrl: digestActionUrls(settings.actionLinks, claim.id, madeAt) } : {}),
  });

  // One statement, so one round trip and atomic: the numbered items (replacing those of an
  // attempt SMTP refused) and `sending`, only while the claim is still ours — a worker whose
  // lease lapsed must not send.
  const recordNewList = () => sql`
    with claimed as (
      update digests set status = 'sending', handed_to_smtp_at = now(), subject = ${rendered.subject},
                         as_of = ${madeAt}, recipient = ${claim.email}, lease_until = null
       where id = ${claim.id} and status = 'preparing' and attempts = ${claim.attempts}
      returning id),
    fewer as (delete from digest_items where digest_id in (select id from claimed) and position > ${entries.length}),
    items as (
      insert into digest_items (digest_id, position, contact, email, name, reason, last_contact_at, cadence_days, last_subject, context)
      select c.id, u.position, u.contact, u.email, u.name, u.reason, u.last_contact_at, u.cadence_days, u.last_subject, u.context::jsonb
        from claimed c cross join unnest(
        ${entries.map((e) => e.position)}::smallint[], ${entries.map((e) => e.contact)}::text[],
        ${entries.map((e) => e.email)}::text[], ${entries.map((e) => e.name)}::text[],
        ${entries.map((e) => e.reason)}::text[], ${entries.map((e) => e.lastContactAt.toISOString())}::timestamptz[],
        ${entries.map((e) => e.cadenceDays)}::real[], ${entries.map((e) => e.lastSubject)}::text[],
        -- As text: postgres.js sends a jsonb[] of strings as JSON strings, not as the objects they spell.
        ${entries.map((e) => (e.context ? JSON.stringify(storedContext(e.context)) : null))}::text[])
        as u(position, contact, email, name, reason, last_contact_at, cadence_days, last_subject, context)
      on conflict (digest_id, position) do update
        set contact = excluded.contact, email = excluded.email, name = excluded.name, reason = excluded.reason,
            last_contact_at = excluded.last_contact_at, cadence_days = excluded.cadence_days, last_subject = excluded.last_subject,
            context = excluded.context)
    select 1 from claimed`;
  const recorded = resend
    ? // The same message again: its items stay as recorded; only the claim moves on.
      await sql`
        update digests set status = 'sending', handed_to_smtp_at = now(), lease_until = null
         where id = ${claim.id} and status = 'preparing' and attempts = ${claim.attempts}
        returning 1`
    : await recordNewList();
  if (recorded.length === 0) return 'not_claimed';

  try {
    const sent = await deps.mailer.send({
      from: settings.mailFrom,
      to: { name: claim.name, address: claim.email },
      replyTo: replyAddress,
      subject: claim.kind === 'more' ? `More: ${rendered.subject}` : rendered.subject,
      text: rendered.text,
      html: rendered.html,
      messageId: claim.messageId,
      date: madeAt,
      ...(settings.returnPath === 'mail-from' ? {} : { envelopeFrom: `bounce+${claim.token}@${settings.inboundDomain}` }),
      headers: {
        'List-Id': `rekindle weekly list <weekly-list.${mailFromDomain(settings.mailFrom)}>`,
        'List-Unsubscribe': `<mailto:${replyAddress}?subject=unsubscribe>, <${unsubscribeUrl}>`,
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        'Auto-Submitted': 'auto-generated',
        // Outlook and Exchange: no out-of-office answers to a digest.
        'X-Auto-Response-Suppress': 'OOF, AutoReply',
      },
    });
    await recordSent(sql, claim.id, sent.response.slice(0, 500));
    logger.info(
      { entries: entries.length, attempt: claim.attempts, resend },
      resend ? 'digest sent again (its first copy was not found in the mailbox)' : 'digest sent',
    );
    return 'sent';
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (wasNotSent(error)) {
      // Backed off by SMTP's refusals so far, not by claims: a crash is no reason to wait longer.
      const [row] = await sql<{ refusals: number }[]>`
        update digests set status = 'failed', last_error = ${message.slice(0, 500)}, smtp_refusals = smtp_refusals + 1,
                           lease_until = now() + make_interval(mins => least(60, power(2, smtp_refusals + 1)::int))
         where id = ${claim.id}
        returning smtp_refusals as refusals`;
      const refusals = row?.refusals ?? DIGEST_MAX_ATTEMPTS;
      logger.warn(
        {
          err: message,
          attempt: claim.attempts,
          refusals,
          givingUp: refusals >= DIGEST_MAX_ATTEMPTS || claim.attempts >= DIGEST_MAX_CLAIMS,
        },
        'SMTP refused the digest',
      );
      return 'failed';
    }
    await sql`update digests set status = 'unknown', last_error = ${message.slice(0, 500)} where id = ${claim.id}`;
    logger.warn({ err: message }, 'digest may or may not have been delivered; it will be looked for in the recipient’s mailbox');
    return 'unknown';
  }
}

interface SentMark {
  id: string;
  response: string;
  done: () => void;
  failed: (error: unknown) => void;
}

const sentWriters = new WeakMap<Sql, (id: string, response: string) => Promise<void>>();

/**
 * Marks a digest `sent`. The digests SMTP accepts while such an update is being written are
 * marked together in the next one, so at a Monday's pace several share a statement (a round
 * trip costs the worker as much CPU as composing a digest) and alone a digest waits for none.
 * Each caller resolves once its own row is written, or rejects with the statement's error.
 */
function recordSent(sql: Sql, id: string, response: string): Promise<void> {
  let write = sentWriters.get(sql);
  if (!write) {
    let waiting: SentMark[] = [];
    let writing = false;
    const drain = async () => {
      writing = true;
      while (waiting.length > 0) {
        const batch = waiting;
        waiting = [];
        try {
          await sql`
            update digests d set status = 'sent', sent_at = now(), smtp_response = s.response
              from unnest(${batch.map((m) => m.id)}::uuid[], ${batch.map((m) => m.response)}::text[]) as s(id, response)
             where d.id = s.id`;
          for (const mark of batch) mark.done();
        } catch (error) {
          for (const mark of batch) mark.failed(error);
        }
      }
      writing = false;
    };
    write = (digestId, smtpResponse) =>
      new Promise<void>((done, failed) => {
        waiting.push({ id: digestId, response: smtpResponse, done, failed });
        if (!writing) void drain();
      });
    sentWriters.set(sql, write);
  }
  return write(id, response);
}

/** The list as it was first sent. */
async function recordedEntries(sql: Sql, digestId: string): Promise<DigestEntry[]> {
  const rows = await sql<(Omit<DigestEntry, 'context'> & { context: StoredEntryContext | null })[]>`
    select position, contact, email, name, reason, last_contact_at as "lastContactAt", cadence_days as "cadenceDays",
           last_subject as "lastSubject", context
      from digest_items where digest_id = ${digestId} order by position`;
  return rows.map((row) => ({ ...row, context: contextFromStored(row.context) }));
}
