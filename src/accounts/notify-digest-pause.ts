/**
 * When rekindle itself pauses someone's digests — their last one hard-bounced, or their mail
 * provider reported it as spam — the status page says so at once, and this pass sends at most
 * one email per pause (`users.digest_pause_notified_at`, set in the transaction that holds the
 * row while the mail is handed to SMTP; a pause newer than it is still to be told).
 *
 * Where that email may go is the point:
 * - a hard bounce says the digest's address does not take mail. Writing to it again only bounces
 *   again and hurts the sender's reputation, so the notice goes to another mailbox the person
 *   connected, if they have one; with none, the status page is the only place it shows.
 * - a complaint is the person (or their provider on their behalf) saying "this is spam": any
 *   more mail is what they objected to. No email; the status page says it, and they can resume.
 *
 * An SMTP failure leaves the pause untold, so a later pass tries again; two workers never take
 * the same row (SKIP LOCKED).
 */
import type { Logger } from 'pino';
import type { Sql } from '../db/client.ts';
import type { Mailer } from '../mailer/create-mailer.ts';
import { newMessageId } from '../mailer/message-id.ts';
import type { ReauthNoticeSettings } from './notify-reauth.ts';

export interface PauseNoticeOutcome {
  /** Notices handed to SMTP. */
  sent: number;
  /** Pauses recorded as told without an email: complaints, and bounces with no other address. */
  unsent: number;
}

export async function notifyDigestPause(
  deps: { sql: Sql; mailer: Mailer; logger: Logger; settings: ReauthNoticeSettings },
  limit = 20,
): Promise<PauseNoticeOutcome> {
  const { settings } = deps;
  const outcome: PauseNoticeOutcome = { sent: 0, unsent: 0 };
  await deps.sql.begin(async (tx) => {
    const due = await tx<{ id: string; email: string; reason: 'bounced' | 'complaint'; other: string | null }[]>`
      select u.id, u.email, u.digest_paused_reason as reason,
             (select a.email from accounts a
               where a.user_id = u.id and a.provider <> 'local' and lower(a.email) <> lower(u.email)
                 and lower(a.email) <> all(select lower(d.recipient) from digests d where d.user_id = u.id and d.recipient is not null)
               order by a.created_at, a.email limit 1) as other
        from users u
       where u.digest_paused_reason in ('bounced', 'complaint') and u.digest_paused_at is not null
         and (u.digest_pause_notified_at is null or u.digest_pause_notified_at < u.digest_paused_at)
       order by u.digest_paused_at limit ${limit}
         for update of u skip locked`;
    for (const user of due) {
      if (user.reason === 'complaint' || user.other === null) {
        await tx`update users set digest_pause_notified_at = now() where id = ${user.id}`;
        deps.logger.info(
          { userId: user.id, reason: user.reason },
          'digests paused; shown on the status page, no email (see notify-digest-pause.ts)',
        );
        outcome.unsent++;
        continue;
      }
      const settingsUrl = `${settings.publicUrl.replace(/\/+$/, '')}/settings`;
      try {
        await deps.mailer.send({
          from: settings.mailFrom,
          to: user.other,
          subject: `Your rekindle list to ${user.email} bounced, so it is paused`,
          text:
            `rekindle's weekly list to ${user.email} came back: that mailbox said it does not take the mail ` +
            `(a permanent failure). So no more lists go there until you say so.\n\n` +
            `You are getting this at ${user.other}, another mailbox you connected, because writing to ` +
            `${user.email} again would only bounce.\n\n` +
            `Once ${user.email} takes mail again, resume the list in your settings:\n${settingsUrl}\n\n` +
            `Nothing else changed: your mailboxes keep syncing and your contacts are as they were.\n`,
          messageId: newMessageId('p', settings.mailFrom),
          headers: { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All' },
        });
      } catch (error) {
        deps.logger.warn(
          { userId: user.id, err: error instanceof Error ? error.message : String(error) },
          'pause notice not sent; will try again',
        );
        continue;
      }
      await tx`update users set digest_pause_notified_at = now() where id = ${user.id}`;
      deps.logger.info({ userId: user.id, reason: user.reason }, 'pause notice sent to another of the user’s mailboxes');
      outcome.sent++;
    }
  });
  return outcome;
}
