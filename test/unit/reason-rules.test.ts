/**
 * The rules behind the reasons a digest prints, true and false cases side by side. The false
 * cases come from real mail: the Enron inboxes in ../shared/corpora (folder and message
 * named), and the cases issue 14 reported. `npm run eval` measures each reason's precision
 * on the corpora (docs/evaluation.md); these tables pin the rules down.
 */
import { describe, expect, it } from 'vitest';
import { computeContacts, DIRECT_WEIGHT } from '../../src/contacts/compute-contacts.ts';
import { domainChangeOf, notEmployerEvidence, type SenderActivity } from '../../src/contacts/domain-change.ts';
import { RECEIVED_BASE, RECEIVED_POSITION_FACTOR, crowdFactor, MESSAGE_CROWD_KNEE } from '../../src/contacts/interaction-weights.ts';
import { selectReconnects } from '../../src/contacts/select-reconnects.ts';
import type { InteractionRecord } from '../../src/contacts/types.ts';
import { interaction } from '../../testkit/inference-fixtures.ts';

/** Mail from one address on these days (9:00 UTC each). */
const activity = (address: string, ...days: string[]): SenderActivity => {
  const times = days.map((d) => Date.parse(`${d}T09:00:00Z`));
  return { address, firstAt: Math.min(...times), lastAt: Math.max(...times), severalDays: new Set(days).size > 1 };
};

describe('new-domain: which addresses can say where someone works', () => {
  it.each([
    ['jonas.weber@oldco.de', null],
    ["o'brien@acme.com", null],
    ['scott.goodell@ubswenergy.com', null],
    ['kim.watson@ect.enron.com', null],
    // Issue 14: a garbled address merged into a person who never worked at Enron.
    ["'.''dorothy@enron.com", 'garbled'],
    // lay-k/inbox/954, To: `e-mail <.dorothy@enron.com>`.
    ['.dorothy@enron.com', 'garbled'],
    // Exchange wrote a middle initial as two dots: j..kaminski@enron.com is Vince J. Kaminski.
    ['j..kaminski@enron.com', null],
    ["kim'.watson@enron.com", 'garbled'],
    ['kim.@enron.com', 'garbled'],
    ['kim@-enron.com', 'garbled'],
    // Issue 14: a laid-off person writing from home.
    ['gerryandjim@earthlink.net', 'free-mail'],
    // germany-c: angie.zeman@enron.com, later angiez_1@hotmail.com.
    ['angiez_1@hotmail.com', 'free-mail'],
    // giron-d: carlos.giron@psiusa.com, also cgiron@mindspring.com.
    ['cgiron@mindspring.com', 'free-mail'],
    // donoho-l: l.koob@gte.net.
    ['l.koob@gte.net', 'free-mail'],
    ['yellonero@mail.ev1.net', 'free-mail'],
    ['jim@houston.rr.com', 'free-mail'],
    // lay-k: jelyons@alumni.rice.edu — an address for life, not an employer.
    ['jelyons@alumni.rice.edu', 'forwarding'],
    ['jane@alum.mit.edu', 'forwarding'],
    ['jane@pobox.com', 'forwarding'],
    // corman-s and donoho-l: info@pmaconference.com, then info@energyclasses.com.
    ['info@energyclasses.com', 'role:info'],
    ['no-reply@newco.io', 'no-reply'],
  ])('%s → %s', (address, why) => {
    expect(notEmployerEvidence(address)).toBe(why);
  });
});

