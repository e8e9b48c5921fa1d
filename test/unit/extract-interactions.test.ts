import { describe, expect, it } from 'vitest';
import { interactionsFromEvent, interactionsFromMessage } from '../../src/contacts/extract-interactions.ts';
import { createOwner } from '../../src/contacts/owner.ts';
import { headerBlockOf, parseHeaderBlock } from '../../src/mail/header-block.ts';
import { messageMetaFromHeaders } from '../../src/mail/message-meta.ts';
import { addr, attendee, event, message } from '../../testkit/inference-fixtures.ts';

const owner = createOwner(['me@example.com', 'Me.Too@gmail.com']);
const options = { accountId: 'acct-1', storeSubjects: true };
const extract = (overrides: Parameters<typeof message>[0], opts = options) => interactionsFromMessage(message(overrides), owner, opts);

describe('interactionsFromMessage: addresses as exports write them (issue 15)', () => {
  it('keeps the repaired form, not the quotes, as the address to show', () => {
    const { interactions } = extract({
      folder: 'sent',
      from: addr('me@example.com'),
      to: [{ email: "'lorchard@commrisk.bm'", name: 'Laurie Orchard' }],
    });
    expect(interactions.map((i) => [i.contact, i.address, i.contactName])).toEqual([
      ['lorchard@commrisk.bm', 'lorchard@commrisk.bm', 'Laurie Orchard'],
    ]);
  });

  it('a recipient without any address is kept under its alias, for the resolver, not dropped', () => {
    const { interactions } = extract({
      folder: 'sent',
      from: addr('me@example.com'),
      to: [{ email: '', name: 'Watson, Kimberly' }, addr('bob@example.org')],
    });
    expect(interactions.map((i) => [i.contact, i.participants])).toEqual([
      ['name:kimberly watson', 2],
      ['bob@example.org', 2],
    ]);
  });
});

