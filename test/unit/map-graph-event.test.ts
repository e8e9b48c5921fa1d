import { describe, expect, it } from 'vitest';
import { mapGraphEvent, type GraphEvent } from '../../src/providers/microsoft/map-graph-event.ts';

const OWNER = ['ada@example.com', 'ada.lovelace@example.com'];

const meeting: GraphEvent = {
  id: 'AAMkAGI2evt1',
  iCalUId: '040000008200E00074C5B7101A82E00800000000ABC',
  subject: 'Review',
  start: { dateTime: '2024-03-05T15:00:00.0000000', timeZone: 'UTC' },
  end: { dateTime: '2024-03-05T16:00:00.0000000', timeZone: 'UTC' },
  isAllDay: false,
  isCancelled: false,
  isOrganizer: false,
  type: 'singleInstance',
  responseStatus: { response: 'accepted' },
  organizer: { emailAddress: { name: 'Charles Babbage', address: 'charles@example.org' } },
  attendees: [
    { type: 'required', status: { response: 'none' }, emailAddress: { name: 'Ada', address: 'ADA@example.com' } },
    { type: 'required', status: { response: 'tentativelyAccepted' }, emailAddress: { name: 'Grace', address: 'grace@example.net' } },
    { type: 'optional', status: { response: 'declined' }, emailAddress: { name: 'Mary', address: 'mary@example.org' } },
    { type: 'resource', status: { response: 'accepted' }, emailAddress: { name: 'Room 1', address: 'room1@example.org' } },
  ],
};

describe('mapGraphEvent', () => {
  it('maps an invitation the owner accepted: the owner is self and carries the event’s own answer', () => {
    expect(mapGraphEvent(meeting, OWNER)).toEqual({
      providerId: 'AAMkAGI2evt1',
      iCalUid: meeting.iCalUId,
      status: 'confirmed',
      start: new Date('2024-03-05T15:00:00Z'),
      end: new Date('2024-03-05T16:00:00Z'),
      allDay: false,
      organizer: { email: 'charles@example.org', name: 'Charles Babbage' },
      attendees: [
        { email: 'ADA@example.com', name: 'Ada', responseStatus: 'accepted', self: true, organizer: false, resource: false },
        { email: 'grace@example.net', name: 'Grace', responseStatus: 'tentative', self: false, organizer: false, resource: false },
        { email: 'mary@example.org', name: 'Mary', responseStatus: 'declined', self: false, organizer: false, resource: false },
        { email: 'room1@example.org', name: 'Room 1', responseStatus: 'accepted', self: false, organizer: false, resource: true },
      ],
      subject: 'Review',
    });
  });

  it('adds the owner as self when invited through a group (not on the list)', () => {
    const event = mapGraphEvent(
      { ...meeting, responseStatus: { response: 'notResponded' }, attendees: meeting.attendees!.slice(1) },
      OWNER,
    )!;
    expect(event.attendees.filter((a) => a.self)).toEqual([
      { email: 'ada@example.com', name: null, responseStatus: 'needsAction', self: true, organizer: false, resource: false },
    ]);
  });

  it('puts the owner in as the accepting organizer of their own meetings', () => {
    const event = mapGraphEvent(
      {
        ...meeting,
        isOrganizer: true,
        responseStatus: { response: 'organizer' },
        organizer: { emailAddress: { name: 'Ada', address: 'ada@example.com' } },
        attendees: meeting.attendees!.slice(1, 2),
      },
      OWNER,
    )!;
    expect(event.attendees[0]).toEqual({
      email: 'ada@example.com',
      name: 'Ada',
      responseStatus: 'accepted',
      self: true,
      organizer: true,
      resource: false,
    });
    expect(event.attendees[1]!.responseStatus).toBe('tentative');
  });

  it('turns cancelled meetings and @removed entries into removals', () => {
    expect(mapGraphEvent({ ...meeting, isCancelled: true }, OWNER)).toMatchObject({
      providerId: meeting.id,
      status: 'cancelled',
      start: null,
      attendees: [],
    });
    expect(mapGraphEvent({ id: 'gone-1', '@removed': { reason: 'deleted' } }, OWNER)).toEqual({
      providerId: 'gone-1',
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

  it('reads all-day events as UTC midnight and tells occurrences of a series apart', () => {
    const allDay = mapGraphEvent(
      {
        ...meeting,
        isAllDay: true,
        start: { dateTime: '2024-03-05T00:00:00.0000000', timeZone: 'UTC' },
        end: { dateTime: '2024-03-06T00:00:00.0000000', timeZone: 'UTC' },
      },
      OWNER,
    )!;
    expect(allDay).toMatchObject({ allDay: true, start: new Date('2024-03-05T00:00:00Z'), end: new Date('2024-03-06T00:00:00Z') });
    const occurrence = mapGraphEvent({ ...meeting, type: 'occurrence', originalStart: '2024-03-05T15:00:00Z' }, OWNER)!;
    expect(occurrence.iCalUid).toBe(`${meeting.iCalUId}#2024-03-05T15:00:00.000Z`);
  });

  it('ignores events without an id and unreadable times', () => {
    expect(mapGraphEvent({ ...meeting, id: undefined }, OWNER)).toBeNull();
    expect(mapGraphEvent({ ...meeting, start: { dateTime: 'soon', timeZone: 'UTC' } }, OWNER)!.start).toBeNull();
  });
});
