/**
 * Calendar v3 events.list on the user's primary calendar: full listings (optionally bounded by
 * timeMin/timeMax, ordered by startTime or updated) and incremental ones by syncToken.
 *
 * A full listing remembers the calendar's change number when its first page was served and
 * hands that out as nextSyncToken on its last page, so a change made while the pages were
 * read is reported again by the next incremental sync rather than lost. An incremental
 * listing is bounded the same way.
 */
import { fail, flag, isOwnAddress, ok, pageSize, type ApiContext, type ApiResponse, type ApiRoute, type UserAccount } from './api-route.ts';
import { timeOf, type EventPosition, type StoredEvent } from './calendar-store.ts';
import { fullSyncRequired, googleError, invalidArgument, notFound } from './google-errors.ts';
import { CALENDAR_READ_SCOPES } from './oauth-grants.ts';
import { decodeToken, encodeToken, filterKey } from './page-tokens.ts';

export const calendarRoutes: ApiRoute[] = [
  {
    method: 'calendar.events.list',
    style: 'calendar',
    pattern: /^\/calendar\/v3\/calendars\/([^/]+)\/events$/,
    scopes: CALENDAR_READ_SCOPES,
    handle: listEvents,
  },
];

/** Parameters Google refuses beside a syncToken, since they would change what "since" means. */
const NOT_WITH_SYNC_TOKEN = [
  'timeMin',
  'timeMax',
  'orderBy',
  'q',
  'iCalUID',
  'updatedMin',
  'privateExtendedProperty',
  'sharedExtendedProperty',
];

interface PageState {
  /** The calendar's change number when the listing began. */
  snap: number;
  pos: EventPosition;
}

function listEvents(context: ApiContext): ApiResponse {
  const { account, query } = context;
  const calendarId = context.params[0]!;
  if (calendarId !== 'primary' && !isOwnAddress(account, calendarId)) return fail(404, notFound('calendar'));

  const limit = pageSize(query.get('maxResults'), 250, 2500);
  if (limit === null) return fail(400, invalidArgument('calendar', 'Invalid value for maxResults', 'maxResults'));
  const syncToken = query.get('syncToken');
  const orderBy = query.get('orderBy');
  const singleEvents = flag(query.get('singleEvents'));

  if (syncToken !== null) {
    const clash = NOT_WITH_SYNC_TOKEN.find((name) => query.has(name));
    if (clash) {
      return fail(400, invalidArgument('calendar', `The parameter ${clash} cannot be used together with syncToken.`, clash));
    }
  }
  if (query.has('q') || query.has('iCalUID') || query.has('updatedMin')) {
    const name = ['q', 'iCalUID', 'updatedMin'].find((n) => query.has(n))!;
    return fail(400, invalidArgument('calendar', `The Google emulator does not implement ${name}.`, name));
  }
  if (orderBy !== null && orderBy !== 'startTime' && orderBy !== 'updated') {
    return fail(400, invalidArgument('calendar', `Invalid value for orderBy: ${orderBy}`, 'orderBy'));
  }
  if (orderBy === 'startTime' && !singleEvents) {
    return fail(400, invalidArgument('calendar', 'The requested ordering is not available for the particular query.', 'orderBy'));
  }
  const timeMin = parseBound(query.get('timeMin'));
  const timeMax = parseBound(query.get('timeMax'));
  if (timeMin === 'bad' || timeMax === 'bad') {
    return fail(400, googleError('calendar', 400, 'Bad Request', { reason: 'badRequest' }));
  }
  if (timeMin !== null && timeMax !== null && timeMax <= timeMin) {
    return fail(
      400,
      googleError('calendar', 400, 'The specified time range is empty.', {
        domain: 'calendar',
        reason: 'timeRangeEmpty',
        location: 'timeMax',
        locationType: 'parameter',
      }),
    );
  }

  const { calendar } = account;
  let since: number | null = null;
  if (syncToken !== null) {
    since = decodeToken<number>('sync', filterKey(account.email), syncToken);
    if (since === null || !calendar.syncValid(since)) return fail(410, fullSyncRequired());
  }
  const showDeleted = since !== null || flag(query.get('showDeleted'));
  const key = filterKey(account.email, since, showDeleted, timeMin, timeMax, orderBy, singleEvents);

  let state: PageState | null = null;
  const token = query.get('pageToken');
  if (token) {
    state = decodeToken<PageState>('events', key, token);
    if (!state) return fail(400, invalidArgument('calendar', 'Invalid page token', 'pageToken'));
  }
  const snap = state?.snap ?? calendar.changeSeq;
  // Incremental: ordered by change, bounded by the snapshot. Full: stable creation order
  // (or the requested one), so an update between pages cannot move an event across them.
  const sortKey =
    since !== null
      ? (e: StoredEvent) => e.changeSeq
      : orderBy === 'startTime'
        ? (e: StoredEvent) => timeOf(e.start)
        : orderBy === 'updated'
          ? (e: StoredEvent) => e.updated
          : () => 0;

  const candidates = calendar
    .all()
    .filter((e) => {
      if (since !== null) return e.changeSeq > since && e.changeSeq <= snap;
      if (e.status === 'cancelled' && !showDeleted) return false;
      if (timeMin !== null && timeOf(e.end) <= timeMin) return false;
      if (timeMax !== null && timeOf(e.start) >= timeMax) return false;
      return true;
    })
    .map((e) => ({ event: e, pos: [sortKey(e), e.index] as EventPosition }))
    .filter(({ pos }) => !state || compare(pos, state.pos) > 0)
    .sort((a, b) => compare(a.pos, b.pos));

  const page = candidates.slice(0, limit);
  const more = candidates.length > limit;
  const lastPos = page.at(-1)?.pos;
  const updated = Math.max(0, ...calendar.all().map((e) => e.updated));
  return ok({
    kind: 'calendar#events',
    etag: `"p${snap}"`,
    summary: account.email,
    description: '',
    updated: new Date(updated).toISOString(),
    timeZone: 'UTC',
    accessRole: 'owner',
    defaultReminders: [],
    ...(more && lastPos
      ? { nextPageToken: encodeToken<PageState>('events', key, { snap, pos: lastPos }) }
      : { nextSyncToken: encodeToken('sync', filterKey(account.email), snap) }),
    items: page.map(({ event }) => eventJson(event, account)),
  });
}

