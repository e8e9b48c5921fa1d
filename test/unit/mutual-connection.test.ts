/**
 * Mutual connections: who was on the user's messages and meetings with a person and is still
 * in touch with the user now. Co-presence is built through the real extractors, as the sync
 * stores it, so "on the same message" means what the interactions table can show.
 */
import { describe, expect, it } from 'vitest';
import { interactionsFromEvent, interactionsFromMessage } from '../../src/contacts/extract-interactions.ts';
import { IN_TOUCH_DAYS, mutualConnection, type CoPresenceRow, type MutualInput } from '../../src/contacts/mutual-connection.ts';
import { createOwner } from '../../src/contacts/owner.ts';
import type { ContactMark } from '../../src/contacts/select-reconnects.ts';
import type { ContactSummary, InteractionRecord } from '../../src/contacts/types.ts';
import { addr, attendee, event, message } from '../../testkit/inference-fixtures.ts';

const DAY = 86_400_000;
const asOf = new Date('2025-06-01T00:00:00Z');
const daysAgo = (n: number) => new Date(asOf.getTime() - n * DAY);
const owner = createOwner(['me@example.com']);
const options = { accountId: 'acct-1', storeSubjects: true };

function contact(key: string, overrides: Partial<ContactSummary> = {}): ContactSummary {
  return {
    key,
    email: key,
    name: null,
    addresses: [key],
    identityLinks: [],
    firstContactAt: daysAgo(600),
    lastContactAt: daysAgo(5),
    lastOutboundAt: daysAgo(5),
    lastInboundAt: daysAgo(8),
    lastMeetingAt: null,
    nextMeetingAt: null,
    sentCount: 20,
    receivedCount: 18,
    meetingCount: 0,
    cadenceDays: 7,
    strength: 0.6,
    lastWriter: 'you',
    domainChange: null,
    lastSubject: null,
    lastThreadKey: null,
    ...overrides,
  };
}

/** The lost-touch person: silent for months. */
const jonas = contact('jonas@old.example', {
  name: 'Jonas Weber',
  addresses: ['jonas@old.example', 'jonas@new.example'],
  lastContactAt: daysAgo(240),
  lastOutboundAt: daysAgo(240),
  lastInboundAt: daysAgo(241),
});
const ana = contact('ana@lima.example', { name: 'Ana Lima' });

const rowsOf = (records: InteractionRecord[]): CoPresenceRow[] =>
  records
    .filter((r): r is InteractionRecord & { kind: 'sent' | 'meeting' } => r.kind !== 'received')
    .map(({ sourceKey, contact, kind, occurredAt, participants }) => ({ sourceKey, contact, kind, occurredAt, participants }));

/** The user's message to `to` (and `cc`), `days` ago. */
const sent = (days: number, to: string[], cc: string[] = []) =>
  rowsOf(
    interactionsFromMessage(
      message({ folder: 'sent', from: addr('me@example.com'), to: to.map(addr), cc: cc.map(addr), date: daysAgo(days) }),
      owner,
      options,
    ).interactions,
  );
/** A message from `from` to the user, with `cc` copied. */
const received = (days: number, from: string, cc: string[]) =>
  rowsOf(
    interactionsFromMessage(
      message({ from: addr(from), to: [addr('me@example.com')], cc: cc.map(addr), date: daysAgo(days) }),
      owner,
      options,
    ).interactions,
  );
const met = (days: number, guests: string[]) =>
  rowsOf(
    interactionsFromEvent(
      event({
        start: daysAgo(days),
        attendees: [attendee('me@example.com', { self: true, organizer: true }), ...guests.map((g) => attendee(g))],
      }),
      owner,
      options,
    ),
  );

function find(rows: CoPresenceRow[], people: ContactSummary[], extra: Partial<MutualInput> = {}) {
  const byAddress = new Map<string, ContactSummary>();
  for (const p of [jonas, ...people]) for (const a of p.addresses) byAddress.set(a, p);
  return mutualConnection({ person: jonas, rows, byAddress, marks: new Map(), listed: new Set([jonas.key]), asOf, ...extra });
}

const twoThreads = [...sent(300, ['jonas@old.example'], ['ana@lima.example']), ...sent(280, ['jonas@new.example', 'ana@lima.example'])];

