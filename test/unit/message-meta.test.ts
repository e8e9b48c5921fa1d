import { describe, expect, it } from 'vitest';
import { headerBlockOf, parseHeaderBlock } from '../../src/mail/header-block.ts';
import { messageMetaFromHeaders } from '../../src/mail/message-meta.ts';
import { parseAddressList } from '../../src/mail/parse-addresses.ts';
import { parseMailDate } from '../../src/mail/parse-date.ts';

const context = { providerId: 'p1', threadId: 't1', folder: 'inbox' as const };

function metaOf(raw: string, extra: Partial<Parameters<typeof messageMetaFromHeaders>[1]> = {}) {
  const result = messageMetaFromHeaders(parseHeaderBlock(headerBlockOf(raw)), { ...context, ...extra });
  if (!('message' in result)) throw new Error(`skipped: ${result.skipped.reason}`);
  return result.message;
}

describe('header block', () => {
  it('unfolds continuation lines and keeps repeated headers', () => {
    const headers = parseHeaderBlock('To: a@x.com,\r\n\tb@x.com\r\nTo: c@x.com\r\nSubject: hi\r\n');
    expect(headers).toEqual([
      { name: 'To', value: 'a@x.com, b@x.com' },
      { name: 'To', value: 'c@x.com' },
      { name: 'Subject', value: 'hi' },
    ]);
  });

  it('drops garbage lines and a leading mbox From line', () => {
    const headers = parseHeaderBlock('From someone@x.com Mon Jan 1 00:00:00 2001\nnot a header\nFrom: a@x.com\n: empty name\n');
    expect(headers).toEqual([{ name: 'From', value: 'a@x.com' }]);
  });

  it('stops at the first empty line: the body is never read', () => {
    expect(headerBlockOf('Subject: a\r\n\r\nSubject: body line\r\n')).toBe('Subject: a');
  });
});

describe('address lists', () => {
  it.each([
    ['"Doe, John" <john@x.com>', [{ email: 'john@x.com', name: 'Doe, John' }]],
    ['=?UTF-8?B?SsO8cmdlbiBNw7xsbGVy?= <j@x.de>', [{ email: 'j@x.de', name: 'Jürgen Müller' }]],
    ['=?ISO-8859-1?Q?Andr=E9?= <andre@x.fr>', [{ email: 'andre@x.fr', name: 'André' }]],
    ['undisclosed-recipients:;', []],
    [
      'team: a@x.com, b@x.com;',
      [
        { email: 'a@x.com', name: null },
        { email: 'b@x.com', name: null },
      ],
    ],
    ['bad@@, , <>, plainword, ok@x.com', [{ email: 'ok@x.com', name: null }]],
    ['"a@x.com" <a@x.com>', [{ email: 'a@x.com', name: null }]],
    ['=?utf-8?B?broken', []],
  ])('%s', (value, expected) => {
    expect(parseAddressList(value)).toEqual(expected);
  });

  it('parses a 500-recipient header', () => {
    const value = Array.from({ length: 500 }, (_, i) => `Person ${i} <p${i}@example.com>`).join(', ');
    const list = parseAddressList(value);
    expect(list).toHaveLength(500);
    expect(list[499]).toEqual({ email: 'p499@example.com', name: 'Person 499' });
  });
});

describe('mail dates', () => {
  const now = Date.UTC(2026, 10, 26);
  it.each([
    ['Mon, 14 May 2001 16:39:00 -0700 (PDT)', '2001-05-14T23:39:00.000Z'],
    ['14 May 2001 16:39:00 -0700', '2001-05-14T23:39:00.000Z'],
    ['Mon, 14 May 01 16:39:00 GMT', '2001-05-14T16:39:00.000Z'],
    ['Tue, 1 Oct 2002 10:00:00 +0100', '2002-10-01T09:00:00.000Z'],
  ])('%s', (value, iso) => {
    expect(parseMailDate(value, now)?.toISOString()).toBe(iso);
  });

  it.each(['', 'yesterday', 'Mon, 32 Foo 2001', 'Thu, 01 Jan 1970 00:00:00 +0000', 'Fri, 1 Jan 2100 00:00:00 +0000'])(
    'rejects %j',
    (value) => {
      expect(parseMailDate(value, now)).toBeNull();
    },
  );
});

