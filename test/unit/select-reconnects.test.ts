import { describe, expect, it } from 'vitest';
import {
  anniversaryYears,
  humanDuration,
  MIN_STRENGTH,
  sameThread,
  selectReconnects,
  type ContactMark,
  type SelectOptions,
} from '../../src/contacts/select-reconnects.ts';
import type { ContactSummary } from '../../src/contacts/types.ts';

const DAY = 86_400_000;
const asOf = new Date('2025-06-01T00:00:00Z');
const daysAgo = (n: number) => new Date(asOf.getTime() - n * DAY);

function contact(key: string, overrides: Partial<ContactSummary> = {}): ContactSummary {
  return {
    key,
    email: key,
    name: null,
    addresses: [key],
    identityLinks: [],
    firstContactAt: daysAgo(600),
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
    // Each person's own last topic, so variety rules stay out of tests not about them.
    lastSubject: `Plans with ${key}`,
    lastThreadKey: null,
    ...overrides,
  };
}

const select = (contacts: ContactSummary[], marks = new Map<string, ContactMark>(), budget = 5, extra: Partial<SelectOptions> = {}) =>
  selectReconnects(contacts, marks, { asOf, budget, ...extra }).map((c) => c.contact.key);

describe('selecting people to reconnect with: who qualifies', () => {
  it('picks overdue two-way relationships, strongest and most overdue first', () => {
    const list = select([
      contact('weak@x.org', { strength: 0.2 }),
      contact('strong@y.org', { strength: 0.9 }),
      contact('recent@z.org', { lastContactAt: daysAgo(10) }),
    ]);
    expect(list).toEqual(['strong@y.org', 'weak@x.org']);
  });

  it.each([
    ['weekly, silent 40 days', 7, 40, true],
    ['monthly, silent 40 days (less than 1.5 gaps)', 30, 40, false],
    ['monthly, silent 50 days', 30, 50, true],
    ['yearly, silent 300 days', 365, 300, false],
    ['yearly, silent 600 days', 365, 600, true],
    ['no rhythm yet, silent 80 days (default gap 60)', null, 80, false],
    ['no rhythm yet, silent 100 days', null, 100, true],
    ['daily, silent 15 days (under the 21-day floor)', 1, 15, false],
  ])('judges silence against the relationship’s own rhythm: %s → %s', (_, cadence, silence, picked) => {
    const list = select([contact('a@x.org', { cadenceDays: cadence as number | null, lastContactAt: daysAgo(silence as number) })]);
    expect(list.length).toBe(picked ? 1 : 0);
  });

  it.each([
    ['only they wrote (personal)', { sentCount: 0 }, false],
    ['only the user wrote (personal)', { receivedCount: 0 }, false],
    ['meetings only, two of them', { sentCount: 0, receivedCount: 0, meetingCount: 2 }, true],
    ['a single meeting', { sentCount: 0, receivedCount: 0, meetingCount: 1 }, false],
    [`strength just under ${MIN_STRENGTH}`, { strength: MIN_STRENGTH - 0.001 }, false],
    [`strength of ${MIN_STRENGTH}`, { strength: MIN_STRENGTH }, true],
    ['a no-reply address', { email: 'no-reply@x.org', addresses: ['no-reply@x.org'] }, false],
    ['a person merged with a role address', { addresses: ['a@x.org', 'support@x.org'] }, false],
    ['a meeting in 5 days', { nextMeetingAt: new Date(asOf.getTime() + 5 * DAY) }, false],
    ['a meeting in 45 days', { nextMeetingAt: new Date(asOf.getTime() + 45 * DAY) }, true],
  ])('%s → %s', (_, overrides, picked) => {
    expect(select([contact('a@x.org', overrides as Partial<ContactSummary>)]).length).toBe(picked ? 1 : 0);
  });

  it('honours marks: never, snoozed until a date, done until the next contact', () => {
    const marks = new Map<string, ContactMark>([
      ['never@a.org', { status: 'never', markedAt: daysAgo(50), until: null }],
      ['snoozed@b.org', { status: 'snoozed', markedAt: daysAgo(5), until: daysAgo(-10) }],
      ['woke@c.org', { status: 'snoozed', markedAt: daysAgo(40), until: daysAgo(1) }],
      ['done@d.org', { status: 'done', markedAt: daysAgo(100), until: null }],
      ['doneAgain@e.org', { status: 'done', markedAt: daysAgo(300), until: null }],
    ]);
    const list = select(
      [contact('never@a.org'), contact('snoozed@b.org'), contact('woke@c.org'), contact('done@d.org'), contact('doneAgain@e.org')],
      marks,
    );
    expect(list.sort()).toEqual(['doneAgain@e.org', 'woke@c.org']);
  });

  it('counts a meeting the user told of ("met") as being in touch then, done marks included', () => {
    const marks = new Map<string, ContactMark>([
      ['met@a.org', { status: null, markedAt: null, until: null, metAt: daysAgo(10) }],
      ['metLongAgo@b.org', { status: null, markedAt: null, until: null, metAt: daysAgo(400) }],
      ['doneThenMet@c.org', { status: 'done', markedAt: daysAgo(100), until: null, metAt: daysAgo(80) }],
    ]);
    const candidates = selectReconnects([contact('met@a.org'), contact('metLongAgo@b.org'), contact('doneThenMet@c.org')], marks, {
      asOf,
      budget: 5,
    });
    expect(candidates.map((c) => c.contact.key).sort()).toEqual(['doneThenMet@c.org', 'metLongAgo@b.org']);
    const doneThenMet = candidates.find((c) => c.contact.key === 'doneThenMet@c.org')!;
    expect(doneThenMet.lastContactAt).toEqual(daysAgo(80));
    expect(doneThenMet.daysSinceLastContact).toBe(80);
    expect(candidates.find((c) => c.contact.key === 'metLongAgo@b.org')!.lastContactAt).toEqual(daysAgo(200));
  });

  it('uses the rhythm the user set ("every") instead of the learned one, and says so', () => {
    const marks = new Map<string, ContactMark>([
      ['yearly@a.org', { status: null, markedAt: null, until: null, cadenceDays: 365 }],
      ['weekly@b.org', { status: null, markedAt: null, until: null, cadenceDays: 7 }],
    ]);
    const candidates = selectReconnects(
      [
        contact('yearly@a.org'),
        contact('weekly@b.org', { cadenceDays: 200, lastContactAt: daysAgo(60) }),
        contact('learned@c.org', { cadenceDays: 200, lastContactAt: daysAgo(60) }),
      ],
      marks,
      { asOf, budget: 5 },
    );
    expect(candidates.map((c) => c.contact.key)).toEqual(['weekly@b.org']);
    expect(candidates[0]!.expectedGapDays).toBe(7);
    expect(candidates[0]!.reason).toContain('times the gap you set for them (7 days)');
  });
});