describe('mutualConnection: true cases', () => {
  it('someone on two of the user’s messages with the person, written to this week and writing back', () => {
    expect(find(twoThreads, [ana])).toEqual({
      contact: 'ana@lima.example',
      name: 'Ana Lima',
      email: 'ana@lima.example',
      shared: 2,
      kinds: ['sent'],
      lastWroteAt: daysAgo(5),
    });
  });
  it('a message and a meeting together count alike', () => {
    const rows = [...sent(300, ['jonas@old.example', 'ana@lima.example']), ...met(290, ['jonas@old.example', 'ana@lima.example'])];
    expect(find(rows, [ana])).toMatchObject({ shared: 2, kinds: ['sent', 'meeting'] });
  });
  it('among several, the one on most messages with the person', () => {
    const ben = contact('ben@example.net', { name: 'Ben' });
    const rows = [
      ...twoThreads,
      ...sent(260, ['jonas@old.example', 'ben@example.net']),
      ...sent(250, ['jonas@old.example', 'ana@lima.example']),
    ];
    const withBen = [...rows, ...sent(240, ['jonas@old.example', 'ben@example.net'])];
    expect(find(rows, [ana, ben])?.contact).toBe('ana@lima.example');
    expect(find(withBen, [ana, ben])?.shared).toBe(3);
  });
});

describe('mutualConnection: false cases (nothing is said)', () => {
  const cases: { name: string; rows: CoPresenceRow[]; people?: ContactSummary[]; extra?: Partial<MutualInput> }[] = [
    { name: 'only one message together (chance, not working together)', rows: sent(300, ['jonas@old.example', 'ana@lima.example']) },
    {
      name: 'the connection was only copied on the person’s own mail to the user (stored for its sender only)',
      rows: [...received(300, 'jonas@old.example', ['ana@lima.example']), ...received(290, 'jonas@old.example', ['ana@lima.example'])],
    },
    {
      name: 'separate messages to each, never one to both',
      rows: [
        ...sent(300, ['jonas@old.example']),
        ...sent(300, ['ana@lima.example']),
        ...sent(290, ['jonas@old.example']),
        ...sent(290, ['ana@lima.example']),
      ],
    },
    {
      name: 'broadcasts: both among a dozen recipients',
      rows: [0, 1].flatMap((i) =>
        sent(300 - i, ['jonas@old.example', 'ana@lima.example', ...Array.from({ length: 10 }, (_, j) => `x${j}@example.org`)]),
      ),
    },
    {
      name: 'the shared messages are after the date of the list',
      rows: [...sent(-3, ['jonas@old.example', 'ana@lima.example']), ...sent(-2, ['jonas@old.example', 'ana@lima.example'])],
    },
    {
      name: 'the user has not written to them for over a month',
      rows: twoThreads,
      people: [{ ...ana, lastOutboundAt: daysAgo(IN_TOUCH_DAYS + 5) }],
    },
    {
      name: 'they have not written back for over a month',
      rows: twoThreads,
      people: [{ ...ana, lastInboundAt: daysAgo(IN_TOUCH_DAYS + 5) }],
    },
    {
      name: 'lately only on big mailings, no conversation of their own for months',
      rows: twoThreads,
      people: [{ ...ana, lastContactAt: daysAgo(120) }],
    },
    { name: 'one-way: they never wrote back at all', rows: twoThreads, people: [{ ...ana, receivedCount: 0, lastInboundAt: null }] },
    {
      name: 'marked never',
      rows: twoThreads,
      extra: { marks: new Map<string, ContactMark>([[ana.key, { status: 'never', markedAt: daysAgo(50), until: null }]]) },
    },
    {
      name: 'snoozed',
      rows: twoThreads,
      extra: { marks: new Map<string, ContactMark>([[ana.key, { status: 'snoozed', markedAt: daysAgo(2), until: daysAgo(-20) }]]) },
    },
    { name: 'in this week’s list too (not "in touch now")', rows: twoThreads, extra: { listed: new Set([jonas.key, ana.key]) } },
    {
      // The extractor already keeps role addresses out of interactions; this is the last line.
      name: 'a role address, however its rows got there',
      rows: twoThreads.map((r) => (r.contact === ana.key ? { ...r, contact: 'support@lima.example' } : r)),
      people: [contact('support@lima.example')],
    },
    {
      name: 'the person themself, under another of their addresses',
      rows: [...sent(300, ['jonas@old.example', 'jonas@new.example']), ...sent(280, ['jonas@old.example', 'jonas@new.example'])],
      people: [],
    },
    {
      name: 'someone rekindle has no contact for (no mail both ways)',
      rows: [...sent(300, ['jonas@old.example', 'stranger@example.org']), ...sent(280, ['jonas@old.example', 'stranger@example.org'])],
      people: [],
    },
  ];
  it.each(cases)('$name', ({ rows, people, extra }) => {
    expect(find(rows, people ?? [ana], extra)).toBeNull();
  });
});
