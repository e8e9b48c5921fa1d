import { createCaldavClient } from '../providers/caldav/caldav-client.ts';
import { createIcsFeedSource } from '../providers/caldav/ics-feed-source.ts';
import { isProviderError } from '../providers/provider-error.ts';
import type { NetworkPolicy } from '../security/network-guard.ts';
import { invalidCalendarSources, type CalendarSourcesInput } from './calendar-sources.ts';

export type CalendarSourcesCheck =
  | {
      ok: true;
      /** The CalDAV calendars rekindle would read, and whether each follows changes by sync token (else by ctag). */
      caldav: { calendars: { name: string | null; syncCollection: boolean }[] } | null;
      /** Events the feed holds now. */
      ics: { events: number } | null;
    }
  | { ok: false; source: 'caldav' | 'ics' | 'settings'; message: string };

/**
 * Reads an IMAP account's calendar sources once, before anything is saved: the person learns at
 * once whether the address, the password and the certificate are right, in words they can act
 * on (map-caldav-error.ts), and which calendars rekindle would read. Nothing is stored.
 * `imapPassword` is the mailbox's app password, used when CalDAV has none of its own.
 */
export async function checkCalendarSources(
  input: CalendarSourcesInput,
  imap: { user: string; password: string; email: string },
  options: { timeoutMs?: number; network?: NetworkPolicy } = {},
): Promise<CalendarSourcesCheck> {
  const invalid = invalidCalendarSources(input);
  if (invalid) return { ok: false, source: 'settings', message: invalid };
  const timeoutMs = options.timeoutMs ?? 15_000;
  let caldav: { calendars: { name: string | null; syncCollection: boolean }[] } | null = null;
  if (input.caldav) {
    const ownPassword = typeof input.caldav.password === 'string';
    const client = createCaldavClient({
      server: {
        url: input.caldav.url.trim(),
        user: input.caldav.user?.trim() || imap.user,
        ownPassword,
        allowUntrustedCertificate: input.caldav.allowUntrustedCertificate ?? false,
      },
      password: ownPassword ? input.caldav.password! : imap.password,
      passwordIsTheMailbox: !ownPassword,
      timeoutMs,
      network: options.network,
    });
    try {
      const calendars = await client.calendars();
      if (calendars.length === 0) {
        return {
          ok: false,
          source: 'caldav',
          message: `The CalDAV server at ${new URL(input.caldav.url).host} has no calendar of events for this account.`,
        };
      }
      caldav = { calendars: calendars.map((c) => ({ name: c.name, syncCollection: c.supportsSync })) };
    } catch (error) {
      return { ok: false, source: 'caldav', message: isProviderError(error) ? error.message : String(error) };
    } finally {
      await client.close();
    }
  }
  let ics: { events: number } | null = null;
  if (input.ics) {
    const feed = createIcsFeedSource({
      url: input.ics.url,
      allowUntrustedCertificate: input.ics.allowUntrustedCertificate ?? false,
      owner: [imap.email],
      timeoutMs,
      network: options.network,
    });
    try {
      const page = await feed.nextPage(null);
      ics = { events: page.events.length };
    } catch (error) {
      return { ok: false, source: 'ics', message: isProviderError(error) ? error.message : String(error) };
    }
  }
  return { ok: true, caldav, ics };
}
