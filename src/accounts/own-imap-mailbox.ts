/**
 * The signed-in user's own IMAP mailbox that a connection reconnects: the same server and
 * login, else the same address. Only this user's rows: another user's mailbox of the same
 * address is neither reached nor in the way (connect-account.ts).
 */
import type { Sql } from '../db/client.ts';
import type { ImapServerSettings } from '../db/schema.ts';
import type { CalendarSecrets, CalendarSourceSettings } from '../providers/caldav/calendar-source-settings.ts';
import { type TokenCipher, tokenContext } from '../security/token-cipher.ts';

export interface OwnImapMailbox {
  id: string;
  server: ImapServerSettings | null;
  settings: CalendarSourceSettings | null;
  /** The encrypted calendar secrets (an `.ics` address, a CalDAV password), or null. */
  secret: string | null;
}

export async function ownImapMailbox(sql: Sql, userId: string, identity: string | null, email: string): Promise<OwnImapMailbox | null> {
  const [row] = await sql<OwnImapMailbox[]>`
    select id, imap_server as server, calendar_sources as settings, calendar_secret as secret from accounts
     where user_id = ${userId} and provider = 'imap' and (subject = ${identity ?? ''} or email = ${email})
     order by (subject = ${identity ?? ''}) desc, created_at limit 1`;
  return row ?? null;
}

/** The address of the mailbox's `.ics` subscription (a secret, never shown), or null when it has none. */
export function currentIcsUrl(cipher: TokenCipher, own: OwnImapMailbox): string | null {
  if (!own.settings?.ics || !own.secret) return null;
  const secrets = JSON.parse(cipher.decrypt(own.secret, tokenContext('calendar_secret', own.id))) as CalendarSecrets;
  return secrets.icsUrl ?? null;
}
