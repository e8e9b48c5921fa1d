import type { calendar_v3 } from '@googleapis/calendar';
import type { Address, Attendee, CalendarEvent, ResponseStatus } from '../../mail/types.ts';

const RESPONSE_STATUSES = new Set<ResponseStatus>(['accepted', 'declined', 'tentative', 'needsAction']);

/**
 * A Calendar event resource → CalendarEvent; null when it has no id (nothing could refer to it).
 * Cancelled events from an incremental sync carry little more than `id` and `status`: they map
 * to a removal with null times and no attendees.
 */
export function mapGoogleEvent(event: calendar_v3.Schema$Event): CalendarEvent | null {
  if (!event.id) return null;
  const start = eventTime(event.start);
  return {
    providerId: event.id,
    iCalUid: sharedId(event),
    status: event.status === 'cancelled' || event.status === 'tentative' ? event.status : 'confirmed',
    start: start.at,
    end: eventTime(event.end).at,
    allDay: start.allDay,
    organizer: person(event.organizer),
    attendees: (event.attendees ?? []).flatMap((a) => {
      const attendee = attendeeOf(a);
      return attendee ? [attendee] : [];
    }),
    subject: event.summary ?? null,
  };
}

/**
 * Every copy of a meeting (the organizer's and each attendee's) has the same iCalUID; so do all
 * instances of a recurring one, which `singleEvents` expands. An instance is told apart by its
 * original start (stable when that one instance is moved): `<iCalUID>#<original start>`.
 */
function sharedId(event: calendar_v3.Schema$Event): string | null {
  if (!event.iCalUID) return null;
  if (!event.recurringEventId || !event.originalStartTime) return event.iCalUID;
  const original = event.originalStartTime;
  const at = original.dateTime ? new Date(original.dateTime) : null;
  const key = at && !Number.isNaN(at.getTime()) ? at.toISOString() : (original.date ?? null);
  return key ? `${event.iCalUID}#${key}` : event.iCalUID;
}

/**
 * Timed events give an RFC 3339 `dateTime` with offset; all-day events a `date` with no zone,
 * read as UTC midnight (the calendar's zone is not needed to order days).
 */
function eventTime(time: calendar_v3.Schema$EventDateTime | undefined): { at: Date | null; allDay: boolean } {
  if (time?.dateTime) {
    const at = new Date(time.dateTime);
    return { at: Number.isNaN(at.getTime()) ? null : at, allDay: false };
  }
  if (time?.date && /^\d{4}-\d{2}-\d{2}$/.test(time.date)) {
    const at = new Date(`${time.date}T00:00:00Z`);
    return { at: Number.isNaN(at.getTime()) ? null : at, allDay: true };
  }
  return { at: null, allDay: false };
}

function person(p: { email?: string | null; displayName?: string | null } | null | undefined): Address | null {
  const email = p?.email?.trim();
  return email ? { email, name: p?.displayName?.trim() || null } : null;
}

function attendeeOf(a: calendar_v3.Schema$EventAttendee): Attendee | null {
  const address = person(a);
  if (!address) return null;
  const status = a.responseStatus as ResponseStatus | null | undefined;
  return {
    email: address.email,
    name: address.name,
    responseStatus: status && RESPONSE_STATUSES.has(status) ? status : 'none',
    self: a.self === true,
    organizer: a.organizer === true,
    resource: a.resource === true,
  };
}
