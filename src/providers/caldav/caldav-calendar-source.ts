import type { Logger } from 'pino';
import { HORIZON_DAYS } from '../../mail/ical-events.ts';
import type { CalendarEvent } from '../../mail/types.ts';
import { ProviderError } from '../provider-error.ts';
import type { CalendarPage, CalendarSource } from '../types.ts';
import type { CaldavCalendar, CaldavClient } from './caldav-client.ts';
import { eventsOfResource } from './map-icalendar-resource.ts';

/**
 * Where the CalDAV walk of one account stands. Plain JSON, stored by the engine.
 *
 * - `calendars`: every calendar read so far, with what says where it was left: its sync token
 *   (RFC 6578), or, on a server without sync-collection, its ctag and every object's ETag.
 * - `walk`: one calendar's changes being fetched: the state it will be in once they are, the
 *   objects still to fetch and the objects deleted.
 * - `expandedAt`: when the current full read began. Recurring events are expanded up to a year
 *   past the day an object is read (ical-events.ts); an object nobody touches is not read again,
 *   so half a year on, every calendar is read again (a full resync that loses nothing) to reach
 *   a year ahead again.
 * - `caughtUpOnce`: the first read of every calendar is done (the phase is incremental).
 */
export interface CaldavCursor {
  v: 1;
  calendars: Record<string, CalendarState>;
  walk: CalendarWalk | null;
  expandedAt: string;
  caughtUpOnce: boolean;
}

export type CalendarState = { syncToken: string } | { ctag: string | null; etags: Record<string, string> };

export interface CalendarWalk {
  calendar: string;
  then: CalendarState;
  pending: string[];
  removed: string[];
}

export interface CaldavCalendarSourceOptions {
  client: CaldavClient;
  /** The calendar owner's addresses (their attendee entry is `self`). */
  owner: readonly string[];
  /** Objects fetched per page (one calendar-multiget). */
  pageSize?: number;
  now?: () => Date;
  logger?: Logger;
}

const DAY = 86_400_000;