describe('new-domain: a move only when their own mail shows it beyond doubt', () => {
  it.each([
    [
      'a move: two days from the new employer, nothing from the old since',
      [activity('j@oldco.de', '2001-01-10', '2001-03-02'), activity('j@newco.io', '2001-06-01', '2001-06-20')],
      { from: 'oldco.de', to: 'newco.io', since: '2001-06-01' },
    ],
    [
      'a move across subdomains of the new employer',
      [
        activity('kim@enron.com', '2000-05-01'),
        activity('kim@mail.ubswenergy.com', '2002-02-11'),
        activity('kim@ubswenergy.com', '2002-03-01'),
      ],
      { from: 'enron.com', to: 'ubswenergy.com', since: '2002-02-11' },
    ],
    [
      'an old free-mail address before the move is ignored',
      [
        activity('j@gmail.com', '2000-01-01', '2003-01-01'),
        activity('j@oldco.de', '2001-01-10'),
        activity('j@newco.io', '2002-06-01', '2002-06-20'),
      ],
      { from: 'oldco.de', to: 'newco.io', since: '2002-06-01' },
    ],
  ])('true: %s', (_, senders, expected) => {
    expect(domainChangeOf(senders)).toEqual({ from: expected.from, to: expected.to, since: new Date(`${expected.since}T09:00:00Z`) });
  });

  it.each([
    // Issue 14: "They write from earthlink.net since December 2001 (enron.com before): likely a new job" — she had been laid off.
    [
      'free mail after the employer (a layoff)',
      [activity('liz@enron.com', '2001-03-01', '2001-10-02'), activity('liz@earthlink.net', '2001-12-19', '2002-01-08')],
    ],
    // germany-c: angie.zeman@enron.com, then angiez_1@hotmail.com.
    [
      'hotmail after enron.com',
      [activity('angie.zeman@enron.com', '2001-05-01', '2001-09-01'), activity('angiez_1@hotmail.com', '2001-12-01', '2002-01-05')],
    ],
    // Issue 14: a garbled address merged into someone who never worked at Enron.
    [
      'a garbled address as the old employer',
      [activity("'.''dorothy@enron.com", '2001-02-01', '2001-03-01'), activity('dorothy@acme.com', '2001-09-01', '2001-10-01')],
    ],
    [
      'a garbled address as the new employer',
      [activity('dorothy@acme.com', '2001-02-01', '2001-03-01'), activity('.dorothy@enron.com', '2001-09-01', '2001-10-01')],
    ],
    // germany-c: scott.goodell@enron.com, then one message from scott.goodell@ubswenergy.com.
    [
      'a single message from the new domain (a one-off address)',
      [activity('scott.goodell@enron.com', '2001-06-01', '2001-11-20'), activity('scott.goodell@ubswenergy.com', '2002-02-11')],
    ],
    // donoho-l: l.koob@gte.net, then one message from lisa.fawcett@enron.com.
    [
      'an ISP address, then one message from a company',
      [activity('l.koob@gte.net', '2000-10-01', '2001-01-05'), activity('lisa.fawcett@enron.com', '2001-04-02')],
    ],
    // corman-s: info@pmaconference.com, then info@energyclasses.com.
    [
      'role addresses',
      [activity('info@pmaconference.com', '2001-01-01', '2001-02-01'), activity('info@energyclasses.com', '2001-05-01', '2001-06-01')],
    ],
    ['a forwarding address', [activity('j@oldco.de', '2001-01-10'), activity('j@alumni.rice.edu', '2001-06-01', '2001-06-20')]],
    [
      'still writing from the old employer after the new one began (two hats)',
      [activity('j@oldco.de', '2001-01-10', '2001-07-01'), activity('j@newco.io', '2001-06-01', '2001-06-20')],
    ],
    ['one organization only', [activity('j@ect.enron.com', '2001-01-10'), activity('j@enron.com', '2001-06-01', '2001-06-20')]],
    ['nothing from them at all', []],
  ])('false: %s', (_, senders) => {
    expect(domainChangeOf(senders)).toBeNull();
  });

  it('needs two days, not two messages: two on one day are one day', () => {
    const sameDay: SenderActivity = {
      address: 'j@newco.io',
      firstAt: Date.parse('2002-06-01T09:00:00Z'),
      lastAt: Date.parse('2002-06-01T17:00:00Z'),
      severalDays: false,
    };
    expect(domainChangeOf([activity('j@oldco.de', '2001-01-10'), sameDay])).toBeNull();
    // Two addresses of the new organization, one day each, on two days: two days.
    expect(domainChangeOf([activity('j@oldco.de', '2001-01-10'), sameDay, activity('j@mail.newco.io', '2002-06-03')])).toEqual({
      from: 'oldco.de',
      to: 'newco.io',
      since: new Date('2002-06-01T09:00:00Z'),
    });
  });

  it('the old organization writing on the day the new one began is two hats, not a move', () => {
    const lateOld: SenderActivity = {
      address: 'j@oldco.de',
      firstAt: Date.parse('2001-01-10T09:00:00Z'),
      lastAt: Date.parse('2002-06-01T08:00:00Z'),
      severalDays: true,
    };
    expect(domainChangeOf([lateOld, activity('j@newco.io', '2002-06-01', '2002-06-20')])).toBeNull();
  });

  it('through computeContacts: only mail they sent counts, mail the user sent to an address does not', () => {
    const records: InteractionRecord[] = [
      interaction('jonas.weber@oldco.de', 'sent', '2001-01-10T09:00:00Z', { contactName: 'Jonas Weber' }),
      interaction('jonas.weber@oldco.de', 'received', '2001-01-11T09:00:00Z', { contactName: 'Jonas Weber' }),
      // The user wrote twice to the new address; Jonas wrote from it once.
      interaction('jonas@newco.io', 'sent', '2001-06-01T09:00:00Z', { contactName: 'Jonas Weber' }),
      interaction('jonas@newco.io', 'sent', '2001-06-08T09:00:00Z', { contactName: 'Jonas Weber' }),
      interaction('jonas@newco.io', 'received', '2001-06-09T09:00:00Z', { contactName: 'Jonas Weber' }),
    ];
    const asOf = new Date('2001-09-01T00:00:00Z');
    expect(computeContacts(records, { asOf })[0]!.domainChange).toBeNull();
    const again = interaction('jonas@newco.io', 'received', '2001-07-02T09:00:00Z', { contactName: 'Jonas Weber' });
    expect(computeContacts([...records, again], { asOf })[0]!.domainChange).toEqual({
      from: 'oldco.de',
      to: 'newco.io',
      since: new Date('2001-06-09T09:00:00Z'),
    });
  });
});

