import { describe, expect, it } from 'vitest';
import { cadenceDays } from '../../src/contacts/cadence.ts';
import { computeContacts } from '../../src/contacts/compute-contacts.ts';
import { strengthOf } from '../../src/contacts/strength.ts';
import type { InteractionRecord } from '../../src/contacts/types.ts';
import { interaction } from '../../testkit/inference-fixtures.ts';

const DAY = 86_400_000;
const asOf = new Date('2024-06-01T00:00:00Z');
const daysBefore = (days: number) => new Date(asOf.getTime() - days * DAY);
const only = (records: InteractionRecord[], at = asOf) => {
  const contacts = computeContacts(records, { asOf: at });
  expect(contacts).toHaveLength(1);
  return contacts[0]!;
};

describe('computeContacts: who is a contact', () => {
  it('one message each way makes a contact', () => {
    const contact = only([
      interaction('bob@example.org', 'sent', daysBefore(10)),
      interaction('bob@example.org', 'received', daysBefore(9)),
    ]);
    expect(contact).toMatchObject({
      email: 'bob@example.org',
      firstContactAt: daysBefore(10),
      lastContactAt: daysBefore(9),
      lastOutboundAt: daysBefore(10),
      lastInboundAt: daysBefore(9),
      lastMeetingAt: null,
      nextMeetingAt: null,
      sentCount: 1,
      receivedCount: 1,
      meetingCount: 0,
      cadenceDays: null,
    });
  });

  it.each([
    ['one-way senders', [interaction('news@x.org', 'received', daysBefore(3)), interaction('news@x.org', 'received', daysBefore(2))]],
    [
      'people written to without an answer',
      [interaction('cold@x.org', 'sent', daysBefore(30)), interaction('cold@x.org', 'sent', daysBefore(3))],
    ],
    ['an unanswered invitation', [interaction('bob@x.org', 'meeting', daysBefore(3), { weight: 0.45 })]],
    ['a seat in a big meeting', [interaction('bob@x.org', 'meeting', daysBefore(3), { weight: 0.2 })]],
    ['only future meetings', [interaction('bob@x.org', 'meeting', new Date(asOf.getTime() + DAY), { weight: 1.5 })]],
    [
      'an exchange that happens after asOf',
      [interaction('bob@x.org', 'sent', daysBefore(1)), interaction('bob@x.org', 'received', new Date(asOf.getTime() + 1000))],
    ],
    [
      'an exchange in crowds only',
      [
        interaction('bob@x.org', 'sent', daysBefore(9), { weight: 0.05 }),
        interaction('bob@x.org', 'received', daysBefore(8), { weight: 0.05 }),
      ],
    ],
  ])('not: %s', (_, records) => {
    expect(computeContacts(records, { asOf })).toEqual([]);
  });

  it('one small accepted meeting makes a contact', () => {
    const contact = only([interaction('bob@example.org', 'meeting', daysBefore(5), { weight: 1.5 })]);
    expect(contact).toMatchObject({ meetingCount: 1, lastMeetingAt: daysBefore(5), sentCount: 0, receivedCount: 0 });
  });

  it('counts an interaction at exactly asOf as history', () => {
    const contact = only([interaction('bob@example.org', 'sent', daysBefore(2)), interaction('bob@example.org', 'received', asOf)]);
    expect(contact.lastInboundAt).toEqual(asOf);
  });

  it('crowd interactions neither count nor move "last talked", but are the last mail each way', () => {
    const contact = only([
      interaction('bob@example.org', 'sent', daysBefore(100)),
      interaction('bob@example.org', 'received', daysBefore(99)),
      interaction('bob@example.org', 'sent', daysBefore(1), { weight: 0.006 }),
    ]);
    expect(contact.sentCount).toBe(1);
    expect(contact.lastContactAt).toEqual(daysBefore(99));
    expect(contact.lastOutboundAt).toEqual(daysBefore(1));
    expect(contact.lastWriter).toBe('them');
  });

  it.each([
    ['personal mail out, crowd mail back', 1, 0.05, true],
    ['crowd mail out, personal mail back', 0.05, 0.8, true],
    ['crowd mail both ways', 0.05, 0.05, false],
  ])('%s: a contact only when one way is personal', (_, sentWeight, receivedWeight, isContact) => {
    const contacts = computeContacts(
      [
        interaction('bob@example.org', 'sent', daysBefore(10), { weight: sentWeight }),
        interaction('bob@example.org', 'received', daysBefore(9), { weight: receivedWeight }),
      ],
      { asOf },
    );
    expect(contacts.length).toBe(isContact ? 1 : 0);
    if (isContact) expect([contacts[0]!.lastOutboundAt, contacts[0]!.lastInboundAt]).toEqual([daysBefore(10), daysBefore(9)]);
  });

  it('counts a message once however often it is given', () => {
    const sent = interaction('bob@example.org', 'sent', daysBefore(10), { sourceKey: 'mid:1@x' });
    const received = interaction('bob@example.org', 'received', daysBefore(9), { sourceKey: 'mid:2@x' });
    const contact = only([sent, received, { ...sent }, { ...received, weight: 0.5 }]);
    expect([contact.sentCount, contact.receivedCount]).toEqual([1, 1]);
    const inOtherOrder = only([{ ...received, weight: 0.5 }, { ...sent }, received, sent]);
    expect(inOtherOrder).toEqual(contact);
  });

  it('ignores records it cannot place in time', () => {
    const contact = only([
      interaction('bob@example.org', 'sent', daysBefore(10)),
      interaction('bob@example.org', 'received', daysBefore(9)),
      interaction('bob@example.org', 'received', new Date(Number.NaN)),
      interaction('bob@example.org', 'received', daysBefore(1), { weight: Number.NaN }),
    ]);
    expect(contact.receivedCount).toBe(1);
  });

  it('refuses an invalid asOf', () => {
    expect(() => computeContacts([], { asOf: new Date(Number.NaN) })).toThrow(RangeError);
  });
});

