/**
 * Graph v1.0 `/me/calendarView/delta`: the events of the default calendar in a
 * startDateTime/endDateTime window, first all of them, then what changed. `$select`, `$filter`,
 * `$orderby`, `$expand`, `$search` and `$top` are refused, as Graph does for this function; the
 * window is fixed by the first request and carried by the tokens.
 *
 * Times come back in UTC (`Prefer: outlook.timezone` is honoured only for "UTC", the default):
 * `{"dateTime": "2024-03-05T15:00:00.0000000", "timeZone": "UTC"}`.
 */
import { createHash } from 'node:crypto';
import { decodeToken, encodeToken, filterKey } from '../google/page-tokens.ts';
import {
  calendarBasicOnly,
  CALENDAR_SCOPES,
  fail,
  hasParam,
  ok,
  param,
  type GraphAnswer,
  type GraphContext,
  type GraphRoute,
} from './api-route.ts';
import type { StoredEvent } from './calendar-store.ts';
import { badRequest, graphError, syncStateInvalid, syncStateNotFound } from './graph-errors.ts';
import { dateTimeSeven, isoSeconds } from './graph-resources.ts';

export const calendarRoutes: GraphRoute[] = [
  {
    method: 'graph.calendarView.delta',
    pattern: /^\/me\/calendarview\/(?:microsoft\.graph\.)?delta(?:\(\))?$/i,
    scopes: CALENDAR_SCOPES,
    handle: calendarViewDelta,
  },
];

interface CalendarDeltaState {
  g: number;
  window: [number, number];
  mode: 'initial' | 'changes';
  snap?: number;
  since?: number;
  after?: [number, number] | number;
}

const DEFAULT_PAGE = 10;
const MAX_PAGE = 1000;
const UNSUPPORTED = ['$select', '$filter', '$orderby', '$expand', '$search', '$top'];

function calendarViewDelta(context: GraphContext): GraphAnswer {
  const { account, query, baseUrl } = context;
  const key = filterKey(account.email, 'calendarView');
  const skipToken = param(query, '$skiptoken');
  const deltaToken = param(query, '$deltatoken');
  const clash = UNSUPPORTED.find((name) => hasParam(query, name));
  if (clash) {
    return fail(
      400,
      graphError(
        'ErrorInvalidUrlQuery',
        `The following parameters are not supported with change tracking over the 'CalendarView' resource: '${UNSUPPORTED.join(', ')}'.`,
      ),
    );
  }

  let state: CalendarDeltaState;
  if (skipToken !== null || deltaToken !== null) {
    const decoded = decodeToken<CalendarDeltaState>(skipToken !== null ? 'cskip' : 'cdelta', key, (skipToken ?? deltaToken)!);
    if (!decoded) return fail(400, syncStateInvalid());
    if (!account.calendar.tokenValid(decoded.g)) return fail(410, syncStateNotFound());
    state = decoded;
  } else {
    const start = parseDateTime(param(query, 'startDateTime'));
    const end = parseDateTime(param(query, 'endDateTime'));
    if (start === null || end === null) {
      return fail(
        400,
        graphError(
          'ErrorInvalidParameter',
          'This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.',
        ),
      );
    }
    if (start === 'bad' || end === 'bad')
      return fail(400, badRequest('The value of StartDateTime or EndDateTime is not a valid DateTime.', 'ErrorInvalidParameter'));
    if (end <= start) return fail(400, badRequest('EndDateTime must be later than StartDateTime.', 'ErrorInvalidParameter'));
    state = { g: account.calendar.generation, window: [start, end], mode: 'initial' };
  }

  const limit = Math.min(MAX_PAGE, context.prefer.maxPageSize ?? DEFAULT_PAGE);
  const snap = state.snap ?? account.calendar.changeSeq;
  const link = (kind: 'cskip' | 'cdelta', next: CalendarDeltaState) =>
    `${baseUrl}/v1.0/me/calendarView/delta?${kind === 'cskip' ? '$skiptoken' : '$deltatoken'}=${encodeToken(kind, key, next)}`;
  const value: Record<string, unknown>[] = [];
  const served: string[] = [];
  const removed: string[] = [];
  let nextLink: string | null = null;

  if (state.mode === 'initial') {
    const page = account.calendar.initialPage(state.window, snap, (state.after as [number, number] | undefined) ?? null, limit);
    for (const event of page.page) {
      value.push(eventJson(event, context));
      served.push(event.id);
    }
    if (page.more) nextLink = link('cskip', { ...state, g: account.calendar.generation, snap, ...(page.last ? { after: page.last } : {}) });
  } else {
    const since = state.since ?? 0;
    const page = account.calendar.changesPage(state.window, since, snap, (state.after as number | undefined) ?? since, limit);
    for (const entry of page.page) {
      if (entry.kind === 'event') {
        value.push(eventJson(entry.event, context));
        served.push(entry.event.id);
      } else {
        value.push({ '@odata.type': '#microsoft.graph.event', id: entry.id, '@removed': { reason: 'deleted' } });
        removed.push(entry.id);
      }
    }
    if (page.more) nextLink = link('cskip', { ...state, g: account.calendar.generation, snap, after: page.page.at(-1)!.seq });
  }
  return ok(
    {
      '@odata.context': `${baseUrl}/v1.0/$metadata#Collection(event)`,
      ...(nextLink
        ? { '@odata.nextLink': nextLink }
        : { '@odata.deltaLink': link('cdelta', { g: account.calendar.generation, window: state.window, mode: 'changes', since: snap }) }),
      value,
    },
    { served, removed, ...(context.prefer.maxPageSize ? { headers: { 'preference-applied': `odata.maxpagesize=${limit}` } } : {}) },
  );
}

