/**
 * Adding (or reconnecting) an IMAP mailbox: the calendar settings are checked for what no
 * server could accept, then rekindle signs in to the IMAP server once (checkImapMailbox) and
 * reads the calendar sources once (checkCalendarSources); only when both work is the mailbox
 * stored (connectAccount: the app password encrypted like an OAuth grant). Otherwise nothing is
 * stored and the message says why, for the person to read.
 */
import type { Logger } from 'pino';
import type { Sql } from '../db/client.ts';
import type { ImapServerSettings } from '../db/schema.ts';
import type { NetworkPolicy } from '../security/network-guard.ts';
import type { TokenCipher } from '../security/token-cipher.ts';
import { type CalendarSourcesInput, invalidCalendarSources } from './calendar-sources.ts';
import { checkCalendarSources } from './check-calendar-sources.ts';
import { checkImapMailbox } from './check-imap-mailbox.ts';
import { AccountOwnedElsewhereError, connectAccount } from './connect-account.ts';

export interface ImapMailboxRequest {
  /** The signed-in user, by id (for the log) and address (which names the user to connectAccount). */
  userId: string;
  userEmail: string;
  /** The mailbox's own address, normalized. */
  email: string;
  server: ImapServerSettings;
  password: string;
  /** Always given, so a calendar left out of a reconnection is removed. */
  calendarSources: CalendarSourcesInput;
}

export async function connectImapMailbox(
  deps: { sql: Sql; cipher: TokenCipher; logger: Logger; network: NetworkPolicy },
  request: ImapMailboxRequest,
): Promise<{ ok: true; userId: string; accountId: string } | { ok: false; message: string }> {
  const { userId, email, server, password, calendarSources } = request;
  const { network, logger } = deps;
  // Settings no server could accept are said before any connection is made.
  const invalidCalendar = invalidCalendarSources(calendarSources);
  if (invalidCalendar) return { ok: false, message: invalidCalendar };
  const imap = await checkImapMailbox(server, password, { network });
  if (!imap.ok) {
    logger.info({ userId, host: server.host, port: server.port, reason: imap.reason }, 'imap mailbox check failed');
    return { ok: false, message: imap.message };
  }
  if (calendarSources.caldav || calendarSources.ics) {
    const calendar = await checkCalendarSources(calendarSources, { user: server.user, password, email }, { network });
    if (!calendar.ok) {
      logger.info({ userId, source: calendar.source }, 'calendar sources check failed');
      return { ok: false, message: calendar.message };
    }
  }
  try {
    // The signed-in user's own address names the user: this never makes or picks another.
    const connected = await connectAccount(
      deps.sql,
      { userEmail: request.userEmail, provider: 'imap', accountEmail: email, refreshToken: password, imapServer: server, calendarSources },
      deps.cipher,
    );
    return { ok: true, ...connected };
  } catch (error) {
    if (error instanceof AccountOwnedElsewhereError)
      return {
        ok: false,
        message:
          'This login on this server is connected to another rekindle account. Sign in with that account, or disconnect it there first.',
      };
    throw error;
  }
}
