import type { calendar_v3 } from '@googleapis/calendar';
import type { Logger } from 'pino';
import { ProviderError } from '../provider-error.ts';
import type { CalendarPage, CalendarSource } from '../types.ts';
import type { CalendarEvent } from '../../mail/types.ts';
import type { GoogleCaller } from './google-call.ts';
import { mapGoogleEvent } from './map-google-event.ts';

/**
 * Where a Calendar walk of the primary calendar stands. Plain JSON.
 *
 * - `{ pageToken }`: in the middle of the full sync.
 * - `{ syncToken }`: caught up; the next call asks for what changed since.
 * - `{ syncToken, pageToken }`: in the middle of an incremental answer that spans pages.
 *
 * Calendar hands out `nextSyncToken` only with the last page of a walk.
 */
export type GoogleCalendarCursor = { syncToken: string; pageToken?: string } | { syncToken?: undefined; pageToken: string };

export interface GoogleCalendarSourceOptions {
  calendar: calendar_v3.Calendar;
  call: GoogleCaller;
  logger?: Logger;
}

const CALENDAR_ID = 'primary';
const PAGE_SIZE = 250;

export function createGoogleCalendarSource(options: GoogleCalendarSourceOptions): CalendarSource<GoogleCalendarCursor> {
  const { calendar, call, logger } = options;

  return {
    async nextPage(cursor) {
      const c = cursor === null ? null : readCursor(cursor);
      const syncToken = c?.syncToken;
      const pageToken = c?.pageToken;
      const page = await call('calendar.events.list', 1, () =>
        calendar.events.list({
          calendarId: CALENDAR_ID,
          // Instances of recurring meetings, each with its own start; the sync token remembers
          // this, and Calendar wants the same parameters on every call of a sync. timeMin,
          // timeMax and orderBy are refused together with syncToken, so none is ever sent.
          singleEvents: true,
          maxResults: PAGE_SIZE,
          ...(syncToken ? { syncToken } : {}),
          ...(pageToken ? { pageToken } : {}),
        }),
      );

      const events: CalendarEvent[] = [];
      for (const item of page.items ?? []) {
        const event = mapGoogleEvent(item);
        if (event) events.push(event);
      }
      const phase = syncToken ? 'incremental' : 'backfill';
      logger?.debug({ phase, events: events.length, more: Boolean(page.nextPageToken) }, 'google calendar page');

      if (page.nextPageToken) {
        const next: GoogleCalendarCursor = syncToken ? { syncToken, pageToken: page.nextPageToken } : { pageToken: page.nextPageToken };
        return { events, cursor: next, phase, caughtUp: false } satisfies CalendarPage<GoogleCalendarCursor>;
      }
      if (!page.nextSyncToken) {
        throw new ProviderError('transient', 'Calendar events.list ended without a nextSyncToken', { provider: 'google' });
      }
      if (!syncToken) logger?.info({ events: events.length }, 'google calendar full sync done');
      return { events, cursor: { syncToken: page.nextSyncToken }, phase: 'incremental', caughtUp: true };
    },
  };
}

function readCursor(value: unknown): GoogleCalendarCursor {
  if (typeof value === 'object' && value !== null) {
    const c = value as Record<string, unknown>;
    const syncOk = c.syncToken === undefined || (typeof c.syncToken === 'string' && c.syncToken !== '');
    const pageOk = c.pageToken === undefined || (typeof c.pageToken === 'string' && c.pageToken !== '');
    if (syncOk && pageOk && (c.syncToken !== undefined || c.pageToken !== undefined)) return c as GoogleCalendarCursor;
  }
  throw new ProviderError('cursor_expired', 'unreadable Calendar cursor; a full sync is required', { provider: 'google' });
}
