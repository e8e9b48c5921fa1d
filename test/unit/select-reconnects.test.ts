import { describe, expect, it } from 'vitest';
import { humanDuration, selectReconnects, type ContactMark } from '../../src/contacts/select-reconnects.ts';
import type { ContactSummary } from '../../src/contacts/types.ts';

const asOf = new Date('2025-06-01T00:00:00Z');
const daysAgo = (n: number) => new Date(asOf.getTime() - n * 86_400_000);

function contact(key: string, overrides: Partial<ContactSummary> = {}): ContactSummary {
  return {
    key,
    email: key,
    name: null,
    addresses: [key],
    identityLinks: [],
    firstContactAt: daysAgo(900),
    lastContactAt: daysAgo(200),
    lastOutboundAt: daysAgo(200),
    lastInboundAt: daysAgo(205),
    lastMeetingAt: null,
    nextMeetingAt: null,
    sentCount: 10,
    receivedCount: 10,
    meetingCount: 0,
    cadenceDays: 30,
    strength: 0.5,
    lastWriter: 'you',
    domainChange: null,
    lastSubject: 'Plans',
    lastThreadKey: null,
    ...overrides,
  };
}

const select = (contacts: ContactSummary[], marks = new Map<string, ContactMark>(), budget = 5) =>
  selectReconnects(contacts, marks, { asOf, budget }).map((c) => c.contact.key);

describe('selecting people to reconnect with', () => {
  it('picks overdue two-way relationships, strongest and most overdue first', () => {
    const list = select([
      contact('weak@x.org', { strength: 0.2 }),
      contact('strong@x.org', { strength: 0.9 }),
      contact('recent@x.org', { lastContactAt: daysAgo(10) }),
    ]);
    expect(list).toEqual(['strong@x.org', 'weak@x.org']);
  });

  it('judges silence against the relationship’s own rhythm', () => {
    const list = select([
      contact('weekly@x.org', { cadenceDays: 7, lastContactAt: daysAgo(40) }),
      contact('yearly@x.org', { cadenceDays: 365, lastContactAt: daysAgo(300) }),
    ]);
    expect(list).toEqual(['weekly@x.org']);
  });

  it('leaves out one-way relationships, unless there were meetings', () => {
    expect(select([contact('oneway@x.org', { receivedCount: 0 })])).toEqual([]);
    expect(select([contact('met@x.org', { receivedCount: 0, sentCount: 0, meetingCount: 3 })])).toEqual(['met@x.org']);
  });

  it('skips anyone with a meeting coming up', () => {
    expect(select([contact('soon@x.org', { nextMeetingAt: new Date(asOf.getTime() + 5 * 86_400_000) })])).toEqual([]);
  });

  it('honours marks: never, snoozed until a date, done until the next contact', () => {
    const marks = new Map<string, ContactMark>([
      ['never@x.org', { status: 'never', markedAt: daysAgo(50), until: null }],
      ['snoozed@x.org', { status: 'snoozed', markedAt: daysAgo(5), until: daysAgo(-10) }],
      ['woke@x.org', { status: 'snoozed', markedAt: daysAgo(40), until: daysAgo(1) }],
      ['done@x.org', { status: 'done', markedAt: daysAgo(100) }],
      ['doneAgain@x.org', { status: 'done', markedAt: daysAgo(300), until: null }],
    ] as [string, ContactMark][]);
    const list = select(
      [
        contact('never@x.org'),
        contact('snoozed@x.org'),
        contact('woke@x.org'),
        contact('done@x.org'),
        contact('doneAgain@x.org'),
      ],
      marks,
    );
    expect(list.sort()).toEqual(['doneAgain@x.org', 'woke@x.org']);
  });

  it('keeps to the weekly budget', () => {
    const many = Array.from({ length: 9 }, (_, i) => contact(`p${i}@x.org`, { strength: i / 10 }));
    expect(select(many, new Map(), 3)).toEqual(['p8@x.org', 'p7@x.org', 'p6@x.org']);
  });

  it('explains every entry', () => {
    const [entry] = selectReconnects([contact('a@x.org', { lastInboundAt: daysAgo(200), lastOutboundAt: daysAgo(210) })], new Map(), {
      asOf,
      budget: 1,
    });
    expect(entry!.reason).toBe('You last talked 7 months ago; you used to talk every 4 weeks; they wrote last.');
  });

  it.each([
    [1, '1 day'],
    [13, '13 days'],
    [21, '3 weeks'],
    [130, '4 months'],
    [800, '2 years'],
  ])('%i days read as %s', (days, text) => {
    expect(humanDuration(days)).toBe(text);
  });
});