describe('interactionsFromMessage: outbound', () => {
  it('a direct 1:1 message weighs 1', () => {
    const { interactions, skipReason } = extract({
      folder: 'sent',
      from: addr('Me <me@example.com>'),
      to: [addr('Bob Stone <Bob@Example.org>')],
      internetMessageId: 'abc@mail.example',
      threadId: 't-1',
      subject: 'Q3 roadmap',
      date: new Date('2024-03-01T10:00:00Z'),
    });
    expect(skipReason).toBeNull();
    expect(interactions).toEqual([
      {
        sourceKey: 'mid:abc@mail.example',
        contact: 'bob@example.org',
        address: 'bob@example.org',
        kind: 'sent',
        occurredAt: new Date('2024-03-01T10:00:00Z'),
        weight: 1,
        contactName: 'Bob Stone',
        participants: 1,
        threadKey: 't-1',
        subject: 'Q3 roadmap',
      },
    ]);
  });

  it('is outbound when From is the owner, whatever the folder, and via any alias form', () => {
    const { interactions } = extract({ folder: 'inbox', from: addr('me.too+x@googlemail.com'), to: [addr('bob@example.org')] });
    expect(interactions.map((i) => [i.contact, i.kind])).toEqual([['bob@example.org', 'sent']]);
  });

  it('is outbound for anything in Sent, even when From is an address the owner never configured', () => {
    const { interactions } = extract({ folder: 'sent', from: addr('old-alias@example.net'), to: [addr('bob@example.org')] });
    expect(interactions.map((i) => i.kind)).toEqual(['sent']);
  });

  it('weighs To over Cc and Bcc, and a small group less than 1:1', () => {
    const { interactions } = extract({
      folder: 'sent',
      to: [addr('a@example.org'), addr('b@example.org')],
      cc: [addr('c@example.org')],
      bcc: [addr('d@example.org')],
    });
    const weight = Object.fromEntries(interactions.map((i) => [i.contact, i.weight]));
    expect(weight['a@example.org']).toBeCloseTo(1 / Math.sqrt(4));
    expect(weight['b@example.org']).toBeCloseTo(1 / Math.sqrt(4));
    expect(weight['c@example.org']).toBeLessThan(weight['a@example.org']!);
    expect(weight['d@example.org']).toBe(weight['c@example.org']);
    expect(interactions.every((i) => i.participants === 4)).toBe(true);
  });

  it('makes one record per person, at their strongest position, even when the address repeats', () => {
    const { interactions } = extract({
      folder: 'sent',
      to: [addr('Bob <bob@example.org>'), addr('BOB@example.org')],
      cc: [addr('bob@example.org.'), addr('ann@example.org')],
      bcc: [addr('Bob Stone <bob@example.org>')],
    });
    expect(interactions.map((i) => i.contact).sort()).toEqual(['ann@example.org', 'bob@example.org']);
    const bob = interactions.find((i) => i.contact === 'bob@example.org')!;
    expect(bob.weight).toBeCloseTo(1 / Math.sqrt(2));
    expect(bob.contactName).toBe('Bob');
    expect(bob.participants).toBe(2);
  });

  it('folds Gmail spellings of one person into one record', () => {
    const { interactions } = extract({
      folder: 'sent',
      to: [addr('grace.okafor@gmail.com'), addr('GraceOkafor+work@googlemail.com')],
    });
    expect(interactions.map((i) => [i.contact, i.weight])).toEqual([['graceokafor@gmail.com', 1]]);
  });

  it('never makes the owner a contact, and says so when the owner wrote only to themself', () => {
    expect(extract({ folder: 'sent', to: [addr('me@example.com')], cc: [addr('metoo@gmail.com')] })).toEqual({
      interactions: [],
      skipReason: 'owner-only',
    });
    const { interactions } = extract({ folder: 'sent', to: [addr('me@example.com'), addr('bob@example.org')] });
    expect(interactions.map((i) => [i.contact, i.weight, i.participants])).toEqual([['bob@example.org', 1, 1]]);
  });

  it('skips automated recipients but still counts them into the crowd', () => {
    const { interactions } = extract({ folder: 'sent', to: [addr('support@vendor.example'), addr('bob@example.org')] });
    expect(interactions.map((i) => [i.contact, i.weight])).toEqual([['bob@example.org', 1 / Math.sqrt(2)]]);
    expect(extract({ folder: 'sent', to: [addr('support@vendor.example')] }).skipReason).toBe('automated-recipients');
  });

  it('gives nothing for a message with no usable recipients', () => {
    expect(extract({ folder: 'sent', to: [], cc: [] }).skipReason).toBe('no-recipients');
    expect(extract({ folder: 'sent', to: [addr('not-an-address')] }).skipReason).toBe('no-recipients');
  });

  it('makes a 500-recipient message nearly weightless per person', () => {
    const to = Array.from({ length: 500 }, (_, i) => addr(`person${i}@example.org`));
    const { interactions } = extract({ folder: 'sent', to });
    expect(interactions).toHaveLength(500);
    expect(Math.max(...interactions.map((i) => i.weight))).toBeLessThan(0.01);
    expect(interactions[0]!.participants).toBe(500);
  });

  it('skips the owner’s own auto-replies', () => {
    expect(extract({ folder: 'sent', to: [addr('bob@example.org')], subject: 'Automatic reply: lunch' }).skipReason).toBe(
      'automated:auto-reply',
    );
  });
});