export function createCaldavCalendarSource(options: CaldavCalendarSourceOptions): CalendarSource<CaldavCursor> {
  const { client, owner, logger } = options;
  const pageSize = options.pageSize ?? 50;
  const now = options.now ?? (() => new Date());
  // The listing is read once per job: a calendar that changes meanwhile is read at the next.
  let listing: Promise<CaldavCalendar[]> | null = null;

  async function changesOf(calendar: CaldavCalendar, state: CalendarState | undefined, cursor: CaldavCursor): Promise<CalendarWalk | null> {
    if (calendar.supportsSync) {
      const known = state && 'syncToken' in state ? state.syncToken : null;
      if (known && calendar.syncToken === known) return null;
      const changes = await client.changesSince(calendar, known);
      const then = { syncToken: changes.syncToken };
      if (changes.changed.length === 0 && changes.removed.length === 0) {
        cursor.calendars[calendar.url] = then;
        return null;
      }
      return { calendar: calendar.url, then, pending: changes.changed, removed: changes.removed };
    }
    const known = state && 'etags' in state ? state : null;
    if (known && calendar.ctag !== null && known.ctag === calendar.ctag) return null;
    const etags = await client.etags(calendar);
    const before = known?.etags ?? {};
    const then = { ctag: calendar.ctag, etags: Object.fromEntries(etags) };
    const changed = [...etags].filter(([href, etag]) => before[href] !== etag).map(([href]) => href);
    const removed = Object.keys(before).filter((href) => !etags.has(href));
    if (changed.length === 0 && removed.length === 0) {
      cursor.calendars[calendar.url] = then;
      return null;
    }
    return { calendar: calendar.url, then, pending: changed, removed };
  }

  async function drain(cursor: CaldavCursor, walk: CalendarWalk): Promise<CalendarPage<CaldavCursor>> {
    const batch = walk.pending.slice(0, pageSize);
    const objects = await client.objects({ url: walk.calendar, name: null, syncToken: null, ctag: null, supportsSync: false }, batch);
    const at = now();
    const events: CalendarEvent[] = [];
    const replaced = [...walk.removed];
    for (const object of objects) {
      if (object.data === null) {
        replaced.push(object.href);
        continue;
      }
      const read = eventsOfResource(object.href, object.data, owner, at);
      if (!read) {
        // Not iCalendar: what was read of it before stays, and it is read again when it changes.
        logger?.warn({ calendar: walk.calendar }, 'a calendar object is not iCalendar; left as it was');
        continue;
      }
      if (Object.keys(read.skipped).length > 0) logger?.info({ skipped: read.skipped }, 'calendar object: some events left out');
      replaced.push(object.href);
      events.push(...read.events);
    }
    const missing = batch.length - objects.length;
    if (missing > 0) logger?.warn({ missing }, 'the server left objects out of calendar-multiget; they are read again when they change');

    const pending = walk.pending.slice(batch.length);
    const next: CaldavCursor = { ...cursor, calendars: { ...cursor.calendars } };
    if (pending.length === 0) {
      next.calendars[walk.calendar] = walk.then;
      next.walk = null;
    } else {
      next.walk = { ...walk, pending, removed: [] };
    }
    logger?.debug({ objects: objects.length, events: events.length, removed: walk.removed.length, more: pending.length }, 'caldav page');
    return { events, replaced, cursor: next, phase: next.caughtUpOnce ? 'incremental' : 'backfill', caughtUp: false };
  }

  return {
    async nextPage(stored) {
      const cursor: CaldavCursor = stored === null ? fresh(now()) : readCursor(stored);
      const expandedAt = Date.parse(cursor.expandedAt);
      if (now().getTime() - expandedAt > (HORIZON_DAYS / 2) * DAY) {
        throw new ProviderError(
          'cursor_expired',
          `recurring events were expanded from ${cursor.expandedAt}; reading every calendar again to see the year ahead`,
          { provider: 'caldav' },
        );
      }
      if (cursor.walk) return drain(cursor, cursor.walk);

      listing ??= client.calendars();
      const calendars = await listing.catch((error: unknown) => {
        listing = null;
        throw error;
      });
      const listed = new Set(calendars.map((c) => c.url));
      const gone = Object.keys(cursor.calendars).find((url) => !listed.has(url));
      // Its events can only be told apart by a full read: what a full resync does.
      if (gone)
        throw new ProviderError('cursor_expired', `the calendar ${gone} is gone; reading every calendar again`, { provider: 'caldav' });

      const next: CaldavCursor = { ...cursor, calendars: { ...cursor.calendars } };
      for (const calendar of calendars) {
        const walk = await changesOf(calendar, next.calendars[calendar.url], next);
        if (walk) return drain(next, walk);
      }
      if (!next.caughtUpOnce) logger?.info({ calendars: calendars.length }, 'caldav full read done');
      return { events: [], cursor: { ...next, caughtUpOnce: true }, phase: 'incremental', caughtUp: true };
    },
  };
}

function fresh(at: Date): CaldavCursor {
  return { v: 1, calendars: {}, walk: null, expandedAt: at.toISOString(), caughtUpOnce: false };
}

function readCursor(value: unknown): CaldavCursor {
  const c = value as Partial<CaldavCursor> | null;
  if (
    c &&
    c.v === 1 &&
    typeof c.calendars === 'object' &&
    c.calendars !== null &&
    typeof c.expandedAt === 'string' &&
    !Number.isNaN(Date.parse(c.expandedAt)) &&
    (c.walk === null || (typeof c.walk === 'object' && Array.isArray(c.walk.pending) && Array.isArray(c.walk.removed)))
  ) {
    return c as CaldavCursor;
  }
  throw new ProviderError('cursor_expired', 'unreadable CalDAV cursor; a full read is required', { provider: 'caldav' });
}
