/**
 * The last meeting shared with a person: built through the real extractor
 * (interactionsFromEvent) for every answer the user and the guest can give, so the reading of
 * "both accepted" from a stored weight fails here if the weights ever change under it.
 */
import { describe, expect, it } from 'vitest';
import { interactionsFromEvent } from '../../src/contacts/extract-interactions.ts';
import { createOwner } from '../../src/contacts/owner.ts';
import { bothAccepted, lastSharedMeeting, SHARED_MEETING_MAX_PEOPLE, type MeetingRow } from '../../src/contacts/shared-meeting.ts';
import type { ResponseStatus } from '../../src/mail/types.ts';
import { attendee, event } from '../../testkit/inference-fixtures.ts';

const owner = createOwner(['me@example.com']);
const options = { accountId: 'acct-1', storeSubjects: true };
const asOf = new Date('2025-06-01T00:00:00Z');
const bob = 'bob@example.org';

/** Bob's meeting rows for one event, as stored. */
function rowsFor(overrides: Parameters<typeof event>[0]): MeetingRow[] {
  return interactionsFromEvent(event(overrides), owner, options)
    .filter((r) => r.contact === bob)
    .map(({ sourceKey, occurredAt, weight, participants, subject }) => ({
      sourceKey,
      occurredAt,
      // As Postgres's `real` gives it back: a 4-byte float.
      weight: Math.fround(weight),
      participants,
      subject,
    }));
}

const guests = (n: number, response: ResponseStatus = 'accepted') =>
  Array.from({ length: n }, (_, i) => attendee(`guest${i}@example.org`, { responseStatus: response }));

function meetingWith(me: ResponseStatus | 'organizer', them: ResponseStatus, extra: Parameters<typeof event>[0] = {}) {
  return rowsFor({
    organizer: me === 'organizer' ? { email: 'me@example.com', name: 'Me' } : { email: 'carol@example.org', name: 'Carol' },
    attendees: [
      attendee('me@example.com', { self: true, organizer: me === 'organizer', responseStatus: me === 'organizer' ? 'accepted' : me }),
      attendee(bob, { name: 'Bob', responseStatus: them }),
      ...(me === 'organizer' ? [] : [attendee('carol@example.org', { organizer: true, responseStatus: 'accepted' })]),
    ],
    ...extra,
  });
}

describe('lastSharedMeeting: a meeting counts only when both said yes and it has started', () => {
  const cases: { name: string; rows: () => MeetingRow[]; shared: boolean }[] = [
    { name: 'the user organized it, they accepted', rows: () => meetingWith('organizer', 'accepted'), shared: true },
    { name: 'both accepted someone else’s meeting', rows: () => meetingWith('accepted', 'accepted'), shared: true },
    {
      name: 'they organized it and never answered (an organizer runs their meeting)',
      rows: () =>
        rowsFor({
          organizer: { email: bob, name: 'Bob' },
          attendees: [attendee('me@example.com', { self: true }), attendee(bob, { organizer: true, responseStatus: 'needsAction' })],
        }),
      shared: true,
    },
    {
      name: 'a group of eight, all accepted',
      rows: () => rowsFor({ attendees: [attendee('me@example.com', { self: true, organizer: true }), attendee(bob), ...guests(6)] }),
      shared: true,
    },
    { name: 'they did not answer', rows: () => meetingWith('organizer', 'needsAction'), shared: false },
    { name: 'they said maybe', rows: () => meetingWith('organizer', 'tentative'), shared: false },
    { name: 'they declined (no interaction at all)', rows: () => meetingWith('organizer', 'declined'), shared: false },
    { name: 'the user did not answer', rows: () => meetingWith('needsAction', 'accepted'), shared: false },
    { name: 'the user said maybe', rows: () => meetingWith('tentative', 'accepted'), shared: false },
    { name: 'the user declined (no interaction at all)', rows: () => meetingWith('declined', 'accepted'), shared: false },
    { name: 'the event itself is tentative', rows: () => meetingWith('organizer', 'accepted', { status: 'tentative' }), shared: false },
    {
      name: 'an all-day event (an offsite, a conference)',
      rows: () => meetingWith('organizer', 'accepted', { allDay: true }),
      shared: false,
    },
    { name: 'cancelled', rows: () => meetingWith('organizer', 'accepted', { status: 'cancelled' }), shared: false },
    {
      name: 'it is still to come',
      rows: () => meetingWith('organizer', 'accepted', { start: new Date('2025-06-03T10:00:00Z') }),
      shared: false,
    },
    {
      name: 'an all-hands past the size of a shared meeting',
      rows: () =>
        rowsFor({
          attendees: [attendee('me@example.com', { self: true, organizer: true }), attendee(bob), ...guests(SHARED_MEETING_MAX_PEOPLE)],
        }),
      shared: false,
    },
  ];
  it.each(cases)('$name → shared: $shared', ({ rows, shared }) => {
    expect(lastSharedMeeting(rows(), asOf) !== null).toBe(shared);
  });

  it('gives the title, the date and how many were there (the user included), of the latest one', () => {
    const older = meetingWith('organizer', 'accepted', { subject: 'Kickoff', start: new Date('2024-01-10T09:00:00Z') });
    const newer = rowsFor({
      subject: '  Q3   planning ',
      start: new Date('2024-09-02T09:00:00Z'),
      attendees: [attendee('me@example.com', { self: true, organizer: true }), attendee(bob), ...guests(2), ...guests(1, 'declined')],
    });
    const unanswered = meetingWith('organizer', 'needsAction', { subject: 'Later, unanswered', start: new Date('2025-01-10T09:00:00Z') });
    expect(lastSharedMeeting([...older, ...unanswered, ...newer], asOf)).toEqual({
      title: 'Q3 planning',
      at: new Date('2024-09-02T09:00:00Z'),
      people: 4,
    });
  });

  it('has no title when subjects are switched off', () => {
    const rows = meetingWith('organizer', 'accepted').map((r) => ({ ...r, subject: null }));
    expect(lastSharedMeeting(rows, asOf)).toMatchObject({ title: null, people: 2 });
  });

  it('reads "both accepted" from the weight alone, for every size up to the limit', () => {
    for (let others = 1; others < SHARED_MEETING_MAX_PEOPLE; others++) {
      const all = rowsFor({
        attendees: [attendee('me@example.com', { self: true, organizer: true }), attendee(bob), ...guests(others - 1)],
      });
      expect(all.every(bothAccepted), `${others} others`).toBe(true);
      const maybe = rowsFor({
        attendees: [
          attendee('me@example.com', { self: true, organizer: true }),
          attendee(bob, { responseStatus: 'tentative' }),
          ...guests(others - 1),
        ],
      });
      expect(maybe.some(bothAccepted), `${others} others, bob tentative`).toBe(false);
    }
  });
});