describe('interactionsFromMessage: inbound', () => {
  it('one received interaction for the From person, slightly under an outbound 1:1', () => {
    const { interactions, skipReason } = extract({
      from: addr('Ann Lee <Ann@Example.org>'),
      sender: addr('assistant@example.org'),
      replyTo: [addr('ann.private@example.net')],
      to: [addr('me@example.com')],
    });
    expect(skipReason).toBeNull();
    expect(interactions).toHaveLength(1);
    expect(interactions[0]).toMatchObject({ contact: 'ann@example.org', kind: 'received', contactName: 'Ann Lee', participants: 1 });
    expect(interactions[0]!.weight).toBeGreaterThan(0.5);
    expect(interactions[0]!.weight).toBeLessThan(1);
  });

  it('weighs by where the owner stood and how many got it', () => {
    const weight = (overrides: Parameters<typeof message>[0]) => extract(overrides).interactions[0]!.weight;
    const direct = weight({ to: [addr('me@example.com')] });
    const group = weight({ to: [addr('me@example.com'), addr('b@example.org'), addr('c@example.org')] });
    const cc = weight({ to: [addr('b@example.org')], cc: [addr('me@example.com')] });
    const hidden = weight({ to: [addr('all-staff@example.org')] });
    const crowd = weight({ to: Array.from({ length: 300 }, (_, i) => addr(`p${i}@example.org`)).concat(addr('me@example.com')) });
    expect(direct).toBeGreaterThan(group);
    expect(group).toBeGreaterThan(cc);
    expect(cc).toBeGreaterThan(hidden);
    expect(crowd).toBeLessThan(0.01);
  });

  it.each([
    ['to the owner directly', { to: [addr('me@example.com')], subject: '[Spambayes] test sets?' }],
    ['with the owner in Cc', { to: [addr('b@example.org')], cc: [addr('me@example.com')], subject: 'Re: [SAdev] results' }],
    ['a bracket that is not a tag', { to: [addr('all@example.org')], subject: '[URGENT: please read before Monday] budget' }],
  ])('a subject tag alone is no list: %s', (_, overrides) => {
    expect(extract(overrides as Parameters<typeof message>[0]).skipReason).toBeNull();
  });

  it('counts the other people on the message as participants', () => {
    const { interactions } = extract({
      to: [addr('me@example.com'), addr('b@example.org')],
      cc: [addr('c@example.org'), addr('ann@example.org')],
    });
    expect(interactions[0]!.participants).toBe(3);
  });

  it.each([
    ['a list', { flags: { listId: 'dev.lists.example.org' } }, 'automated:list'],
    ['a bulk mailing', { flags: { precedence: 'bulk' } }, 'automated:precedence:bulk'],
    ['an auto-reply', { subject: 'Out of Office AutoReply: budget' }, 'automated:auto-reply'],
    ['a bounce', { flags: { nullReturnPath: true } }, 'automated:bounce'],
    ['a no-reply sender', { from: addr('GitHub <noreply@github.com>') }, 'automated-sender:no-reply'],
    ['a role sender', { from: addr('Jobs <jobs@example.org>') }, 'automated-sender:role:jobs'],
    ['no From', { from: null }, 'no-sender'],
    ['an unusable From', { from: addr('root@localhost') }, 'invalid-sender'],
    [
      'a list post whose list headers were stripped',
      { to: [addr('spambayes@python.org')], subject: '[Spambayes] test sets?' },
      'automated:list-subject-tag',
    ],
    ['a reply on such a list', { to: [addr('dev@lists.example')], subject: 'Re: [SAdev] 2.41 release?' }, 'automated:list-subject-tag'],
  ])('gives nothing for %s', (_, overrides, reason) => {
    expect(extract(overrides as Parameters<typeof message>[0])).toEqual({ interactions: [], skipReason: reason });
  });

  it('keys messages without a Message-ID by account and provider id', () => {
    const { interactions } = extract({ internetMessageId: null, providerId: '18c2f' });
    expect(interactions[0]!.sourceKey).toBe('acct:acct-1:18c2f');
  });

  it('keeps subjects only when subjects are on', () => {
    expect(extract({ subject: 'Dinner?' }, { ...options, storeSubjects: false }).interactions[0]!.subject).toBeNull();
    expect(extract({ subject: '  Dinner?\t ' }).interactions[0]!.subject).toBe('Dinner?');
    expect(extract({ subject: '' }).interactions[0]!.subject).toBeNull();
  });

  it.each([
    ['no name', null, null],
    ['an empty name', '', null],
    ['quotes only', '""', null],
    ['the address as its name', 'ann@example.org', null],
    ['another address as its name', "'ann.lee@example.org'", null],
    ['a name decoded from RFC 2047', 'José Müller-Łukasz', 'José Müller-Łukasz'],
    ['a quoted name', '"Lee, Ann"', 'Lee, Ann'],
  ])('names: %s', (_, name, expected) => {
    const { interactions } = extract({ from: { email: 'ann@example.org', name } });
    expect(interactions[0]!.contactName).toBe(expected);
  });
});

