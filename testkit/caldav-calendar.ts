/**
 * Real CalDAV calendars on the test's Radicale (testkit/radicale.ts): a user per mailbox, a
 * calendar made with MKCALENDAR as a calendar app makes it, events put in with PUT as iCalendar
 * objects, and what a person does afterwards (move, cancel, delete an event) done the same way.
 *
 * Events are written from the Google emulator's seed shape (fakes/google/seed-types.ts) by this
 * file's own small iCalendar writer, not by the product's reader.
 */
import type { SeedEvent, SeedEventTime } from '../fakes/google/seed-types.ts';
import type { CaldavServerSettings } from '../src/providers/caldav/calendar-source-settings.ts';
import type { Radicale } from './radicale.ts';

export interface CaldavTestUser {
  user: string;
  password: string;
  /** Radicale's root: rekindle discovers the calendars from there. */
  settings: CaldavServerSettings;
  /** The calendar every event goes in, absolute. */
  calendarUrl: string;
  /** Makes another calendar of this user; returns its URL. */
  makeCalendar(name: string): Promise<string>;
  /** PUTs one object (`<uid>.ics`) holding `ics`, in the default calendar unless told. */
  putObject(uid: string, ics: string, calendarUrl?: string): Promise<void>;
  /** PUTs a seed event as one object named by its UID. */
  putEvent(uid: string, event: SeedEvent, calendarUrl?: string): Promise<void>;
  deleteObject(uid: string, calendarUrl?: string): Promise<void>;
  deleteCalendar(calendarUrl: string): Promise<void>;
}

export async function createCaldavUser(
  radicale: Radicale,
  email: string,
  password = `cal-password-${process.pid}`,
): Promise<CaldavTestUser> {
  radicale.addUser(email, password);
  const authorization = `Basic ${Buffer.from(`${email}:${password}`).toString('base64')}`;
  const home = new URL(`${encodeURIComponent(email)}/`, radicale.url).href;
  const request = async (method: string, url: string, body?: string, contentType?: string) => {
    const response = await fetch(url, {
      method,
      headers: { authorization, ...(contentType ? { 'content-type': contentType } : {}) },
      ...(body !== undefined ? { body } : {}),
    });
    if (!response.ok) throw new Error(`Radicale: ${method} ${url} answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
    await response.body?.cancel();
  };
  const makeCalendar = async (name: string) => {
    const url = new URL(`${encodeURIComponent(name)}/`, home).href;
    await request(
      'MKCALENDAR',
      url,
      `<?xml version="1.0" encoding="utf-8"?>
<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:set><D:prop><D:displayname>${name}</D:displayname>
    <C:supported-calendar-component-set><C:comp name="VEVENT"/></C:supported-calendar-component-set>
  </D:prop></D:set>
</C:mkcalendar>`,
      'application/xml',
    );
    return url;
  };
  const calendarUrl = await makeCalendar('calendar');
  const objectUrl = (uid: string, calendar: string) => new URL(`${encodeURIComponent(uid)}.ics`, calendar).href;
  return {
    user: email,
    password,
    settings: { url: radicale.url, user: email, ownPassword: true, allowUntrustedCertificate: false },
    calendarUrl,
    makeCalendar,
    putObject: (uid, ics, calendar = calendarUrl) => request('PUT', objectUrl(uid, calendar), ics, 'text/calendar; charset=utf-8'),
    putEvent: (uid, event, calendar = calendarUrl) =>
      request('PUT', objectUrl(uid, calendar), icsOfSeedEvent(uid, event, email), 'text/calendar; charset=utf-8'),
    deleteObject: (uid, calendar = calendarUrl) => request('DELETE', objectUrl(uid, calendar)),
    deleteCalendar: (calendar) => request('DELETE', calendar),
  };
}

/**
 * A seed event as the iCalendar object a calendar app would store: organizer (the owner when
 * the seed names none, as Calendar does), attendees with their answers, rooms as CUTYPE=ROOM.
 */
export function icsOfSeedEvent(uid: string, event: SeedEvent, owner: string): string {
  const organizer = event.organizer ?? { email: owner };
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//rekindle tests//testkit//EN',
    'BEGIN:VEVENT',
    `UID:${uid}`,
    `DTSTAMP:${basicUtc(new Date())}`,
    time('DTSTART', event.start),
    time('DTEND', event.end),
    ...(event.summary !== undefined ? [`SUMMARY:${text(event.summary)}`] : []),
    `STATUS:${(event.status ?? 'confirmed').toUpperCase()}`,
    `ORGANIZER${organizer.displayName ? `;CN=${param(organizer.displayName)}` : ''}:mailto:${organizer.email}`,
    ...(event.attendees ?? []).map((a) => {
      const params = [
        ...(a.displayName ? [`CN=${param(a.displayName)}`] : []),
        `PARTSTAT=${a.responseStatus === 'needsAction' ? 'NEEDS-ACTION' : a.responseStatus.toUpperCase()}`,
        `ROLE=${a.optional ? 'OPT-PARTICIPANT' : 'REQ-PARTICIPANT'}`,
        ...(a.resource ? ['CUTYPE=ROOM'] : []),
      ];
      return `ATTENDEE;${params.join(';')}:mailto:${a.email}`;
    }),
    'END:VEVENT',
    'END:VCALENDAR',
  ];
  return lines.map(fold).join('\r\n') + '\r\n';
}

function time(name: string, at: SeedEventTime): string {
  if ('date' in at) return `${name};VALUE=DATE:${at.date.replace(/-/g, '')}`;
  return `${name}:${basicUtc(new Date(at.dateTime))}`;
}

function basicUtc(at: Date): string {
  return at
    .toISOString()
    .replace(/\.\d{3}/, '')
    .replace(/[-:]/g, '');
}

/** TEXT values escape backslash, semicolon, comma and newlines (RFC 5545 3.3.11). */
function text(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n');
}

/** A parameter value with `:`, `;` or `,` is quoted; a double quote cannot be in one at all. */
function param(value: string): string {
  const clean = value.replace(/"/g, "'");
  return /[:;,]/.test(clean) ? `"${clean}"` : clean;
}

/** Lines longer than 75 octets continue on the next line after a space (RFC 5545 3.1). */
function fold(line: string): string {
  const bytes = Buffer.from(line, 'utf8');
  if (bytes.length <= 75) return line;
  const parts: string[] = [];
  let current = '';
  for (const char of line) {
    if (Buffer.byteLength(current + char, 'utf8') > (parts.length === 0 ? 75 : 74)) {
      parts.push(current);
      current = '';
    }
    current += char;
  }
  parts.push(current);
  return parts.join('\r\n ');
}
