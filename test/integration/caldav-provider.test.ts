/**
 * The CalDAV calendar source against a real Radicale: discovery from the server's root, the
 * first full read in pages, sync-collection afterwards (added, moved, cancelled, deleted
 * events; an occurrence taken out of a series), an expired sync token, the ctag/ETag way for
 * servers without sync-collection, and clear failures.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCalendarSources } from '../../src/accounts/check-calendar-sources.ts';
import { createCaldavCalendarSource, type CaldavCursor } from '../../src/providers/caldav/caldav-calendar-source.ts';
import { createCaldavClient, type CaldavClient } from '../../src/providers/caldav/caldav-client.ts';
import { isProviderError } from '../../src/providers/provider-error.ts';
import type { CalendarPage, CalendarSource } from '../../src/providers/types.ts';
import { createCaldavUser, type CaldavTestUser } from '../../testkit/caldav-calendar.ts';
import { startRadicale, type Radicale } from '../../testkit/radicale.ts';

const OWNER = 'sam@example.com';
const DAY = 86_400_000;
const base = Date.UTC(2026, 0, 5, 10);
const at = (days: number, hours = 0) => new Date(base + days * DAY + hours * 3_600_000).toISOString();

function meeting(summary: string, start: string, guest: string, response: 'accepted' | 'declined' | 'tentative' = 'accepted') {
  return {
    summary,
    start: { dateTime: start },
    end: { dateTime: new Date(Date.parse(start) + 3_600_000).toISOString() },
    organizer: { email: OWNER, displayName: 'Sam' },
    attendees: [
      { email: OWNER, displayName: 'Sam', responseStatus: 'accepted' as const, organizer: true },
      { email: guest, displayName: guest.split('@')[0], responseStatus: response },
    ],
  };
}

/** A weekly 1:1 with Ann, four times, the third moved a day later, the second taken out. */
const WEEKLY = (exdate: boolean) =>
  [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//test//EN',
    'BEGIN:VEVENT',
    'UID:weekly-ann',
    'DTSTAMP:20260101T000000Z',
    'DTSTART:20260106T090000Z',
    'DTEND:20260106T093000Z',
    'RRULE:FREQ=WEEKLY;COUNT=4',
    ...(exdate ? ['EXDATE:20260113T090000Z'] : []),
    'SUMMARY:1:1 Ann',
    'ORGANIZER;CN=Sam:mailto:sam@example.com',
    'ATTENDEE;CN=Sam;PARTSTAT=ACCEPTED:mailto:sam@example.com',
    'ATTENDEE;CN=Ann Lee;PARTSTAT=ACCEPTED:mailto:ann@x.org',
    'ATTENDEE;CUTYPE=ROOM;CN=Room 1:mailto:room1@example.com',
    'END:VEVENT',
    'BEGIN:VEVENT',
    'UID:weekly-ann',
    'DTSTAMP:20260101T000000Z',
    'RECURRENCE-ID:20260120T090000Z',
    'DTSTART:20260121T150000Z',
    'DTEND:20260121T153000Z',
    'SUMMARY:1:1 Ann (moved)',
    'ORGANIZER:mailto:sam@example.com',
    'ATTENDEE;PARTSTAT=ACCEPTED:mailto:sam@example.com',
    'ATTENDEE;PARTSTAT=ACCEPTED:mailto:ann@x.org',
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');

/** Reads pages until caught up; returns them. */
async function readAll<C>(source: CalendarSource<C>, cursor: C | null): Promise<{ pages: CalendarPage<C>[]; cursor: C }> {
  const pages: CalendarPage<C>[] = [];
  for (let i = 0; i < 100; i++) {
    const page = await source.nextPage(cursor);
    pages.push(page);
    cursor = page.cursor;
    if (page.caughtUp) return { pages, cursor: cursor as C };
  }
  throw new Error('never caught up');
}

const starts = (pages: CalendarPage[]) =>
  pages
    .flatMap((p) => p.events)
    .filter((e) => e.status !== 'cancelled')
    .map((e) => `${e.subject}@${e.start!.toISOString()}`)
    .sort();

describe('CalDAV calendar source (Radicale)', () => {
  let radicale: Radicale;
  let calendar: CaldavTestUser;
  const clients: CaldavClient[] = [];
  const reports = () => (radicale.log().match(/REPORT request/g) ?? []).length;

  const clientFor = (password = calendar.password, passwordIsTheMailbox = false) => {
    const client = createCaldavClient({ server: calendar.settings, password, passwordIsTheMailbox });
    clients.push(client);
    return client;
  };
  const sourceFor = (client: CaldavClient = clientFor()) =>
    createCaldavCalendarSource({ client, owner: [OWNER], pageSize: 2, now: () => new Date(base) });

  beforeAll(async () => {
    radicale = await startRadicale();
    calendar = await createCaldavUser(radicale, OWNER);
    await calendar.putEvent('lunch-bo', meeting('Lunch with Bo', at(1), 'bo@x.org'));
    await calendar.putEvent('review-cy', meeting('Design review', at(2), 'cy@x.org', 'tentative'));
    await calendar.putEvent('declined-di', {
      ...meeting('Pitch', at(3), 'di@x.org'),
      attendees: [
        { email: OWNER, responseStatus: 'declined' },
        { email: 'di@x.org', responseStatus: 'accepted', organizer: true },
      ],
      organizer: { email: 'di@x.org' },
    });
    await calendar.putEvent('offsite', {
      summary: 'Offsite',
      start: { date: '2026-01-09' },
      end: { date: '2026-01-10' },
      attendees: [{ email: 'ed@x.org', responseStatus: 'needsAction' }],
    });
    await calendar.putObject('weekly-ann', WEEKLY(false));
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await radicale?.destroy();
  });

  it('discovers the calendar from the server root and reads every event, a page of objects at a time', async () => {
    const { pages, cursor } = await readAll(sourceFor(), null);
    expect(pages.length).toBeGreaterThanOrEqual(3);
    expect(pages.slice(0, -1).every((p) => p.phase === 'backfill' && !p.caughtUp)).toBe(true);
    expect(pages.at(-1)!.phase).toBe('incremental');
    expect(starts(pages)).toEqual(
      [
        `Lunch with Bo@${at(1)}`,
        `Design review@${at(2)}`,
        `Pitch@${at(3)}`,
        `Offsite@${new Date(Date.UTC(2026, 0, 9)).toISOString()}`,
        '1:1 Ann@2026-01-06T09:00:00.000Z',
        '1:1 Ann@2026-01-13T09:00:00.000Z',
        '1:1 Ann (moved)@2026-01-21T15:00:00.000Z',
        '1:1 Ann@2026-01-27T09:00:00.000Z',
      ].sort(),
    );
    // Every object is replaced whole, by its href: that is how an occurrence leaving a series goes.
    const replaced = pages.flatMap((p) => p.replaced ?? []);
    expect(replaced).toHaveLength(5);
    expect(new Set(replaced).size).toBe(5);
    for (const event of pages.flatMap((p) => p.events)) expect(replaced).toContain(event.providerId.split('#')[0]);
    expect(Object.values((cursor as CaldavCursor).calendars)).toEqual([
      { syncToken: expect.stringMatching(/^http:\/\/radicale\.org\/ns\/sync\//) },
    ]);
  });

  it('maps organiser, attendees, answers, rooms and all-day events as for Google and Graph', async () => {
    const { pages } = await readAll(sourceFor(), null);
    const events = pages.flatMap((p) => p.events);
    const lunch = events.find((e) => e.subject === 'Lunch with Bo')!;
    expect(lunch).toMatchObject({
      iCalUid: 'lunch-bo',
      status: 'confirmed',
      allDay: false,
      organizer: { email: OWNER, name: 'Sam' },
      attendees: [
        { email: OWNER, name: 'Sam', responseStatus: 'accepted', self: true, organizer: true, resource: false },
        { email: 'bo@x.org', name: 'bo', responseStatus: 'accepted', self: false, organizer: false, resource: false },
      ],
    });
    expect(lunch.end!.getTime() - lunch.start!.getTime()).toBe(3_600_000);
    expect(events.find((e) => e.subject === 'Design review')!.attendees[1]!.responseStatus).toBe('tentative');
    expect(events.find((e) => e.subject === 'Pitch')!.attendees[0]).toMatchObject({ self: true, responseStatus: 'declined' });
    expect(events.find((e) => e.subject === 'Offsite')).toMatchObject({
      allDay: true,
      attendees: [{ email: 'ed@x.org', responseStatus: 'needsAction' }],
    });
    const weekly = events.find((e) => e.subject === '1:1 Ann')!;
    expect(weekly.attendees.find((a) => a.email === 'room1@example.com')).toMatchObject({ resource: true, name: 'Room 1' });
  });

  it('follows additions, moves, cancellations, deletions and an occurrence taken out of a series', async () => {
    const source = sourceFor();
    let { cursor } = await readAll(source, null);
    const before = reports();
    // Nothing changed: the listing's sync token says so, without a sync report.
    const idle = await readAll(source, cursor);
    expect(idle.pages).toHaveLength(1);
    expect(idle.pages[0]!.events).toEqual([]);
    expect(reports()).toBe(before);

    await calendar.putEvent('coffee-fay', meeting('Coffee', at(4), 'fay@x.org'));
    await calendar.putEvent('lunch-bo', meeting('Lunch with Bo', at(5), 'bo@x.org'));
    await calendar.putEvent('review-cy', { ...meeting('Design review', at(2), 'cy@x.org'), status: 'cancelled' });
    await calendar.deleteObject('offsite');
    await calendar.putObject('weekly-ann', WEEKLY(true));

    const changed = await readAll(sourceFor(), cursor);
    cursor = changed.cursor;
    const events = changed.pages.flatMap((p) => p.events);
    const replaced = new Set(changed.pages.flatMap((p) => p.replaced ?? []));
    const href = (uid: string) => [...replaced].find((r) => r.endsWith(`/${uid}.ics`));
    for (const uid of ['coffee-fay', 'lunch-bo', 'review-cy', 'offsite', 'weekly-ann']) expect(href(uid), uid).toBeDefined();
    expect(replaced.size).toBe(5);
    expect(events.filter((e) => e.providerId.startsWith(`${href('offsite')}#`))).toEqual([]);
    expect(events.find((e) => e.subject === 'Lunch with Bo')!.start!.toISOString()).toBe(at(5));
    expect(events.find((e) => e.subject === 'Design review')!.status).toBe('cancelled');
    expect(
      events
        .filter((e) => e.iCalUid === 'weekly-ann')
        .map((e) => e.start!.toISOString())
        .sort(),
    ).toEqual(['2026-01-06T09:00:00.000Z', '2026-01-21T15:00:00.000Z', '2026-01-27T09:00:00.000Z']);
    expect(events.find((e) => e.subject === 'Coffee')!.attendees.map((a) => a.email)).toEqual([OWNER, 'fay@x.org']);
    expect(changed.pages.every((p) => p.phase === 'incremental')).toBe(true);
  });

  it('says cursor_expired when the server no longer knows the sync token', async () => {
    const source = sourceFor();
    const { cursor } = await readAll(source, null);
    radicale.forgetSyncTokens();
    await calendar.putEvent('late-gus', meeting('Late', at(6), 'gus@x.org'));
    const error = await sourceFor()
      .nextPage(cursor)
      .catch((e: unknown) => e);
    expect(isProviderError(error, 'cursor_expired')).toBe(true);
    // A full read from scratch gives every event, the new one too.
    const again = await readAll(sourceFor(), null);
    expect(starts(again.pages)).toContain(`Late@${at(6)}`);
  });

  it('follows changes by ctag and ETags on a server without sync-collection', async () => {
    const real = clientFor();
    const noSync: CaldavClient = {
      ...real,
      calendars: async () => (await real.calendars()).map((c) => ({ ...c, supportsSync: false })),
    };
    const source = () => createCaldavCalendarSource({ client: noSync, owner: [OWNER], pageSize: 3, now: () => new Date(base) });
    const first = await readAll(source(), null);
    const all = starts(first.pages);
    expect(all).toContain(`Coffee@${at(4)}`);
    const reportsBefore = reports();
    const idle = await readAll(source(), first.cursor);
    expect(idle.pages.flatMap((p) => p.events)).toEqual([]);
    expect(reports()).toBe(reportsBefore);

    await calendar.putEvent('coffee-fay', meeting('Coffee', at(7), 'fay@x.org'));
    await calendar.deleteObject('late-gus');
    const changed = await readAll(source(), first.cursor);
    const replaced = changed.pages.flatMap((p) => p.replaced ?? []);
    expect(replaced.map((r) => r.split('/').at(-1)).sort()).toEqual(['coffee-fay.ics', 'late-gus.ics']);
    expect(starts(changed.pages)).toEqual([`Coffee@${at(7)}`]);
    // One calendar-multiget for the changed object; no sync-collection report on this path.
    expect(reports()).toBe(reportsBefore + 1);
  });

  it('reads a second calendar, and a deleted calendar makes a full resync', async () => {
    const work = await calendar.makeCalendar('work');
    await calendar.putEvent('standup-hal', meeting('Standup', at(8), 'hal@x.org'), work);
    const { pages, cursor } = await readAll(sourceFor(), null);
    expect(starts(pages)).toContain(`Standup@${at(8)}`);
    expect(Object.keys((cursor as CaldavCursor).calendars)).toHaveLength(2);
    await calendar.deleteCalendar(work);
    const error = await sourceFor()
      .nextPage(cursor)
      .catch((e: unknown) => e);
    expect(isProviderError(error, 'cursor_expired')).toBe(true);
  });

  it('names a wrong password, and only a shared one stops the whole account', async () => {
    const own = await sourceFor(clientFor('wrong', false))
      .nextPage(null)
      .catch((e: unknown) => e);
    expect(isProviderError(own, 'permanent')).toBe(true);
    expect((own as Error).message).toMatch(/did not accept this user name and password/);
    const shared = await sourceFor(clientFor('wrong', true))
      .nextPage(null)
      .catch((e: unknown) => e);
    expect(isProviderError(shared, 'auth_revoked')).toBe(true);
  });

  it('is checked before it is saved: the calendars it would read, or why it cannot', async () => {
    const imap = { user: OWNER, password: 'the-imap-app-password', email: OWNER };
    const ok = await checkCalendarSources({ caldav: { url: calendar.settings.url, password: calendar.password } }, imap);
    expect(ok).toMatchObject({ ok: true, ics: null, caldav: { calendars: [{ syncCollection: true }] } });
    // No password of its own: the IMAP app password is tried, and here it is not the calendar's.
    const refused = await checkCalendarSources({ caldav: { url: calendar.settings.url } }, imap);
    expect(refused).toEqual({ ok: false, source: 'caldav', message: expect.stringMatching(/did not accept this user name and password/) });
    // Any address on the server will do: the calendars are found through its well-known address.
    const deeper = await checkCalendarSources(
      { caldav: { url: `${calendar.settings.url}somewhere/else/`, password: calendar.password } },
      imap,
    );
    expect(deeper).toMatchObject({ ok: true, caldav: { calendars: [{ syncCollection: true }] } });
  });

  it('names a server that is not CalDAV', async () => {
    const plain = await import('node:http');
    const server = plain.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>hello</html>'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const client = createCaldavClient({
        server: { ...calendar.settings, url: `http://127.0.0.1:${port}/` },
        password: 'x',
        passwordIsTheMailbox: false,
      });
      clients.push(client);
      const error = await createCaldavCalendarSource({ client, owner: [OWNER] })
        .nextPage(null)
        .catch((e: unknown) => e);
      expect(isProviderError(error, 'permanent')).toBe(true);
      expect((error as Error).message).toMatch(/does not answer like a CalDAV server/);
    } finally {
      server.close();
    }
  });
});