describe('their-turn: they wrote last, to the user directly', () => {
  const asOf = new Date('2002-03-25T00:00:00Z');
  /** The weight extraction gives a received message with this many people on To (the user among them). */
  const onTo = (people: number) => RECEIVED_BASE * RECEIVED_POSITION_FACTOR.to * crowdFactor(people, MESSAGE_CROWD_KNEE);
  const onCc = (people: number) => RECEIVED_BASE * RECEIVED_POSITION_FACTOR.cc * crowdFactor(people, MESSAGE_CROWD_KNEE);
  const history = [
    interaction('l.garcia@enron.com', 'sent', '2001-09-03T09:00:00Z'),
    interaction('l.garcia@enron.com', 'received', '2001-09-04T09:00:00Z', { weight: onTo(1) }),
    interaction('l.garcia@enron.com', 'sent', '2001-10-03T09:00:00Z'),
  ];
  const lastFromThem = (weight: number) => interaction('l.garcia@enron.com', 'received', '2001-11-20T09:00:00Z', { weight });

  it.each([
    ['a note to the user alone', onTo(1), 'them'],
    ['a note to the user and four others', onTo(5), 'them'],
    ['a note with the user alone on Cc', onCc(1), 'them'],
    // baughman-d, 2002-02-25: the eval found "They wrote last" false here before the rule asked for direct mail —
    // their last message, after the owner's last personal mail to them, was no personal note to the owner.
    ['a note to seven people, the user among them', onTo(7), null],
    ['a note with the user among three on Cc', onCc(3), null],
  ])('%s → %s', (_, weight, writer) => {
    expect(weight >= DIRECT_WEIGHT).toBe(writer === 'them');
    const [contact] = computeContacts([...history, lastFromThem(weight)], { asOf });
    expect(contact!.lastWriter).toBe(writer);
    const [entry] = selectReconnects([contact!], new Map(), { asOf, budget: 1 });
    expect(entry!.reasons.some((r) => r.code === 'their-turn')).toBe(writer === 'them');
  });

  it('the user wrote last → you, and no their-turn', () => {
    const [contact] = computeContacts(history, { asOf });
    expect(contact!.lastWriter).toBe('you');
  });

  it('a direct note from them answered by the user in a crowd mail (still personal) → you', () => {
    const reply = interaction('l.garcia@enron.com', 'sent', '2001-11-21T09:00:00Z', { weight: 0.2 });
    const [contact] = computeContacts([...history, lastFromThem(onTo(1)), reply], { asOf });
    expect(contact!.lastWriter).toBe('you');
  });
});

describe('long-friendship and anniversary: only with the history to say so', () => {
  const asOf = new Date('2025-06-01T00:00:00Z');
  const codes = (first: string, strength: number) => {
    const contact = {
      key: 'a@x.org',
      email: 'a@x.org',
      name: null,
      addresses: ['a@x.org'],
      identityLinks: [],
      firstContactAt: new Date(first),
      lastContactAt: new Date('2024-11-01T00:00:00Z'),
      lastOutboundAt: new Date('2024-11-01T00:00:00Z'),
      lastInboundAt: new Date('2024-10-30T00:00:00Z'),
      lastMeetingAt: null,
      nextMeetingAt: null,
      sentCount: 10,
      receivedCount: 10,
      meetingCount: 0,
      cadenceDays: 30,
      strength,
      lastWriter: 'you' as const,
      domainChange: null,
      lastSubject: null,
      lastThreadKey: null,
    };
    return selectReconnects([contact], new Map(), { asOf, budget: 1 })[0]!.reasons.map((r) => r.code);
  };

  it.each([
    ['in touch for six years, strong', '2019-02-10T00:00:00Z', 0.6, 'long-friendship'],
    ['in touch for two years and a day, strength 0.3', '2023-05-31T00:00:00Z', 0.3, 'long-friendship'],
    ['first contact three years ago this week', '2022-06-03T10:00:00Z', 0.2, 'anniversary'],
  ])('true: %s → %s', (_, first, strength, code) => {
    expect(codes(first, strength)).toContain(code);
  });

  it.each([
    ['in touch for six years, but weak (0.29)', '2019-02-10T00:00:00Z', 0.29],
    ['strong, but for a year and eleven months', '2023-07-01T00:00:00Z', 0.6],
    ['first contact a week and a day after the date, three years ago', '2022-06-09T10:00:00Z', 0.2],
    ['first contact the day before, three years ago', '2022-05-31T10:00:00Z', 0.2],
  ])('false: %s → overdue alone', (_, first, strength) => {
    expect(codes(first, strength)).toEqual(['overdue']);
  });
});