describe('interactionsFromEvent', () => {
  it('a small accepted meeting weighs more than a direct message', () => {
    const records = interactionsFromEvent(
      event({ iCalUid: 'u1@cal', start: new Date('2024-03-05T15:00:00Z'), subject: '1:1' }),
      owner,
      options,
    );
    expect(records).toEqual([
      {
        sourceKey: 'evt:u1@cal:2024-03-05T15:00:00.000Z',
        contact: 'bob@example.org',
        address: 'bob@example.org',
        kind: 'meeting',
        occurredAt: new Date('2024-03-05T15:00:00Z'),
        weight: 1.5,
        contactName: 'Bob',
        participants: 1,
        threadKey: 'evt:u1@cal',
        subject: '1:1',
      },
    ]);
  });

  it('keys an event without iCalUID by account and provider id', () => {
    const [record] = interactionsFromEvent(event({ iCalUid: null, providerId: 'ev9' }), owner, options);
    expect(record!.sourceKey).toBe('acct:acct-1:evt:ev9');
    expect(record!.threadKey).toBeNull();
  });

  it.each([
    ['cancelled', { status: 'cancelled' as const }],
    [
      'declined by the owner',
      {
        attendees: [attendee('me@example.com', { self: true, responseStatus: 'declined' }), attendee('bob@example.org')],
        organizer: addr('bob@example.org'),
      },
    ],
    ['without a start', { start: null }],
    ['all-day without attendees', { allDay: true, attendees: [], organizer: addr('me@example.com') }],
    ['only the owner', { attendees: [attendee('me@example.com', { self: true })] }],
    [
      'only rooms and robots',
      {
        attendees: [
          attendee('me@example.com', { self: true }),
          attendee('room-4@resource.calendar.google.com', { resource: true }),
          attendee('Board Room <boardroom@example.com>', { resource: true }),
          attendee('calendar-notification@google.com'),
        ],
      },
    ],
    [
      'everyone else declined',
      { attendees: [attendee('me@example.com', { self: true }), attendee('bob@example.org', { responseStatus: 'declined' })] },
    ],
  ])('nothing for an event %s', (_, overrides) => {
    expect(interactionsFromEvent(event(overrides), owner, options)).toEqual([]);
  });

  it('tentative and unanswered invitations weigh less than accepted ones', () => {
    const weightWhen = (response: 'accepted' | 'tentative' | 'needsAction') =>
      interactionsFromEvent(
        event({
          organizer: addr('bob@example.org'),
          attendees: [
            attendee('me@example.com', { self: true, responseStatus: response }),
            attendee('bob@example.org', { organizer: true }),
          ],
        }),
        owner,
        options,
      )[0]!.weight;
    expect(weightWhen('accepted')).toBe(1.5);
    expect(weightWhen('tentative')).toBeLessThan(weightWhen('accepted'));
    expect(weightWhen('needsAction')).toBeLessThan(weightWhen('tentative'));
  });

  it('big meetings weigh little per person', () => {
    const attendees = [attendee('me@example.com', { self: true }), ...Array.from({ length: 80 }, (_, i) => attendee(`p${i}@example.org`))];
    const records = interactionsFromEvent(event({ attendees }), owner, options);
    expect(records).toHaveLength(80);
    expect(records[0]!.weight).toBeLessThan(0.1);
    expect(records[0]!.participants).toBe(80);
  });

  it('leaves out rooms, robots, the owner under any alias and guests who declined, and adds an organizer Graph lists apart', () => {
    const records = interactionsFromEvent(
      event({
        organizer: addr('Carol <carol@example.org>'),
        attendees: [
          attendee('Me.Too@googlemail.com'),
          attendee('bob@example.org', { responseStatus: 'tentative' }),
          attendee('dan@example.org', { responseStatus: 'declined' }),
          attendee('room@example.org', { resource: true }),
          attendee('noreply@zoom.example'),
        ],
      }),
      owner,
      options,
    );
    expect(records.map((r) => [r.contact, r.contactName]).sort()).toEqual([
      ['bob@example.org', null],
      ['carol@example.org', 'Carol'],
    ]);
    const [bob, carol] = [...records].sort((a, b) => a.contact.localeCompare(b.contact));
    expect(bob!.weight).toBeLessThan(carol!.weight);
    expect(records.every((r) => r.participants === 2)).toBe(true);
  });

  it('weighs all-day events with guests and tentative events down', () => {
    const timed = interactionsFromEvent(event(), owner, options)[0]!.weight;
    expect(interactionsFromEvent(event({ allDay: true }), owner, options)[0]!.weight).toBeLessThan(timed);
    expect(interactionsFromEvent(event({ status: 'tentative' }), owner, options)[0]!.weight).toBeLessThan(timed);
  });

  it('keeps subjects only when subjects are on', () => {
    expect(interactionsFromEvent(event({ subject: 'Offsite' }), owner, { ...options, storeSubjects: false })[0]!.subject).toBeNull();
  });
});

