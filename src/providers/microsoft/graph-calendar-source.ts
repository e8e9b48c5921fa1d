import type { Logger } from 'pino';
import { ProviderError } from '../provider-error.ts';
import type { CalendarPage, CalendarSource } from '../types.ts';
import type { CalendarEvent } from '../../mail/types.ts';
import type { GraphCaller } from './graph-call.ts';
import { mapGraphEvent, type GraphEvent } from './map-graph-event.ts';
import { mapGraphProfile, USER_SELECT, type GraphUser } from './map-graph-profile.ts';

/**
 * Where a calendarView delta walk stands. Plain JSON.
 *
 * Graph tracks calendar changes only within a calendarView: a window fixed by the round's first
 * request and carried by its links. rekindle's window runs from ten years back (meetings make
 * the history: first contact, cadence) to one year ahead (the next meeting, which keeps someone
 * off the list). A year ahead does not stay a year ahead: once the window's end is less than
 * six months away, the walk starts over with a window around today (a full resync that keeps
 * stored data and drops only events the new window no longer has).
 *
 * `owner` is the mailbox's addresses (from `/me`, read at the start of every full walk), to find
 * the owner among the attendees.
 */
export interface GraphCalendarCursor {
  v: 1;
  phase: 'backfill' | 'incremental';
  /** ISO 8601, UTC. */
  windowStart: string;
  windowEnd: string;
  owner: string[];
  /** The nextLink in the middle of a round, the deltaLink between rounds. */
  link: string;
}

export interface GraphCalendarSourceOptions {
  call: GraphCaller;
  pageSize: number;
  logger?: Logger;
  now?: () => number;
}

const DAY = 86_400_000;
export const CALENDAR_WINDOW = { pastDays: 3652, futureDays: 365, renewWhenDaysLeft: 182 } as const;

export function createGraphCalendarSource(options: GraphCalendarSourceOptions): CalendarSource<GraphCalendarCursor> {
  const { call, logger } = options;
  const now = options.now ?? Date.now;
  const prefer = `odata.maxpagesize=${Math.min(1000, Math.max(1, options.pageSize))}, outlook.timezone="UTC", IdType="ImmutableId"`;

  async function firstPage(): Promise<{ page: DeltaResponse; cursor: Omit<GraphCalendarCursor, 'link' | 'phase'> }> {
    const me = await call<GraphUser>('graph.me', '/me', (r) => r.select([...USER_SELECT]));
    const profile = mapGraphProfile(me);
    const today = Math.floor(now() / DAY) * DAY;
    const windowStart = new Date(today - CALENDAR_WINDOW.pastDays * DAY).toISOString();
    const windowEnd = new Date(today + CALENDAR_WINDOW.futureDays * DAY).toISOString();
    const page = await call<DeltaResponse>('graph.calendarView.delta', '/me/calendarView/delta', (r) =>
      r.header('Prefer', prefer).query({ startDateTime: windowStart, endDateTime: windowEnd }),
    );
    return { page, cursor: { v: 1, windowStart, windowEnd, owner: [profile.email, ...profile.aliases].filter(Boolean) } };
  }

  return {
    async nextPage(cursor) {
      let base: Omit<GraphCalendarCursor, 'link' | 'phase'>;
      let page: DeltaResponse;
      let phase: GraphCalendarCursor['phase'];
      if (cursor === null) {
        ({ page, cursor: base } = await firstPage());
        phase = 'backfill';
      } else {
        const c = readCursor(cursor);
        if (c.phase === 'incremental' && Date.parse(c.windowEnd) - now() < CALENDAR_WINDOW.renewWhenDaysLeft * DAY) {
          throw new ProviderError('cursor_expired', 'the calendar window needs to move forward; starting a full calendar sync', {
            provider: 'microsoft',
          });
        }
        page = await call<DeltaResponse>('graph.calendarView.delta', c.link, (r) => r.header('Prefer', prefer));
        const { link: _link, phase: previous, ...rest } = c;
        base = rest;
        phase = previous;
      }

      const events: CalendarEvent[] = [];
      for (const item of page.value ?? []) {
        const event = mapGraphEvent(item, base.owner);
        if (event) events.push(event);
      }
      logger?.debug({ phase, events: events.length, more: Boolean(page['@odata.nextLink']) }, 'graph calendar page');
      if (page['@odata.nextLink']) {
        return {
          events,
          cursor: { ...base, phase, link: page['@odata.nextLink'] },
          phase,
          caughtUp: false,
        } satisfies CalendarPage<GraphCalendarCursor>;
      }
      const deltaLink = page['@odata.deltaLink'];
      if (!deltaLink) throw new ProviderError('transient', 'calendarView delta ended without a deltaLink', { provider: 'microsoft' });
      if (phase === 'backfill') logger?.info({ events: events.length }, 'graph calendar full sync done');
      return { events, cursor: { ...base, phase: 'incremental', link: deltaLink }, phase: 'incremental', caughtUp: true };
    },
  };
}

interface DeltaResponse {
  value?: GraphEvent[];
  '@odata.nextLink'?: string;
  '@odata.deltaLink'?: string;
}

function readCursor(value: unknown): GraphCalendarCursor {
  if (typeof value === 'object' && value !== null) {
    const c = value as Partial<GraphCalendarCursor>;
    if (
      c.v === 1 &&
      (c.phase === 'backfill' || c.phase === 'incremental') &&
      typeof c.windowStart === 'string' &&
      typeof c.windowEnd === 'string' &&
      !Number.isNaN(Date.parse(c.windowEnd)) &&
      Array.isArray(c.owner) &&
      typeof c.link === 'string' &&
      c.link !== ''
    ) {
      return c as GraphCalendarCursor;
    }
  }
  throw new ProviderError('cursor_expired', 'unreadable Graph calendar cursor; a full sync is required', { provider: 'microsoft' });
}
