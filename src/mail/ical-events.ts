import { createHash } from 'node:crypto';
import ICAL from 'ical.js';
import type { Address, Attendee, CalendarEvent, ResponseStatus } from './types.ts';

/** Occurrences of one recurring event at most: ten years of a daily stand-up, and no endless loop. */
export const MAX_OCCURRENCES = 4_000;
/** Recurring events are expanded this far past the import: enough to know the next meeting. */
export const HORIZON_DAYS = 366;

export interface IcsReadResult {
  events: CalendarEvent[];
  /** Events left out, by reason (`no-start`, `malformed:recurrence`, …). */
  skipped: Record<string, number>;
}

/**
 * The events of an iCalendar text (a Google Calendar export, an Outlook or Apple calendar, a
 * CalDAV calendar object, an .ics subscription) in the provider-neutral shape the live calendar
 * sync produces, so `ingestCalendar` treats them alike: the one reading of iCalendar that local
 * import (src/import/read-ics.ts) and the CalDAV and .ics providers share. Recurring events become
 * one event per occurrence, with their exceptions (moved or cancelled instances, EXDATEs)
 * applied, up to HORIZON_DAYS past `now`. Times are read in the text's own time zones (its
 * VTIMEZONEs). A calendar is read whole: a decade of events is a few megabytes.
 *
 * `owner` holds the calendar owner's addresses as `normalize` writes them: their attendee entry is
 * marked `self`. Event ids are `ics:<UID>:<occurrence start>`; a provider that has its own names
 * for where an event lives (a CalDAV object's href) renames them.
 */
export function parseIcs(text: string, owner: ReadonlySet<string>, now: Date, normalize: (email: string) => string | null): IcsReadResult {
  const skipped: Record<string, number> = {};
  const skip = (reason: string) => (skipped[reason] = (skipped[reason] ?? 0) + 1);
  const root = new ICAL.Component(ICAL.parse(text) as unknown[]);
  const calendars = root.name === 'vcalendar' ? [root] : root.getAllSubcomponents('vcalendar');
  const events: CalendarEvent[] = [];
  const horizon = ICAL.Time.fromJSDate(new Date(now.getTime() + HORIZON_DAYS * 86_400_000), true);

  for (const calendar of calendars) {
    for (const zone of calendar.getAllSubcomponents('vtimezone')) {
      try {
        ICAL.TimezoneService.register(zone);
      } catch {
        skip('malformed:timezone');
      }
    }
    // The master of each UID (the highest SEQUENCE when a UID repeats), then its exceptions.
    const masters = new Map<string, ICAL.Event>();
    const exceptions: ICAL.Event[] = [];
    for (const component of calendar.getAllSubcomponents('vevent')) {
      const event = new ICAL.Event(component);
      if (!event.uid) event.uid = 'nouid-' + createHash('sha256').update(component.toString()).digest('hex').slice(0, 24);
      if (event.isRecurrenceException()) exceptions.push(event);
      else {
        const seen = masters.get(event.uid);
        if (!seen || (event.sequence ?? 0) >= (seen.sequence ?? 0)) masters.set(event.uid, event);
      }
    }
    for (const exception of exceptions) {
      const master = masters.get(exception.uid);
      if (master && master.isRecurring()) master.relateException(exception);
      else masters.set(`${exception.uid}#${exception.recurrenceId?.toString()}`, exception);
    }

    for (const event of masters.values()) {
      try {
        if (!event.startDate) {
          skip('no-start');
          continue;
        }
        if (!event.isRecurring()) {
          events.push(toCalendarEvent(event, event.startDate, event.endDate, owner, normalize));
          continue;
        }
        const iterator = event.iterator();
        let count = 0;
        for (let next = iterator.next(); next; next = iterator.next()) {
          if (next.compare(horizon) > 0 || ++count > MAX_OCCURRENCES) break;
          const details = event.getOccurrenceDetails(next);
          events.push(toCalendarEvent(details.item, details.startDate, details.endDate, owner, normalize));
        }
      } catch {
        skip('malformed:recurrence');
      }
    }
  }
  return { events, skipped };
}

function toCalendarEvent(
  event: ICAL.Event,
  start: ICAL.Time,
  end: ICAL.Time | null,
  owner: ReadonlySet<string>,
  normalize: (email: string) => string | null,
): CalendarEvent {
  const status = String(event.component.getFirstPropertyValue('status') ?? '').toUpperCase();
  const organizerProperty = event.component.getFirstProperty('organizer');
  const organizerEmail = organizerProperty ? mailto(organizerProperty.getFirstValue()) : null;
  const organizer: Address | null = organizerEmail ? { email: organizerEmail, name: param(organizerProperty!, 'cn') } : null;
  const organizerKey = organizerEmail ? normalize(organizerEmail) : null;

  const attendees: Attendee[] = [];
  for (const property of event.attendees) {
    const email = mailto(property.getFirstValue());
    if (!email) continue;
    const key = normalize(email);
    const cutype = (param(property, 'cutype') ?? 'INDIVIDUAL').toUpperCase();
    attendees.push({
      email,
      name: param(property, 'cn'),
      responseStatus: responseOf(param(property, 'partstat')),
      self: key !== null && owner.has(key),
      organizer: key !== null && key === organizerKey,
      resource: cutype === 'ROOM' || cutype === 'RESOURCE',
    });
  }
  const startDate = start.toJSDate();
  const uid = event.uid;
  return {
    providerId: `ics:${uid}:${startDate.toISOString()}`,
    iCalUid: uid,
    status: status === 'CANCELLED' ? 'cancelled' : status === 'TENTATIVE' ? 'tentative' : 'confirmed',
    start: startDate,
    end: end ? end.toJSDate() : null,
    allDay: start.isDate,
    organizer,
    attendees,
    subject: event.summary ? String(event.summary) : null,
  };
}

/** `mailto:Ann@x.org` → `Ann@x.org`; null for anything that is not a mail address (a URL, a phone). */
function mailto(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const address = value.replace(/^mailto:/i, '').trim();
  return /^[^\s@]+@[^\s@]+$/.test(address) ? address : null;
}

function param(property: ICAL.Property, name: string): string | null {
  const value = property.getParameter(name);
  const text = Array.isArray(value) ? value[0] : value;
  return typeof text === 'string' && text.trim() ? text.trim() : null;
}

function responseOf(partstat: string | null): ResponseStatus {
  switch ((partstat ?? '').toUpperCase()) {
    case 'ACCEPTED':
      return 'accepted';
    case 'DECLINED':
      return 'declined';
    case 'TENTATIVE':
      return 'tentative';
    case 'NEEDS-ACTION':
      return 'needsAction';
    default:
      return 'none';
  }
}