describe('selecting people to reconnect with: the weekly list', () => {
  it('keeps to the weekly budget', () => {
    const many = Array.from({ length: 9 }, (_, i) => contact(`p${i}@o${i}.org`, { strength: 0.1 + i / 10 }));
    expect(select(many, new Map(), 3)).toEqual(['p8@o8.org', 'p7@o7.org', 'p6@o6.org']);
    expect(select(many, new Map(), 0)).toEqual([]);
  });

  it('spreads a backlog over the weeks: someone suggested in the last four weeks rests', () => {
    const many = Array.from({ length: 8 }, (_, i) => contact(`p${i}@o${i}.org`, { strength: 0.2 + i / 10 }));
    const lastSuggested = new Map<string, Date>();
    const weeks: string[][] = [];
    for (let week = 0; week < 3; week++) {
      const at = new Date(asOf.getTime() + week * 7 * DAY);
      const list = selectReconnects(many, new Map(), { asOf: at, budget: 3, lastSuggested }).map((c) => c.contact.key);
      for (const key of list) lastSuggested.set(key, at);
      weeks.push(list);
    }
    expect(weeks).toEqual([
      ['p7@o7.org', 'p6@o6.org', 'p5@o5.org'],
      ['p4@o4.org', 'p3@o3.org', 'p2@o2.org'],
      ['p1@o1.org', 'p0@o0.org'],
    ]);
    // Four weeks after it was suggested, the strongest comes round again.
    const later = new Date(asOf.getTime() + 28 * DAY);
    expect(selectReconnects(many, new Map(), { asOf: later, budget: 1, lastSuggested }).map((c) => c.contact.key)).toEqual(['p7@o7.org']);
  });

  it('never lists two people from one old thread', () => {
    const thread = { lastSubject: 'Offsite plans', lastContactAt: daysAgo(200) };
    const list = select([
      contact('a@a.org', { ...thread, strength: 0.9 }),
      contact('b@b.org', { ...thread, lastContactAt: daysAgo(201), strength: 0.8 }),
      contact('c@c.org', { strength: 0.7, lastThreadKey: 't1' }),
      contact('d@d.org', { strength: 0.6, lastThreadKey: 't1' }),
      contact('e@e.org', { strength: 0.5 }),
    ]);
    expect(list).toEqual(['a@a.org', 'c@c.org', 'e@e.org']);
  });

  it.each([
    ['same thread id', { lastThreadKey: 't' }, { lastThreadKey: 't' }, true],
    ['same subject, two days apart', { lastSubject: 'Q3' }, { lastSubject: 'q3', lastContactAt: daysAgo(198) }, true],
    ['same subject, a month apart', { lastSubject: 'Q3' }, { lastSubject: 'Q3', lastContactAt: daysAgo(170) }, false],
    ['different subjects, same day', { lastSubject: 'Q3' }, { lastSubject: 'Q4' }, false],
    ['no subjects', { lastSubject: null }, { lastSubject: null }, false],
  ])('one old thread: %s → %s', (_, a, b, same) => {
    expect(sameThread(contact('a@x.org', a as Partial<ContactSummary>), contact('b@x.org', b as Partial<ContactSummary>))).toBe(same);
  });

  it('fills at most half the list from one organization while others wait, and all of it when nobody else does', () => {
    const acme = Array.from({ length: 5 }, (_, i) => contact(`p${i}@acme.com`, { strength: 0.9 - i / 100 }));
    const others = [contact('x@other.org', { strength: 0.3 }), contact('y@gmail.com', { strength: 0.2 })];
    expect(select([...acme, ...others], new Map(), 4)).toEqual(['p0@acme.com', 'p1@acme.com', 'x@other.org', 'y@gmail.com']);
    expect(select(acme, new Map(), 4)).toEqual(['p0@acme.com', 'p1@acme.com', 'p2@acme.com', 'p3@acme.com']);
  });

  it('is the same list for the same inputs (reproducible --as-of)', () => {
    const people = Array.from({ length: 12 }, (_, i) => contact(`p${i}@o${i % 3}.org`, { strength: 0.5 }));
    expect(select(people)).toEqual(select([...people].reverse()));
  });
});