/** ISO 8601, with or without an offset (none means UTC, as calendarView reads it). */
function parseDateTime(value: string | null): number | null | 'bad' {
  if (value === null) return null;
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/i.test(value)) return 'bad';
  const zoned = /T/i.test(value) && !/(Z|[+-]\d{2}:\d{2})$/i.test(value) ? `${value}Z` : value;
  const ms = Date.parse(zoned);
  return Number.isNaN(ms) ? 'bad' : ms;
}

function eventJson(event: StoredEvent, context: GraphContext): Record<string, unknown> {
  const basic = calendarBasicOnly(context.grant);
  const changeKey = `EZ9r3czxY0m2jz8c45czkw${createHash('sha256').update(`${event.id}:${event.changeSeq}`).digest('base64').slice(0, 16)}`;
  const time = (ms: number) => ({ dateTime: dateTimeSeven(ms), timeZone: 'UTC' });
  return {
    '@odata.type': '#microsoft.graph.event',
    '@odata.etag': `W/"${changeKey}"`,
    id: event.id,
    createdDateTime: isoSeconds(event.created),
    lastModifiedDateTime: isoSeconds(event.lastModified),
    changeKey,
    categories: [],
    transactionId: null,
    originalStartTimeZone: 'UTC',
    originalEndTimeZone: 'UTC',
    iCalUId: event.iCalUId,
    uid: event.iCalUId,
    reminderMinutesBeforeStart: 15,
    isReminderOn: true,
    hasAttachments: false,
    subject: event.subject,
    // Calendars.ReadBasic leaves the body out.
    ...(basic ? {} : { bodyPreview: '' }),
    importance: 'normal',
    sensitivity: 'normal',
    isAllDay: event.isAllDay,
    isCancelled: event.isCancelled,
    isOrganizer: event.isOrganizer,
    responseRequested: true,
    seriesMasterId: null,
    showAs: event.showAs,
    type: 'singleInstance',
    webLink: `https://outlook.office365.com/owa/?itemid=${encodeURIComponent(event.id)}&exvsurl=1&path=/calendar/item`,
    onlineMeetingUrl: null,
    isOnlineMeeting: false,
    onlineMeetingProvider: 'unknown',
    allowNewTimeProposals: true,
    isDraft: false,
    hideAttendees: false,
    responseStatus: { response: event.responseStatus, time: '0001-01-01T00:00:00Z' },
    ...(basic ? {} : { body: { contentType: 'html', content: '' } }),
    start: time(event.start),
    end: time(event.end),
    location: { displayName: '', locationType: 'default', uniqueIdType: 'unknown', address: {}, coordinates: {} },
    locations: [],
    recurrence: null,
    attendees: event.attendees,
    organizer: { emailAddress: event.organizer },
    onlineMeeting: null,
  };
}
