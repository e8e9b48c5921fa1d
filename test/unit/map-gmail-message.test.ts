import { describe, expect, it } from 'vitest';
import { categoryOfLabels, folderOfLabels, mapGmailMessage, skipReasonOfLabels } from '../../src/providers/google/map-gmail-message.ts';

describe('Gmail labels', () => {
  it.each([
    [['SENT'], 'sent'],
    [['SENT', 'INBOX'], 'sent'],
    [['INBOX', 'SENT', 'IMPORTANT'], 'sent'],
    [['INBOX', 'UNREAD', 'CATEGORY_PERSONAL'], 'inbox'],
    [['CATEGORY_UPDATES'], 'other'],
    [['Label_12', 'IMPORTANT'], 'other'],
    [[], 'other'],
  ] as const)('%j → folder %s', (labels, folder) => {
    expect(folderOfLabels(labels)).toBe(folder);
  });

  it.each([
    [['INBOX', 'CATEGORY_PROMOTIONS'], 'promotions'],
    [['CATEGORY_SOCIAL'], 'social'],
    [['INBOX', 'CATEGORY_UPDATES', 'UNREAD'], 'updates'],
    [['CATEGORY_FORUMS'], 'forums'],
    [['INBOX', 'CATEGORY_PERSONAL'], null],
    [['SENT'], null],
  ] as const)('%j → category %s', (labels, category) => {
    expect(categoryOfLabels(labels)).toBe(category);
  });

  it.each([
    [['DRAFT'], 'draft'],
    [['DRAFT', 'SENT'], 'draft'],
    [['SPAM', 'UNREAD'], 'spam'],
    [['TRASH', 'SENT'], 'trash'],
    [['INBOX'], null],
    [['SENT'], null],
  ] as const)('%j → skip %s', (labels, reason) => {
    expect(skipReasonOfLabels(labels)).toBe(reason);
  });
});

/** A `messages.get?format=metadata` answer as Gmail sends it (only the requested headers). */
const received = {
  id: '18f2a3b4c5d6e7f8',
  threadId: '18f2a3b4c5d6e7f0',
  labelIds: ['UNREAD', 'CATEGORY_UPDATES', 'INBOX'],
  snippet: '',
  historyId: '123456',
  internalDate: '1714552200000',
  sizeEstimate: 5123,
  payload: {
    partId: '',
    mimeType: 'multipart/alternative',
    filename: '',
    headers: [
      { name: 'Date', value: 'Wed, 01 May 2024 11:00:00 +0200' },
      { name: 'From', value: '"Grace Hopper" <grace@example.org>' },
      { name: 'To', value: 'Ada <ada@example.com>, team@example.com' },
      { name: 'Cc', value: '=?UTF-8?Q?Ren=C3=A9?= <rene@example.net>' },
      { name: 'Subject', value: 'Re: Compiler  notes' },
      { name: 'Message-ID', value: '<CAF=abc@mail.gmail.com>' },
      { name: 'In-Reply-To', value: '<orig@example.com>' },
      { name: 'List-Unsubscribe', value: '<mailto:u@example.org>' },
      { name: 'Content-Type', value: 'multipart/alternative; boundary="x"' },
    ],
  },
};

describe('mapGmailMessage', () => {
  it('maps a metadata answer, dating it by internalDate', () => {
    const result = mapGmailMessage(received, received.id);
    expect(result).toEqual({
      message: {
        providerId: '18f2a3b4c5d6e7f8',
        threadId: '18f2a3b4c5d6e7f0',
        internetMessageId: 'CAF=abc@mail.gmail.com',
        inReplyTo: 'orig@example.com',
        date: new Date(1714552200000),
        from: { email: 'grace@example.org', name: 'Grace Hopper' },
        sender: null,
        replyTo: [],
        to: [
          { email: 'ada@example.com', name: 'Ada' },
          { email: 'team@example.com', name: null },
        ],
        cc: [{ email: 'rene@example.net', name: 'René' }],
        bcc: [],
        subject: 'Re: Compiler notes',
        folder: 'inbox',
        flags: {
          listId: null,
          listUnsubscribe: true,
          precedence: null,
          autoSubmitted: null,
          nullReturnPath: false,
          autoReply: false,
          category: 'updates',
          deliveryReport: false,
        },
      },
    });
  });

  it('keeps Bcc of sent mail and files it as sent even when it is also in the inbox', () => {
    const sent = {
      ...received,
      labelIds: ['SENT', 'INBOX'],
      payload: { headers: [...received.payload.headers, { name: 'Bcc', value: 'boss@example.com' }] },
    };
    const result = mapGmailMessage(sent, sent.id);
    expect(result).toMatchObject({ message: { folder: 'sent', bcc: [{ email: 'boss@example.com', name: null }] } });
  });

  it('falls back to the Date header when internalDate is missing or not a number', () => {
    for (const internalDate of [undefined, null, 'yesterday']) {
      const result = mapGmailMessage({ ...received, internalDate }, received.id);
      expect(result).toMatchObject({ message: { date: new Date('2024-05-01T09:00:00Z') } });
    }
  });

  it('skips a message that cannot be placed in time', () => {
    const undated = { id: 'x1', labelIds: ['INBOX'], payload: { headers: [{ name: 'From', value: 'a@b.c' }] } };
    expect(mapGmailMessage(undated, 'x1')).toEqual({ skipped: { providerId: 'x1', reason: 'malformed:date' } });
  });

  it.each([
    [['DRAFT'], 'draft'],
    [['SPAM'], 'spam'],
    [['TRASH'], 'trash'],
  ])('skips %j as %s', (labelIds, reason) => {
    expect(mapGmailMessage({ ...received, labelIds }, received.id)).toEqual({ skipped: { providerId: received.id, reason } });
  });

  it('tolerates a message without payload or labels', () => {
    const bare = { id: 'b1', internalDate: '1714552200000' };
    expect(mapGmailMessage(bare, 'b1')).toMatchObject({ message: { folder: 'other', from: null, to: [], subject: null, threadId: null } });
  });
});