describe('computeContacts: what it says about a contact', () => {
  it('gives the earliest upcoming meeting, even for a contact made by mail', () => {
    const contact = only([
      interaction('bob@example.org', 'sent', daysBefore(10)),
      interaction('bob@example.org', 'received', daysBefore(9)),
      interaction('bob@example.org', 'meeting', new Date(asOf.getTime() + 30 * DAY), { weight: 1.5 }),
      interaction('bob@example.org', 'meeting', new Date(asOf.getTime() + 3 * DAY), { weight: 1.5 }),
      interaction('bob@example.org', 'meeting', new Date(asOf.getTime() + 1 * DAY), { weight: 0.02 }),
    ]);
    expect(contact.nextMeetingAt).toEqual(new Date(asOf.getTime() + 3 * DAY));
    expect(contact.meetingCount).toBe(0);
    expect(contact.lastContactAt).toEqual(daysBefore(9));
  });

  it('recomputed at an earlier asOf, the later history is not there', () => {
    const records = [
      interaction('bob@example.org', 'sent', '2024-01-01T00:00:00Z'),
      interaction('bob@example.org', 'received', '2024-01-02T00:00:00Z'),
      interaction('bob@example.org', 'meeting', '2024-02-01T00:00:00Z', { weight: 1.5 }),
      interaction('bob@example.org', 'sent', '2024-03-01T00:00:00Z'),
    ];
    const then = only(records, new Date('2024-01-15T00:00:00Z'));
    expect(then).toMatchObject({ sentCount: 1, meetingCount: 0, nextMeetingAt: new Date('2024-02-01T00:00:00Z') });
    expect(then.lastContactAt).toEqual(new Date('2024-01-02T00:00:00Z'));
  });

  it('names a contact by a full name if there is one, then the most frequent, the latest among equals, never an empty one', () => {
    const named = (name: string | null, days: number, kind: InteractionRecord['kind'] = 'received') =>
      interaction('bob@example.org', kind, daysBefore(days), { contactName: name });
    // "Bob" signs most often, but "Bob Stone" tells the reader of a digest who he is.
    expect(
      only([named('Robert Stone', 50, 'sent'), named('Bob', 40), named('Bob Stone', 30), named('Bob', 20), named(null, 10)]).name,
    ).toBe('Bob Stone');
    expect(only([named('Robert Stone', 50, 'sent'), named('Bob Stone', 40), named('Robert Stone', 30)]).name).toBe('Robert Stone');
    expect(only([named('Robert', 50, 'sent'), named('Bob', 40)]).name).toBe('Bob');
    expect(only([named('BOB STONE', 50, 'sent'), named('Bob', 40)]).name).toBe('Bob');
    expect(only([named('Stone, Robert', 50, 'sent'), named('Bob', 40)]).name).toBe('Robert Stone');
    expect(only([named(null, 50, 'sent'), named('  ', 40)]).name).toBeNull();
  });

  it('quotes the subject of the latest interaction that has one, without reply prefixes', () => {
    const contact = only([
      interaction('bob@example.org', 'sent', daysBefore(20), { subject: 'Q3 roadmap' }),
      interaction('bob@example.org', 'received', daysBefore(10), { subject: 'Re: Fwd: AW: Offsite plans' }),
      interaction('bob@example.org', 'sent', daysBefore(5), { subject: null }),
    ]);
    expect(contact.lastSubject).toBe('Offsite plans');
  });

  it('sorts contacts strongest first', () => {
    const records = [
      interaction('weak@example.org', 'sent', daysBefore(300)),
      interaction('weak@example.org', 'received', daysBefore(299)),
      ...Array.from({ length: 20 }, (_, i) => interaction('close@example.org', i % 2 ? 'sent' : 'received', daysBefore(i * 7 + 1))),
    ];
    expect(computeContacts(records, { asOf }).map((c) => c.email)).toEqual(['close@example.org', 'weak@example.org']);
  });
});