describe('message metadata from headers', () => {
  it('normalizes a typical message', () => {
    const meta = metaOf(
      [
        'Message-ID: <abc.123@mail.example.com>',
        'In-Reply-To: <prev@mail.example.com>',
        'Date: Tue, 1 Oct 2002 10:00:00 +0100',
        'From: =?UTF-8?Q?Zo=C3=AB?= <zoe@example.com>',
        'To: me@example.org, "Bo" <bo@example.net>',
        'Cc: cc@example.net',
        'Bcc: hidden@example.net',
        'Subject: =?UTF-8?Q?Caf=C3=A9?=  plans',
        'List-Id: <team.lists.example.com>',
        'Precedence: Bulk',
        'Auto-Submitted: auto-replied; reason=vacation',
        'Return-Path: <>',
        'Content-Type: multipart/report; report-type=delivery-status',
      ].join('\r\n'),
    );
    expect(meta).toMatchObject({
      providerId: 'p1',
      threadId: 't1',
      internetMessageId: 'abc.123@mail.example.com',
      inReplyTo: 'prev@mail.example.com',
      date: new Date('2002-10-01T09:00:00Z'),
      from: { email: 'zoe@example.com', name: 'Zoë' },
      to: [
        { email: 'me@example.org', name: null },
        { email: 'bo@example.net', name: 'Bo' },
      ],
      cc: [{ email: 'cc@example.net', name: null }],
      bcc: [],
      subject: 'Café plans',
      folder: 'inbox',
      flags: {
        listId: '<team.lists.example.com>',
        precedence: 'bulk',
        autoSubmitted: 'auto-replied',
        nullReturnPath: true,
        deliveryReport: true,
        listUnsubscribe: false,
        autoReply: false,
        category: null,
      },
    });
  });

  it('keeps Bcc only on sent mail', () => {
    const meta = metaOf('Date: Tue, 1 Oct 2002 10:00:00 +0100\r\nFrom: me@x.com\r\nBcc: b@x.com', { folder: 'sent' });
    expect(meta.bcc).toEqual([{ email: 'b@x.com', name: null }]);
  });

  it('prefers the provider timestamp over the Date header', () => {
    const receivedAt = new Date('2020-02-02T02:02:02Z');
    expect(metaOf('Date: Tue, 1 Oct 2002 10:00:00 +0100', { receivedAt }).date).toEqual(receivedAt);
  });

  it('skips a message that cannot be placed in time', () => {
    const result = messageMetaFromHeaders(parseHeaderBlock('From: a@x.com\r\nDate: someday'), context);
    expect(result).toEqual({ skipped: { providerId: 'p1', reason: 'malformed:date' } });
  });

  it('survives missing and malformed headers', () => {
    const meta = metaOf('Date: Tue, 1 Oct 2002 10:00:00 +0100\r\nFrom: <<<>>>\r\nTo: ,,,\r\nMessage-ID: \r\nSubject:');
    expect(meta).toMatchObject({ from: null, to: [], cc: [], internetMessageId: null, subject: '' });
  });

  it('records Sender only when it differs from From', () => {
    const same = metaOf('Date: Tue, 1 Oct 2002 10:00:00 +0100\r\nFrom: a@x.com\r\nSender: A@x.com');
    const other = metaOf('Date: Tue, 1 Oct 2002 10:00:00 +0100\r\nFrom: a@x.com\r\nSender: assistant@x.com');
    expect(same.sender).toBeNull();
    expect(other.sender).toEqual({ email: 'assistant@x.com', name: null });
  });
});

