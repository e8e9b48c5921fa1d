import type { Attendee, CalendarEvent, ResponseStatus } from '../../mail/types.ts';
import { addressOf, type GraphRecipient } from './map-graph-message.ts';

type GraphResponse = 'none' | 'organizer' | 'tentativelyAccepted' | 'accepted' | 'declined' | 'notResponded';

interface GraphDateTime {
  dateTime?: string | null;
  timeZone?: string | null;
}

/** An event resource as calendarView delta returns it (only what rekindle reads). */
export interface GraphEvent {
  '@removed'?: { reason?: string };
  id?: string;
  iCalUId?: string | null;
  subject?: string | null;
  start?: GraphDateTime | null;
  end?: GraphDateTime | null;
  isAllDay?: boolean | null;
  isCancelled?: boolean | null;
  isOrganizer?: boolean | null;
  responseStatus?: { response?: GraphResponse | null } | null;
  organizer?: GraphRecipient | null;
  attendees?: (GraphRecipient & { type?: string | null; status?: { response?: GraphResponse | null } | null })[] | null;
  type?: string | null;
  originalStart?: string | null;
}

const RESPONSES: Record<GraphResponse, ResponseStatus> = {
  none: 'none',
  notResponded: 'needsAction',
  tentativelyAccepted: 'tentative',
  accepted: 'accepted',
  declined: 'declined',
  organizer: 'accepted',
};

/**
 * A calendarView event → CalendarEvent; null when it has no id. `@removed` entries (deleted, or
 * changed outside the window) and cancelled meetings (`isCancelled`) both become removals.
 *
 * Graph lists the organizer apart from the attendees and gives the calendar owner's own answer
 * as the event's `responseStatus`, which is the one to trust (an attendee's copy of a meeting
 * does not track the others' answers). `owner` holds the mailbox's addresses, lower-cased: the
 * attendee that is the owner is marked `self` and carries that answer; when the owner is not on
 * the list (invited through a group), one `self` attendee is added for them.
 */
export function mapGraphEvent(event: GraphEvent, owner: readonly string[]): CalendarEvent | null {
  if (!event.id) return null;
  if (event['@removed'] || event.isCancelled) {
    return {
      providerId: event.id,
      iCalUid: event['@removed'] ? null : sharedId(event),
      status: 'cancelled',
      start: null,
      end: null,
      allDay: false,
      organizer: null,
      attendees: [],
      subject: null,
    };
  }
  const own = new Set(owner.map((a) => a.toLowerCase()));
  const organizer = addressOf(event.organizer);
  const ownerResponse = RESPONSES[event.responseStatus?.response ?? 'none'] ?? 'none';
  const organizerIsOwner = event.isOrganizer === true || (organizer !== null && own.has(organizer.email.toLowerCase()));

  const attendees: Attendee[] = [];
  let sawOwner = false;
  for (const a of event.attendees ?? []) {
    const address = addressOf(a);
    if (!address) continue;
    const self = own.has(address.email.toLowerCase());
    sawOwner ||= self;
    const response = a.status?.response ?? 'none';
    attendees.push({
      email: address.email,
      name: address.name,
      responseStatus: self && !organizerIsOwner ? ownerResponse : (RESPONSES[response] ?? 'none'),
      self,
      organizer: response === 'organizer',
      resource: a.type === 'resource',
    });
  }
  if (organizerIsOwner && organizer) {
    attendees.unshift({
      email: organizer.email,
      name: organizer.name,
      responseStatus: 'accepted',
      self: true,
      organizer: true,
      resource: false,
    });
  } else if (!sawOwner && owner[0]) {
    attendees.push({ email: owner[0], name: null, responseStatus: ownerResponse, self: true, organizer: false, resource: false });
  }
  const start = eventTime(event.start, event.isAllDay === true);
  return {
    providerId: event.id,
    iCalUid: sharedId(event),
    status: 'confirmed',
    start,
    end: eventTime(event.end, event.isAllDay === true),
    allDay: event.isAllDay === true,
    organizer,
    attendees,
    subject: event.subject?.trim() || null,
  };
}

/**
 * Every copy of a meeting has the same iCalUId; occurrences of a series share it too and are
 * told apart by their original start, `<iCalUId>#<originalStart>`, as on the Google side.
 */
function sharedId(event: GraphEvent): string | null {
  if (!event.iCalUId) return null;
  if (event.type !== 'occurrence' && event.type !== 'exception') return event.iCalUId;
  const original = event.originalStart ? new Date(event.originalStart) : null;
  return original && !Number.isNaN(original.getTime()) ? `${event.iCalUId}#${original.toISOString()}` : event.iCalUId;
}

/**
 * `{"dateTime": "2024-03-05T15:00:00.0000000", "timeZone": "UTC"}`. rekindle asks for UTC
 * (`Prefer: outlook.timezone="UTC"`, also Graph's default), so the dateTime is read as UTC.
 * All-day events are read as UTC midnight of their date, as on the Google side.
 */
function eventTime(time: GraphDateTime | null | undefined, allDay: boolean): Date | null {
  const value = time?.dateTime;
  if (!value) return null;
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?)\d*(Z|[+-]\d{2}:\d{2})?$/.exec(value.trim());
  if (!match) return null;
  const at = new Date(allDay ? `${match[1]}T00:00:00Z` : `${match[1]}T${match[2]}${match[3] ?? 'Z'}`);
  return Number.isNaN(at.getTime()) ? null : at;
}