function compare(a: EventPosition, b: EventPosition): number {
  return a[0] - b[0] || a[1] - b[1];
}

/** An RFC 3339 timestamp with an offset, as Calendar requires for timeMin/timeMax. */
function parseBound(value: string | null): number | null | 'bad' {
  if (value === null) return null;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i.test(value)) return 'bad';
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? 'bad' : ms;
}

function eventJson(event: StoredEvent, account: UserAccount) {
  const etag = `"${event.updated}${String(event.sequence).padStart(3, '0')}"`;
  // A removed event is reported by id and status only, as Calendar does for deletions.
  if (event.status === 'cancelled') return { kind: 'calendar#event', etag, id: event.id, status: 'cancelled' };
  const organizer = person(event.organizer, account);
  return {
    kind: 'calendar#event',
    etag,
    id: event.id,
    status: event.status,
    htmlLink: `https://www.google.com/calendar/event?eid=${Buffer.from(`${event.id} ${account.email}`).toString('base64url')}`,
    created: new Date(event.created).toISOString(),
    updated: new Date(event.updated).toISOString(),
    ...(event.summary !== undefined ? { summary: event.summary } : {}),
    creator: organizer,
    organizer,
    start: event.start,
    end: event.end,
    iCalUID: event.iCalUID,
    sequence: event.sequence,
    ...(event.attendees
      ? {
          attendees: event.attendees.map((a) => ({
            ...person(a, account),
            ...(a.organizer ? { organizer: true } : {}),
            ...(a.resource ? { resource: true } : {}),
            ...(a.optional ? { optional: true } : {}),
            responseStatus: a.responseStatus,
          })),
        }
      : {}),
    reminders: { useDefault: true },
    eventType: 'default',
  };
}

/** Calendar writes `self: true` only on the calendar owner's own entries. */
function person(p: { email: string; displayName?: string; self?: boolean }, account: UserAccount) {
  const self = p.self ?? isOwnAddress(account, p.email);
  return {
    email: p.email,
    ...(p.displayName !== undefined ? { displayName: p.displayName } : {}),
    ...(self ? { self: true } : {}),
  };
}