describe('cadenceDays', () => {
  const days = (...values: number[]) => values;
  const weekly = (count: number, from = 0) => Array.from({ length: count }, (_, i) => from + 7 * i);
  const withBursts = (starts: number[], burst: number[]) =>
    [...new Set(starts.flatMap((s) => burst.map((b) => s + b)))].sort((a, b) => a - b);

  it.each([
    ['too little history', days(0, 30), null],
    ['two conversations are not a rhythm', days(0, 1, 2, 60, 61), null],
    ['weekly', weekly(10), 7],
    ['weekly, answered the next day', withBursts(weekly(10), [0, 1]), 7],
    ['monthly, each a three-day burst', withBursts([0, 30, 61, 90, 122], [0, 1, 2]), 31],
    ['quarterly bursts of many messages', withBursts([0, 90, 185, 270, 360], [0, 1, 2]), 90],
    ['weekly for a year, a year of silence, weekly again', [...weekly(52), ...weekly(12, 51 * 7 + 400)], 7],
    ['a quarterly mentor with a scheduling mail a week before each meeting', withBursts([0, 91, 182, 273, 364, 455], [0, 7]), 84],
  ])('%s → %s', (_, input, expected) => {
    expect(cadenceDays(input)).toBe(expected);
  });

  it('people in touch every working day read as every few days', () => {
    const workdays = Array.from({ length: 200 }, (_, i) => i).filter((d) => d % 7 < 5);
    const cadence = cadenceDays(workdays)!;
    expect(cadence).toBeGreaterThanOrEqual(3);
    expect(cadence).toBeLessThanOrEqual(4);
  });

  it('is the cadence computeContacts reports, on distinct days', () => {
    const records = withBursts(weekly(8), [0, 1]).flatMap((d) => [
      interaction('bob@example.org', 'sent', new Date(Date.UTC(2024, 0, 1 + d, 9))),
      interaction('bob@example.org', 'received', new Date(Date.UTC(2024, 0, 1 + d, 17))),
    ]);
    expect(only(records, new Date('2024-06-01T00:00:00Z')).cadenceDays).toBe(7);
  });
});

