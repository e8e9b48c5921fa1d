import { describe, expect, it } from 'vitest';
import { mapGraphMessage, type GraphMessage } from '../../src/providers/microsoft/map-graph-message.ts';
import { mapGraphProfile } from '../../src/providers/microsoft/map-graph-profile.ts';

const base: GraphMessage = {
  '@odata.type': '#microsoft.graph.message',
  id: 'AAkALgAAAAAAHYQDEapmEc2byACqAC-EWg0A1',
  conversationId: 'AAQkADconv1',
  internetMessageId: '<abc.123@mail.example.com>',
  subject: '  Engine   notes ',
  from: { emailAddress: { name: 'Charles Babbage', address: 'charles@example.org' } },
  sender: { emailAddress: { name: 'Charles Babbage', address: 'charles@example.org' } },
  replyTo: [],
  toRecipients: [{ emailAddress: { name: 'Ada', address: 'ada@example.com' } }],
  ccRecipients: [{ emailAddress: { name: 'grace@example.net', address: 'grace@example.net' } }],
  bccRecipients: [{ emailAddress: { name: 'Mary', address: 'mary@example.org' } }],
  sentDateTime: '2024-03-01T09:29:58Z',
  receivedDateTime: '2024-03-01T09:30:00Z',
  isDraft: false,
};

function meta(message: GraphMessage, folder: 'sent' | 'inbox' | 'other' = 'inbox') {
  const mapped = mapGraphMessage(message, folder);
  if (!('message' in mapped)) throw new Error(`skipped: ${mapped.skipped.reason}`);
  return mapped.message;
}

describe('mapGraphMessage', () => {
  it('maps Graph properties to the normalized shape', () => {
    expect(meta(base)).toEqual({
      providerId: base.id,
      threadId: 'AAQkADconv1',
      internetMessageId: 'abc.123@mail.example.com',
      inReplyTo: null,
      date: new Date('2024-03-01T09:30:00Z'),
      from: { email: 'charles@example.org', name: 'Charles Babbage' },
      sender: null,
      replyTo: [],
      to: [{ email: 'ada@example.com', name: 'Ada' }],
      // Graph repeats the address as the name when there is none: that is no name.
      cc: [{ email: 'grace@example.net', name: null }],
      // Bcc is only ever the owner's own, on sent mail.
      bcc: [],
      subject: 'Engine notes',
      folder: 'inbox',
      flags: {
        listId: null,
        listUnsubscribe: false,
        precedence: null,
        autoSubmitted: null,
        nullReturnPath: false,
        autoReply: false,
        category: null,
        deliveryReport: false,
      },
    });
  });

  it('keeps Bcc on sent mail', () => {
    expect(meta(base, 'sent').bcc).toEqual([{ email: 'mary@example.org', name: 'Mary' }]);
  });

  it('dates by receivedDateTime, falling back to sentDateTime', () => {
    expect(meta({ ...base, receivedDateTime: null }).date).toEqual(new Date('2024-03-01T09:29:58Z'));
    expect(mapGraphMessage({ ...base, receivedDateTime: 'garbage', sentDateTime: null }, 'inbox')).toEqual({
      skipped: { providerId: base.id, reason: 'malformed:date' },
    });
  });

  it('gives the Sender only when it differs from From (mail sent on someone’s behalf)', () => {
    expect(meta({ ...base, sender: { emailAddress: { name: 'Assistant', address: 'pa@example.org' } } }).sender).toEqual({
      email: 'pa@example.org',
      name: 'Assistant',
    });
    expect(meta({ ...base, sender: { emailAddress: { name: 'X', address: 'CHARLES@example.org' } } }).sender).toBeNull();
  });

  it('skips drafts', () => {
    expect(mapGraphMessage({ ...base, isDraft: true }, 'other')).toEqual({ skipped: { providerId: base.id, reason: 'draft' } });
  });

  it('keeps recipients without an SMTP address (Exchange DNs) for the resolver, and tolerates nulls', () => {
    const message = meta({
      ...base,
      from: null,
      sender: null,
      toRecipients: [
        { emailAddress: { name: 'Legacy', address: '/O=EXCHANGELABS/OU=EXCHANGE ADMINISTRATIVE GROUP/CN=RECIPIENTS/CN=JDOE' } },
        { emailAddress: null },
        { emailAddress: { name: 'Ada', address: 'ada@example.com' } },
      ],
      ccRecipients: null,
      subject: '',
      conversationId: null,
      internetMessageId: null,
    });
    expect(message.from).toBeNull();
    expect(message.to).toEqual([
      { email: '', name: 'Legacy', dn: '/o=exchangelabs/ou=exchange administrative group/cn=recipients/cn=jdoe' },
      { email: 'ada@example.com', name: 'Ada' },
    ]);
    expect(message.cc).toEqual([]);
    expect(message.subject).toBeNull();
    expect(message.threadId).toBeNull();
    expect(message.internetMessageId).toBeNull();
  });

  it('marks Exchange meeting requests and responses as generated (the calendar counts the meeting)', () => {
    for (const type of ['#microsoft.graph.eventMessageRequest', '#microsoft.graph.eventMessageResponse', '#microsoft.graph.eventMessage']) {
      expect(meta({ ...base, '@odata.type': type }).flags.autoSubmitted).toBe('auto-generated');
    }
    expect(meta(base).flags.autoSubmitted).toBeNull();
  });
});

describe('mapGraphProfile', () => {
  it('takes mail as the address and smtp proxy addresses as aliases', () => {
    expect(
      mapGraphProfile({
        mail: 'Ada.Lovelace@contoso.com',
        userPrincipalName: 'ada@contoso.onmicrosoft.com',
        proxyAddresses: ['SMTP:Ada.Lovelace@contoso.com', 'smtp:ada@contoso.com', 'SIP:ada@contoso.com', 'X500:/o=ExchangeLabs/cn=ada'],
      }),
    ).toEqual({ email: 'ada.lovelace@contoso.com', aliases: ['ada@contoso.com', 'ada@contoso.onmicrosoft.com'] });
  });

  it('falls back to the sign-in name when a personal account has no mail, and skips guest names', () => {
    expect(mapGraphProfile({ mail: null, userPrincipalName: 'someone@outlook.com', proxyAddresses: [] })).toEqual({
      email: 'someone@outlook.com',
      aliases: [],
    });
    expect(mapGraphProfile({ mail: 'guest@gmail.com', userPrincipalName: 'guest_gmail.com#EXT#@contoso.onmicrosoft.com' })).toEqual({
      email: 'guest@gmail.com',
      aliases: [],
    });
  });
});
