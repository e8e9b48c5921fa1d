import { parseIcs } from '../../mail/ical-events.ts';
import type { CalendarEvent } from '../../mail/types.ts';

export interface ResourceEvents {
  events: CalendarEvent[];
  /** Events of the resource left out, by reason (no start, a recurrence that cannot be read). */
  skipped: Record<string, number>;
}

/**
 * The events of one iCalendar resource (a CalDAV object, an .ics feed), read by the same code as
 * local import (src/mail/ical-events.ts), so a meeting means the same thing whichever way it
 * came. Each event is named `<resource>#<UID>#<occurrence start>`: the resource is given in full
 * (CalendarPage.replaced), so a name only has to be unique within it, and every event of the
 * resource can be found by it. Null when the text is not iCalendar at all.
 *
 * `owner` holds the calendar owner's addresses: their attendee entry is marked `self`.
 */
export function eventsOfResource(resource: string, text: string, owner: readonly string[], now: Date): ResourceEvents | null {
  if (resource.includes('#')) throw new Error(`a calendar resource name never contains '#': ${resource}`);
  let read;
  try {
    read = parseIcs(text, new Set(owner.map(lower)), now, lower);
  } catch {
    return null;
  }
  // A moved occurrence may land on the start of another one; one event per name, the last read.
  const named = new Map<string, CalendarEvent>();
  for (const event of read.events) {
    const providerId = `${resource}#${event.iCalUid ?? ''}#${event.start!.toISOString()}`;
    named.set(providerId, { ...event, providerId });
  }
  return { events: [...named.values()], skipped: read.skipped };
}

function lower(address: string): string {
  return address.trim().toLowerCase();
}
