import { describe, expect, it } from 'vitest';
import { mapGoogleEvent } from '../../src/providers/google/map-google-event.ts';

// Event resources shaped as Calendar's events.list returns them.
const meeting = {
  kind: 'calendar#event',
  etag: '"3398474771234000"',
  id: '7kq3v1s0ab12cd34ef56gh78ij',
  status: 'confirmed',
  htmlLink: 'https://www.google.com/calendar/event?eid=x',
  created: '2024-03-01T08:00:00.000Z',
  updated: '2024-03-02T09:00:00.000Z',
  summary: 'Roadmap review',
  creator: { email: 'ada@example.com', self: true },
  organizer: { email: 'ada@example.com', displayName: 'Ada Lovelace', self: true },
  start: { dateTime: '2024-03-05T16:00:00+01:00', timeZone: 'Europe/Berlin' },
  end: { dateTime: '2024-03-05T17:00:00+01:00', timeZone: 'Europe/Berlin' },
  iCalUID: '7kq3v1s0ab12cd34ef56gh78ij@google.com',
  sequence: 0,
  attendees: [
    { email: 'ada@example.com', displayName: 'Ada Lovelace', organizer: true, self: true, responseStatus: 'accepted' },
    { email: 'charles@example.org', displayName: 'Charles', responseStatus: 'tentative' },
    { email: 'grace@example.org', responseStatus: 'declined', optional: true },
    { email: 'mary@example.org', responseStatus: 'needsAction' },
    { email: 'c_1881abc@resource.calendar.google.com', displayName: 'Room 4', resource: true, responseStatus: 'accepted' },
  ],
  reminders: { useDefault: true },
  eventType: 'default',
};

describe('mapGoogleEvent', () => {
  it('maps a timed meeting with its attendees', () => {
    expect(mapGoogleEvent(meeting)).toEqual({
      providerId: '7kq3v1s0ab12cd34ef56gh78ij',
      iCalUid: '7kq3v1s0ab12cd34ef56gh78ij@google.com',
      status: 'confirmed',
      start: new Date('2024-03-05T15:00:00Z'),
      end: new Date('2024-03-05T16:00:00Z'),
      allDay: false,
      organizer: { email: 'ada@example.com', name: 'Ada Lovelace' },
      attendees: [
        { email: 'ada@example.com', name: 'Ada Lovelace', responseStatus: 'accepted', self: true, organizer: true, resource: false },
        { email: 'charles@example.org', name: 'Charles', responseStatus: 'tentative', self: false, organizer: false, resource: false },
        { email: 'grace@example.org', name: null, responseStatus: 'declined', self: false, organizer: false, resource: false },
        { email: 'mary@example.org', name: null, responseStatus: 'needsAction', self: false, organizer: false, resource: false },
        {
          email: 'c_1881abc@resource.calendar.google.com',
          name: 'Room 4',
          responseStatus: 'accepted',
          self: false,
          organizer: false,
          resource: true,
        },
      ],
      subject: 'Roadmap review',
    });
  });

  it('maps an all-day event to UTC midnights', () => {
    const allDay = { ...meeting, id: 'd1', attendees: undefined, start: { date: '2024-07-01' }, end: { date: '2024-07-02' } };
    expect(mapGoogleEvent(allDay)).toMatchObject({
      start: new Date('2024-07-01T00:00:00Z'),
      end: new Date('2024-07-02T00:00:00Z'),
      allDay: true,
      attendees: [],
    });
  });

  it('keys an instance of a recurring meeting by iCalUID and original start', () => {
    const instance = {
      ...meeting,
      id: 'r0abc_20240312T150000Z',
      iCalUID: 'r0abc@google.com',
      recurringEventId: 'r0abc',
      // This instance was moved by an hour; the key stays on the original start.
      originalStartTime: { dateTime: '2024-03-12T16:00:00+01:00', timeZone: 'Europe/Berlin' },
      start: { dateTime: '2024-03-12T17:00:00+01:00' },
    };
    expect(mapGoogleEvent(instance)).toMatchObject({
      iCalUid: 'r0abc@google.com#2024-03-12T15:00:00.000Z',
      start: new Date('2024-03-12T16:00:00Z'),
    });

    const allDayInstance = { ...instance, originalStartTime: { date: '2024-03-12' } };
    expect(mapGoogleEvent(allDayInstance)?.iCalUid).toBe('r0abc@google.com#2024-03-12');
  });

  it('maps a cancellation from an incremental sync (only id and status) to a removal', () => {
    expect(mapGoogleEvent({ kind: 'calendar#event', etag: '"1"', id: 'gone1', status: 'cancelled' })).toEqual({
      providerId: 'gone1',
      iCalUid: null,
      status: 'cancelled',
      start: null,
      end: null,
      allDay: false,
      organizer: null,
      attendees: [],
      subject: null,
    });
  });

  it('maps a cancelled instance of a recurring meeting with its instance key', () => {
    const cancelled = {
      id: 'r0abc_20240319T150000Z',
      status: 'cancelled',
      recurringEventId: 'r0abc',
      originalStartTime: { dateTime: '2024-03-19T15:00:00Z' },
      iCalUID: 'r0abc@google.com',
    };
    expect(mapGoogleEvent(cancelled)).toMatchObject({ status: 'cancelled', iCalUid: 'r0abc@google.com#2024-03-19T15:00:00.000Z' });
  });

  it('defaults what Calendar may leave out', () => {
    const sparse = {
      id: 's1',
      start: { dateTime: '2024-03-05T15:00:00Z' },
      end: { dateTime: '2024-03-05T15:30:00Z' },
      attendees: [{ email: 'x@example.org' }, { displayName: 'No address', responseStatus: 'accepted' }],
    };
    expect(mapGoogleEvent(sparse)).toMatchObject({
      status: 'confirmed',
      iCalUid: null,
      organizer: null,
      subject: null,
      attendees: [{ email: 'x@example.org', name: null, responseStatus: 'none', self: false, organizer: false, resource: false }],
    });
  });

  it('keeps tentative events and drops events without an id', () => {
    expect(mapGoogleEvent({ ...meeting, status: 'tentative' })?.status).toBe('tentative');
    expect(mapGoogleEvent({ ...meeting, id: undefined })).toBeNull();
  });

  it('leaves an unreadable time null instead of inventing one', () => {
    expect(mapGoogleEvent({ ...meeting, start: { dateTime: 'not a date' }, end: {} })).toMatchObject({ start: null, end: null });
  });
});