describe('strength', () => {
  const strength = (records: InteractionRecord[], at = asOf) => only(records, at).strength;
  const exchange = (count: number, fromDaysAgo: number, everyDays: number, contact = 'bob@example.org') =>
    Array.from({ length: count }, (_, i) => interaction(contact, i % 2 ? 'sent' : 'received', daysBefore(fromDaysAgo + i * everyDays)));

  it('stays within 0..1', () => {
    const many = exchange(5000, 0, 0.1);
    const value = strength(many);
    expect(value).toBeGreaterThan(0.95);
    expect(value).toBeLessThanOrEqual(1);
    expect(strengthOf({ sent: 0, received: 0, meeting: 0, daysSinceLastContact: 0 })).toBe(0);
  });

  it('grows with volume and saturates', () => {
    const few = strength(exchange(2, 1, 7));
    const some = strength(exchange(10, 1, 7));
    const lots = strength(exchange(60, 1, 7));
    expect(few).toBeLessThan(some);
    expect(some).toBeLessThan(lots);
    expect(few).toBeLessThan(0.2);
    expect(lots).toBeGreaterThan(0.9);
  });

  it('decays with silence but remembers a long history', () => {
    const history = exchange(80, 0, 7);
    const now = strength(history);
    const afterTwoYears = strength(history, new Date(asOf.getTime() + 730 * DAY));
    const afterTenYears = strength(history, new Date(asOf.getTime() + 3650 * DAY));
    expect(afterTwoYears).toBeLessThan(now);
    expect(afterTenYears).toBeLessThan(afterTwoYears);
    // A close friend from ten years ago still outranks a two-message acquaintance from today.
    expect(afterTenYears).toBeGreaterThan(strength(exchange(2, 1, 1)));
  });

  it('rewards a two-way balance', () => {
    const balanced = [...exchange(10, 1, 7)];
    const oneSided = [
      ...Array.from({ length: 9 }, (_, i) => interaction('bob@example.org', 'sent', daysBefore(1 + i * 7))),
      interaction('bob@example.org', 'received', daysBefore(70)),
    ];
    expect(strength(oneSided)).toBeLessThan(strength(balanced));
    expect(strength(oneSided)).toBeGreaterThan(strength(balanced) / 2 - 0.01);
  });

  it('weighs a direct exchange above the same count of crowd messages', () => {
    const direct = exchange(10, 1, 7);
    const crowd = direct.map((r) => ({ ...r, sourceKey: r.sourceKey + 'c', weight: 0.2 }));
    expect(strength(crowd)).toBeLessThan(strength(direct));
  });
});

describe('computeContacts: scale', () => {
  it('folds 100,000 interactions of 2,000 people, each counted once', () => {
    const records: InteractionRecord[] = [];
    const start = Date.UTC(2015, 0, 1);
    for (let i = 0; i < 100_000; i++) {
      const person = i % 2000;
      records.push({
        sourceKey: `mid:${i}@x`,
        contact: `person${person}@example.org`,
        address: `person${person}@example.org`,
        kind: i % 3 === 0 ? 'sent' : i % 3 === 1 ? 'received' : 'meeting',
        occurredAt: new Date(start + ((i * 7919) % (3650 * 24)) * 3_600_000),
        weight: 0.2 + (i % 5) / 5,
        contactName: `Person ${person}`,
        participants: 1 + (i % 4),
        threadKey: `t${i % 9000}`,
        subject: `Subject ${i % 50}`,
      });
    }
    // How fast is `npm run bench` (recompute scenario); here: every interaction is counted once.
    const contacts = computeContacts(records, { asOf: new Date('2025-01-01T00:00:00Z') });
    expect(contacts).toHaveLength(2000);
    const counted = contacts.reduce((n, c) => n + c.sentCount + c.receivedCount + c.meetingCount, 0);
    expect(counted).toBe(records.length);
  });
});