describe('interactions from real header blocks (src/mail → src/contacts)', () => {
  const fromRaw = (raw: string, folder: 'inbox' | 'sent' = 'inbox') => {
    const parsed = messageMetaFromHeaders(parseHeaderBlock(headerBlockOf(raw)), { providerId: 'raw-1', threadId: 'thr-1', folder });
    if (!('message' in parsed)) throw new Error(`unreadable: ${parsed.skipped.reason}`);
    return interactionsFromMessage(parsed.message, owner, options);
  };

  it('uses the RFC 2047 name as decoded by the header parser', () => {
    const { interactions } = fromRaw(
      'From: =?UTF-8?Q?Jonas_W=C3=A9ber?= <Jonas.Weber@example.de>\r\nTo: me@example.com\r\nDate: Tue, 5 Mar 2024 10:00:00 +0100\r\n' +
        'Message-ID: <x1@example.de>\r\nSubject: =?UTF-8?B?UmU6IELDvGNoZXI=?=\r\n\r\nbody is never read',
    );
    expect(interactions).toMatchObject([
      {
        contact: 'jonas.weber@example.de',
        contactName: 'Jonas Wéber',
        subject: 'Re: Bücher',
        sourceKey: 'mid:x1@example.de',
        threadKey: 'thr-1',
      },
    ]);
  });

  it('skips a message without From, and one whose From is garbage', () => {
    expect(fromRaw('To: me@example.com\r\nDate: Tue, 5 Mar 2024 10:00:00 +0100\r\nSubject: hi\r\n\r\n').skipReason).toBe('no-sender');
    expect(fromRaw('From: "" <>\r\nTo: me@example.com\r\nDate: Tue, 5 Mar 2024 10:00:00 +0100\r\n\r\n').skipReason).toBe('no-sender');
  });

  it('reads an Outlook bounce and an Exchange out-of-office as automated', () => {
    expect(
      fromRaw(
        'Return-Path: <>\r\nFrom: postmaster@example.org\r\nTo: me@example.com\r\nDate: Tue, 5 Mar 2024 10:00:00 +0100\r\n' +
          'Subject: Undeliverable: Q3\r\nContent-Type: multipart/report; report-type=delivery-status;\r\n\tboundary="b"\r\n\r\n',
      ).skipReason,
    ).toBe('automated:bounce');
    expect(
      fromRaw(
        'From: Ann <ann@example.org>\r\nTo: me@example.com\r\nDate: Tue, 5 Mar 2024 10:00:00 +0100\r\n' +
          'Subject: Out of Office AutoReply: Q3\r\nX-Auto-Response-Suppress: All\r\n\r\n',
      ).skipReason,
    ).toBe('automated:auto-reply');
  });

  it('drops unusable recipients of sent mail and keeps the rest', () => {
    const { interactions } = fromRaw(
      'From: me@example.com\r\nTo: undisclosed-recipients:;, bad@@example, Bob <bob@example.org>\r\n' +
        "Cc: 'kim.watson@enron.com'\r\nDate: Tue, 5 Mar 2024 10:00:00 +0100\r\n\r\n",
      'sent',
    );
    expect(interactions.map((i) => i.contact).sort()).toEqual(['bob@example.org', 'kim.watson@enron.com']);
  });
});
