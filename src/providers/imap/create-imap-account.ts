import type { Logger } from 'pino';
import type { CalendarSource, ProviderAccount } from '../types.ts';
import { createImapMailSource } from './imap-mail-source.ts';
import { createImapSession, type ImapCredentials } from './imap-session.ts';

export interface ImapAccountOptions {
  /** The mailbox's address, as the person connected it. */
  email: string;
  /** The server and the app password, read when the first connection is made. */
  credentials: () => Promise<ImapCredentials>;
  pageSize?: number;
  timeoutMs?: number;
  logger?: Logger;
}

/**
 * An IMAP mailbox behind the provider contract: its mail over one IMAP connection. IMAP has no
 * calendar; until one is connected (CalDAV, an .ics subscription) the calendar stream is a
 * source that is always caught up with nothing in it.
 */
export function createImapAccount(options: ImapAccountOptions): ProviderAccount & { close(): Promise<void> } {
  const session = createImapSession({ credentials: options.credentials, logger: options.logger, timeoutMs: options.timeoutMs });
  return {
    // IMAP says nothing about a mailbox's addresses; the one the person gave is the mailbox's.
    profile: async () => ({ email: options.email, aliases: [] }),
    mail: createImapMailSource({ session, pageSize: options.pageSize ?? 1000, logger: options.logger }),
    calendar: noCalendar,
    close: () => session.close(),
  };
}

const noCalendar: CalendarSource = {
  async nextPage() {
    return { events: [], cursor: { none: true }, phase: 'incremental', caughtUp: true };
  },
};
