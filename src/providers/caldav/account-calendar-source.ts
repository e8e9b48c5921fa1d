import type { Logger } from 'pino';
import type { NetworkPolicy } from '../../security/network-guard.ts';
import { ProviderError } from '../provider-error.ts';
import type { CalendarPage, CalendarSource } from '../types.ts';
import { createCaldavCalendarSource, type CaldavCursor } from './caldav-calendar-source.ts';
import { createCaldavClient, type CaldavClient } from './caldav-client.ts';
import type { CaldavServerSettings } from './calendar-source-settings.ts';
import { createIcsFeedSource, FEED_RESOURCE, type IcsFeedCursor } from './ics-feed-source.ts';

/** An account's calendar sources with their secrets, as src/accounts reads them at job start. */
export interface ResolvedCalendarSources {
  caldav: { server: CaldavServerSettings; password: string; passwordIsTheMailbox: boolean } | null;
  ics: { url: string; allowUntrustedCertificate: boolean } | null;
}

/**
 * Where an account's calendar stream stands: each source's own cursor, and whose turn it is.
 * Each sync reads the CalDAV server until it is caught up, then the feed.
 */
export interface AccountCalendarCursor {
  v: 1;
  caldav: CaldavCursor | null;
  ics: IcsFeedCursor | null;
  turn: 'caldav' | 'ics';
}

export interface AccountCalendarSourceOptions {
  sources: () => Promise<ResolvedCalendarSources>;
  owner: readonly string[];
  pageSize?: number;
  timeoutMs?: number;
  logger?: Logger;
  network?: NetworkPolicy;
}

/**
 * One account's calendar stream made of the sources the person connected: a CalDAV server, an
 * `.ics` subscription, both or neither (then it is always caught up with nothing in it). A
 * source the person removes takes its events with it: the feed's at once, the CalDAV server's
 * by a full resync of the stream (which removes what no source lists any more).
 */
export function createAccountCalendarSource(
  options: AccountCalendarSourceOptions,
): CalendarSource<AccountCalendarCursor> & { close(): Promise<void> } {
  let resolved: Promise<ResolvedCalendarSources> | null = null;
  let client: CaldavClient | null = null;
  let caldav: CalendarSource<CaldavCursor> | null = null;

  const sources = () => {
    resolved ??= options.sources();
    return resolved;
  };

  return {
    async nextPage(stored) {
      const s = await sources();
      let cursor: AccountCalendarCursor = stored === null ? { v: 1, caldav: null, ics: null, turn: 'caldav' } : readCursor(stored);
      if (!s.caldav && cursor.caldav) {
        throw new ProviderError('cursor_expired', 'the CalDAV server was removed from this account; reading its calendar sources again', {
          provider: 'caldav',
        });
      }
      if (!s.ics && cursor.ics) {
        return { events: [], replaced: [FEED_RESOURCE], cursor: { ...cursor, ics: null }, phase: 'incremental', caughtUp: false };
      }
      const icsPending = s.ics !== null && cursor.ics === null;

      if (cursor.turn === 'caldav' && s.caldav) {
        if (!caldav) {
          client = createCaldavClient({ ...s.caldav, timeoutMs: options.timeoutMs, network: options.network });
          caldav = createCaldavCalendarSource({
            client,
            owner: options.owner,
            pageSize: options.pageSize,
            logger: options.logger?.child({ source: 'caldav' }),
          });
        }
        const page = await caldav.nextPage(cursor.caldav);
        const next = { ...cursor, caldav: page.cursor };
        if (!page.caughtUp) return { ...page, cursor: next };
        if (!s.ics) return { ...page, cursor: next, phase: 'incremental', caughtUp: true };
        return { ...page, cursor: { ...next, turn: 'ics' }, phase: icsPending ? 'backfill' : 'incremental', caughtUp: false };
      }
      cursor = { ...cursor, turn: 'caldav' };
      if (!s.ics) return { events: [], cursor, phase: 'incremental', caughtUp: true };
      const feed = createIcsFeedSource({
        ...s.ics,
        owner: options.owner,
        timeoutMs: options.timeoutMs,
        network: options.network,
        logger: options.logger?.child({ source: 'ics' }),
      });
      const page = await feed.nextPage(cursor.ics);
      return { ...page, cursor: { ...cursor, ics: page.cursor } } satisfies CalendarPage<AccountCalendarCursor>;
    },
    async close() {
      await client?.close();
    },
  };
}

function readCursor(value: unknown): AccountCalendarCursor {
  const c = value as Partial<AccountCalendarCursor> | null;
  if (c && c.v === 1 && (c.turn === 'caldav' || c.turn === 'ics') && c.caldav !== undefined && c.ics !== undefined)
    return c as AccountCalendarCursor;
  throw new ProviderError('cursor_expired', 'unreadable calendar cursor; its sources are read again', { provider: 'caldav' });
}
