/**
 * A mailbox whose grant was revoked or expired (`needs_reauth`, set by the sync engine) stops
 * syncing, and its owner gets one email with a reconnect link — one per revocation: the
 * account's `reauth_notified_at` is set in the same transaction that holds the row while the
 * mail is handed to SMTP, and cleared only by reconnecting. An SMTP failure leaves it unset,
 * so a later pass tries again; two workers never both take the same row (SKIP LOCKED).
 */
import type { Logger } from 'pino';
import type { Sql } from '../db/client.ts';
import type { Mailer } from '../mailer/create-mailer.ts';
import { newMessageId } from '../mailer/message-id.ts';

export interface ReauthNoticeSettings {
  mailFrom: string;
  publicUrl: string;
}

const LABEL: Record<string, string> = { google: 'Google', microsoft: 'Microsoft' };

export async function notifyReauth(
  deps: { sql: Sql; mailer: Mailer; logger: Logger; settings: ReauthNoticeSettings },
  limit = 20,
): Promise<number> {
  const { settings } = deps;
  let sent = 0;
  await deps.sql.begin(async (tx) => {
    const due = await tx<{ id: string; provider: string; email: string; userEmail: string }[]>`
      select a.id, a.provider, a.email, u.email as "userEmail"
        from accounts a join users u on u.id = a.user_id
       where a.status = 'needs_reauth' and a.reauth_notified_at is null
       order by a.needs_reauth_at limit ${limit}
         for update of a skip locked`;
    for (const account of due) {
      const link = `${settings.publicUrl.replace(/\/+$/, '')}/connect/${account.provider}?login_hint=${encodeURIComponent(account.email)}`;
      const provider = LABEL[account.provider] ?? account.provider;
      try {
        await deps.mailer.send({
          from: settings.mailFrom,
          to: account.userEmail,
          subject: `rekindle lost access to ${account.email}`,
          text:
            (account.provider === 'imap'
              ? `The IMAP server of ${account.email} no longer accepts rekindle's app password (it was revoked or ` +
                `changed), so that mailbox stopped syncing. Nothing else changed: your contacts, settings and ` +
                `weekly list are as they were.\n\nTo reconnect it, make a new app password, open this link (signed in ` +
                `to rekindle) and enter it:\n${link}\n\n`
              : `${provider} no longer lets rekindle read the metadata of ${account.email} (the permission was removed, ` +
                `or it expired), so that mailbox stopped syncing. Nothing else changed: your contacts, settings and ` +
                `weekly list are as they were.\n\nTo reconnect it, open this link and sign in again:\n${link}\n\n`) +
            `If you meant to stop, there is nothing to do. You can disconnect the mailbox in your settings, which ` +
            `deletes everything read from it.\n`,
          messageId: newMessageId('r', settings.mailFrom),
          headers: { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All' },
        });
      } catch (error) {
        deps.logger.warn(
          { accountId: account.id, err: error instanceof Error ? error.message : String(error) },
          'reconnect notice not sent; will try again',
        );
        continue;
      }
      await tx`update accounts set reauth_notified_at = now() where id = ${account.id}`;
      deps.logger.info({ accountId: account.id }, 'reconnect notice sent');
      sent++;
    }
  });
  return sent;
}
