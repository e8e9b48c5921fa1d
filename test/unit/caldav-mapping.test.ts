import { describe, expect, it } from 'vitest';
import { canonicalPath } from '../../src/providers/caldav/caldav-client.ts';
import { insecureUrlReason } from '../../src/providers/caldav/dav-fetch.ts';
import { feedAddress } from '../../src/providers/caldav/ics-feed-source.ts';
import { describeCalendarFailure, mapCalendarError, SyncTokenExpiredError } from '../../src/providers/caldav/map-caldav-error.ts';
import { eventsOfResource } from '../../src/providers/caldav/map-icalendar-resource.ts';

const caldav = { kind: 'CalDAV server' as const, host: 'caldav.example.com' };

describe('one spelling of a CalDAV href', () => {
  it.each([
    ['/sam%40example.com/calendar/a.ics', '/sam%40example.com/calendar/a.ics'],
    ['/sam@example.com/calendar/a.ics', '/sam%40example.com/calendar/a.ics'],
    ['https://caldav.example.com/sam%40example.com/calendar/a.ics', '/sam%40example.com/calendar/a.ics'],
    ['/cal/Meeting%20notes.ics', '/cal/Meeting%20notes.ics'],
    ['/cal/Meeting notes.ics', '/cal/Meeting%20notes.ics'],
    ['/cal/a%23b.ics', '/cal/a%23b.ics'],
    ['/cal/caf%C3%A9.ics', '/cal/caf%C3%A9.ics'],
    ['/cal/100%.ics', '/cal/100%25.ics'],
  ])('%s → %s', (href, canonical) => {
    expect(canonicalPath(href, 'https://caldav.example.com/sam/')).toBe(canonical);
    expect(canonicalPath(href).includes('#')).toBe(false);
  });
});

describe('an .ics subscription address', () => {
  it('reads webcal:// as https:// and drops the fragment', () => {
    expect(feedAddress('webcal://p42-caldav.icloud.com/published/2/abc#x').url.href).toBe('https://p42-caldav.icloud.com/published/2/abc');
  });
  it('takes credentials out of the address, to send them as Basic credentials', () => {
    const { url, credentials } = feedAddress('https://me%40x.org:p%3Ass@cal.example.com/feed.ics');
    expect(url.href).toBe('https://cal.example.com/feed.ics');
    expect(credentials).toEqual({ user: 'me@x.org', password: 'p:ss' });
  });
});

describe('where a password may be sent', () => {
  it.each([
    ['https://caldav.fastmail.com/', null],
    ['http://127.0.0.1:5232/', null],
    ['http://localhost:5232/', null],
    ['http://caldav.example.com/', /in the clear/],
    ['ftp://caldav.example.com/', /over https, not ftp/],
  ])('%s', (url, reason) => {
    const said = insecureUrlReason(new URL(url));
    if (reason === null) expect(said).toBeNull();
    else expect(said).toMatch(reason);
  });
});

describe('why a calendar could not be read', () => {
  it('names a refused password before anything else the server said', () => {
    const failure = describeCalendarFailure(
      new Error('cannot find principalUrl'),
      [
        { url: 'x', status: 404 },
        { url: 'y', status: 401 },
      ],
      caldav,
    );
    expect(failure).toMatchObject({
      reason: 'wrong_password',
      message: expect.stringMatching(/caldav\.example\.com did not accept this user name and password/),
    });
  });
  it('names an untrusted certificate, a server out of reach, a server error, a throttle', () => {
    expect(describeCalendarFailure(new Error('fetch failed'), [{ url: 'x', code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }], caldav).reason).toBe(
      'untrusted_certificate',
    );
    expect(describeCalendarFailure(new Error('fetch failed'), [{ url: 'x', code: 'ECONNREFUSED' }], caldav).message).toMatch(
      /cannot be reached \(ECONNREFUSED\)/,
    );
    expect(describeCalendarFailure(new Error('x'), [{ url: 'x', status: 502 }], caldav).message).toMatch(/HTTP 502/);
    expect(describeCalendarFailure(new Error('x'), [{ url: 'x', status: 429, retryAfterMs: 5000 }], caldav)).toMatchObject({
      reason: 'throttled',
      retryAfterMs: 5000,
    });
  });
  it('maps onto the provider vocabulary: a shared password is the account’s grant, a calendar’s own is not', () => {
    const refused = [{ url: 'x', status: 401 }];
    expect(mapCalendarError(new Error('x'), refused, { ...caldav, passwordIsTheMailbox: true }).kind).toBe('auth_revoked');
    expect(mapCalendarError(new Error('x'), refused, { ...caldav, passwordIsTheMailbox: false }).kind).toBe('permanent');
    expect(mapCalendarError(new SyncTokenExpiredError('/cal/'), [], { ...caldav, passwordIsTheMailbox: true }).kind).toBe('cursor_expired');
    expect(mapCalendarError(new Error('x'), [{ url: 'x', code: 'ECONNRESET' }], { ...caldav, passwordIsTheMailbox: true }).kind).toBe(
      'transient',
    );
  });
});

describe('the events of one iCalendar resource', () => {
  const ics = (extra: string[] = []) =>
    [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'BEGIN:VEVENT',
      'UID:series@x',
      'DTSTART:20260105T100000Z',
      'DTEND:20260105T110000Z',
      'RRULE:FREQ=DAILY;COUNT=3',
      'ATTENDEE;PARTSTAT=ACCEPTED:mailto:Sam@Example.com',
      'ATTENDEE;PARTSTAT=ACCEPTED:mailto:ann@x.org',
      'END:VEVENT',
      ...extra,
      'END:VCALENDAR',
    ].join('\r\n');

  it('names each occurrence <resource>#<UID>#<start>, and marks the owner as self', () => {
    const read = eventsOfResource('/cal/series.ics', ics(), ['sam@example.com'], new Date('2026-01-01T00:00:00Z'))!;
    expect(read.events.map((e) => e.providerId)).toEqual([
      '/cal/series.ics#series@x#2026-01-05T10:00:00.000Z',
      '/cal/series.ics#series@x#2026-01-06T10:00:00.000Z',
      '/cal/series.ics#series@x#2026-01-07T10:00:00.000Z',
    ]);
    expect(read.events[0]!.attendees.map((a) => a.self)).toEqual([true, false]);
  });

  it('keeps one event when a moved occurrence lands on another one’s start', () => {
    const moved = [
      'BEGIN:VEVENT',
      'UID:series@x',
      'RECURRENCE-ID:20260106T100000Z',
      'DTSTART:20260107T100000Z',
      'DTEND:20260107T110000Z',
      'SUMMARY:moved',
      'END:VEVENT',
    ];
    const read = eventsOfResource('/cal/series.ics', ics(moved), [], new Date('2026-01-01T00:00:00Z'))!;
    expect(read.events.map((e) => e.start!.toISOString())).toEqual(['2026-01-05T10:00:00.000Z', '2026-01-07T10:00:00.000Z']);
  });

  it('says null for what is not iCalendar, and refuses a resource name with #', () => {
    expect(eventsOfResource('/cal/x.ics', '<html>not a calendar</html>', [], new Date())).toBeNull();
    expect(() => eventsOfResource('/cal/a#b.ics', ics(), [], new Date())).toThrow(/never contains '#'/);
  });
});