describe('names from X-From / X-To / X-cc (Exchange and Notes exports)', () => {
  it('names a bare From, To and Cc from the exported headers, in order, with their directory entries', () => {
    const meta = metaOf(
      [
        'Date: Mon, 12 Nov 2001 12:28:21 -0800',
        'From: darrell.schoolcraft@enron.com',
        'To: bert.hernandez@enron.com, kim@x.org',
        'Cc: lynn.blair@enron.com',
        'X-From: Schoolcraft, Darrell </O=ENRON/OU=NA/CN=RECIPIENTS/CN=DSCHOOL>',
        'X-To: Hernandez, Bert </O=ENRON/OU=NA/CN=RECIPIENTS/CN=Ahernan>, Kim Watson <kim@x.org>',
        'X-cc: Blair, Lynn </O=ENRON/OU=NA/CN=RECIPIENTS/CN=LBLAIR>',
      ].join('\n'),
    );
    expect(meta.from).toEqual({
      email: 'darrell.schoolcraft@enron.com',
      name: 'Schoolcraft, Darrell',
      dn: '/o=enron/ou=na/cn=recipients/cn=dschool',
    });
    expect(meta.to).toEqual([
      { email: 'bert.hernandez@enron.com', name: 'Hernandez, Bert', dn: '/o=enron/ou=na/cn=recipients/cn=ahernan' },
      { email: 'kim@x.org', name: 'Kim Watson' },
    ]);
    expect(meta.cc).toEqual([{ email: 'lynn.blair@enron.com', name: 'Blair, Lynn', dn: '/o=enron/ou=na/cn=recipients/cn=lblair' }]);
  });

  it.each([
    ['a bare name in X-From', 'From: jwatson@nw.example\nX-From: John Watson', 'John Watson'],
    ['a name From already has wins', 'From: J W <jwatson@nw.example>\nX-From: John Watson <jwatson@nw.example>', 'J W'],
    ['an address is no name', 'From: jwatson@nw.example\nX-From: jwatson@nw.example', null],
    ['an Exchange path is no name', 'From: jwatson@nw.example\nX-From: </O=ENRON/OU=NA/CN=RECIPIENTS/CN=JWATSON>', null],
  ])('%s', (_, headers, name) => {
    expect(metaOf(`Date: Mon, 12 Nov 2001 12:28:21 -0800\n${headers}`).from!.name).toBe(name);
  });

  it.each([
    [
      'a sender written as its directory entry (an Outlook export)',
      'From: <Bailey>,"Susan" </O=ENRON/OU=NA/CN=RECIPIENTS/CN=SBAILE2>',
      { email: '', name: 'Bailey, Susan', dn: '/o=enron/ou=na/cn=recipients/cn=sbaile2' },
    ],
    [
      'an EX: typed sender',
      'From: EX:/O=ENRON/OU=NA/CN=RECIPIENTS/CN=SBAILE2',
      { email: '', name: null, dn: '/o=enron/ou=na/cn=recipients/cn=sbaile2' },
    ],
    ['a sender with a display name only', 'From: "Bailey, Susan"', { email: '', name: 'Bailey, Susan' }],
  ])('keeps %s for the resolver', (_, header, from) => {
    expect(metaOf(`Date: Mon, 12 Nov 2001 12:28:21 -0800\n${header}`).from).toEqual(from);
  });

  it('keeps recipients written as display names only, and drops group names', () => {
    const meta = metaOf(
      'Date: Mon, 12 Nov 2001 12:28:21 -0800\nFrom: a@x.org\nTo: "Harris, Steven", "Watson, Kimberly", undisclosed-recipients:;',
    );
    expect(meta.to).toEqual([
      { email: '', name: 'Harris, Steven' },
      { email: '', name: 'Watson, Kimberly' },
    ]);
  });

  // shapiro-r/inbox/14 of the Enron corpus: To holds `e-mail <'.'mike@enron.com>` where X-To has `'Mike Day (E-mail)' <mday@gmssr.com>`.
  it('repairs a garbled recipient from the address the export recorded for the same slot', () => {
    const meta = metaOf(
      [
        'Date: Mon, 29 Oct 2001 15:26:42 -0800',
        'From: jeff.dasovich@enron.com',
        "To: susan.mara@enron.com, e-mail <'.'mike@enron.com>",
        "X-To: Mara, Susan </O=ENRON/OU=NA/CN=RECIPIENTS/CN=Smara>, 'Mike Day (E-mail)' <mday@gmssr.com>",
      ].join('\n'),
    );
    expect(meta.to.map((a) => a.email)).toEqual(['susan.mara@enron.com', 'mday@gmssr.com']);
  });

  it('leaves recipients unnamed when the exported list does not line up with To', () => {
    const meta = metaOf('Date: Mon, 12 Nov 2001 12:28:21 -0800\nFrom: a@x.org\nTo: b@x.org, c@x.org\nX-To: Only One <b@x.org>');
    expect(meta.to.map((a) => a.name)).toEqual([null, null]);
  });
});