describe('selecting people to reconnect with: reasons', () => {
  const only = (overrides: Partial<ContactSummary>, at = asOf) => {
    const [entry] = selectReconnects([contact('a@x.org', overrides)], new Map(), { asOf: at, budget: 1 });
    expect(entry).toBeDefined();
    return entry!;
  };

  it('explains every entry, the silence against the rhythm first (the digest shows the duration beside it)', () => {
    expect(only({}).reason).toBe('The silence is about seven times your usual gap.');
    expect(only({ cadenceDays: null }).reason).toBe('7 months is a long silence for people who wrote to each other.');
    expect(only({ cadenceDays: 7 }).reason).toBe('The silence is more than ten times your usual gap.');
  });

  it.each([
    ['they wrote last', { lastWriter: 'them' }, 'their-turn', 'They wrote last, so a reply is the natural next step.'],
    [
      'a new domain this year',
      { domainChange: { from: 'enron.com', to: 'newco.com', since: daysAgo(220) } },
      'new-domain',
      'They write from newco.com since October 2024 (enron.com before): likely a new job, a good reason to write.',
    ],
    [
      'the anniversary of the first contact this week',
      { firstContactAt: new Date('2022-06-03T10:00:00Z') },
      'anniversary',
      'You first got in touch 3 years ago this week.',
    ],
    [
      'a long, strong friendship',
      { firstContactAt: new Date('2019-02-10T00:00:00Z'), strength: 0.6 },
      'long-friendship',
      'You have been in touch since February 2019.',
    ],
  ])('%s', (_, overrides, code, text) => {
    const entry = only(overrides as Partial<ContactSummary>);
    expect(entry.reasons.map((r) => r.code)).toContain(code);
    expect(entry.reason).toContain(text);
  });

  it('leaves out an old domain change, and boosts the score of the reasons that make writing natural', () => {
    expect(only({ domainChange: { from: 'a.com', to: 'b.com', since: daysAgo(500) } }).reasons.map((r) => r.code)).toEqual(['overdue']);
    const base = only({}).score;
    expect(only({ lastWriter: 'them' }).score).toBeGreaterThan(base);
    expect(only({ domainChange: { from: 'a.com', to: 'b.com', since: daysAgo(100) } }).score).toBeGreaterThan(base);
  });

  it.each([
    ['2022-06-03', '2025-06-01', 3],
    ['2024-06-01', '2025-06-01', 1],
    ['2025-06-01', '2025-06-01', null],
    ['2022-06-09', '2025-06-01', null],
    ['2022-05-31', '2025-06-01', null],
  ])('first contact %s, as of %s: anniversary %s', (first, at, years) => {
    expect(anniversaryYears(new Date(`${first}T12:00:00Z`), new Date(`${at}T00:00:00Z`).getTime())).toBe(years);
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
