import type { Logger } from 'pino';
import type { NetworkPolicy } from '../../security/network-guard.ts';
import { createAccountCalendarSource, type ResolvedCalendarSources } from '../caldav/account-calendar-source.ts';
import type { ProviderAccount } from '../types.ts';
import { createImapMailSource } from './imap-mail-source.ts';
import { createImapSession, type ImapCredentials } from './imap-session.ts';

export interface ImapAccountOptions {
  /** The mailbox's address, as the person connected it. */
  email: string;
  /** The server and the app password, read when the first connection is made. */
  credentials: () => Promise<ImapCredentials>;
  /** Where its meetings come from (CalDAV, an .ics feed), read when the calendar is first synced; none when absent. */
  calendarSources?: () => Promise<ResolvedCalendarSources>;
  pageSize?: number;
  timeoutMs?: number;
  logger?: Logger;
  /** Which addresses its servers may be on (the operator's ALLOW_PRIVATE_SERVERS); absent, any. */
  network?: NetworkPolicy;
}

/**
 * An IMAP mailbox behind the provider contract: its mail over one IMAP connection. IMAP has no
 * calendar: meetings come from the CalDAV server and/or the .ics subscription connected with the
 * account (src/providers/caldav/); with neither, the calendar stream is always caught up with
 * nothing in it.
 */
export function createImapAccount(options: ImapAccountOptions): ProviderAccount & { close(): Promise<void> } {
  const session = createImapSession({
    credentials: options.credentials,
    logger: options.logger,
    timeoutMs: options.timeoutMs,
    network: options.network,
  });
  const calendar = createAccountCalendarSource({
    sources: options.calendarSources ?? (async () => ({ caldav: null, ics: null })),
    owner: [options.email],
    timeoutMs: options.timeoutMs,
    logger: options.logger,
    network: options.network,
  });
  return {
    // IMAP says nothing about a mailbox's addresses; the one the person gave is the mailbox's.
    profile: async () => ({ email: options.email, aliases: [] }),
    mail: createImapMailSource({ session, pageSize: options.pageSize ?? 1000, logger: options.logger }),
    calendar,
    close: async () => {
      await Promise.all([session.close(), calendar.close()]);
    },
  };
}
