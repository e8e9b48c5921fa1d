/**
 * The mailer's own MIME builder (src/mailer/mime-message.ts), read back by a real parser
 * (mailparser): names and subjects that need quoting or encoded-words (non-ASCII, quotes,
 * backslashes, bidi controls), long lines, trailing blanks, `=` and lines that start with a
 * dot, and the HTML part — each must come back exactly, and read the same as the message
 * nodemailer's composer wrote for the same input.
 */
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import MailComposer from 'nodemailer/lib/mail-composer';
import { describe, expect, it } from 'vitest';
import { buildMessage, quotedPrintable, type MessageParts } from '../../src/mailer/mime-message.ts';

const NAMES = [
  'Ada Byron',
  'Zoë Ñandú-Østergaard',
  'Sam "The Man" O\'Neil',
  'back\\slash, comma; and <angle>',
  'Hebrew \u202eלאה\u202c and Arabic \u2067ليلى\u2069',
  '山田 太郎',
  `${'Very long name '.repeat(8)}end`,
];

const TEXT = [
  'rekindle · your week',
  `1. ${'a long line of words that goes on '.repeat(12)}`,
  'trailing blanks   ',
  'tab at the end\t',
  '= signs = everywhere ==',
  '.a line that starts with a dot',
  '.',
  'Zoë, 山田, emoji 🎉 and bidi \u202eevil\u202c',
  '',
  `${'x'.repeat(300)}`,
].join('\n');

const HTML = `<!doctype html><html><body><p style="font-family:Georgia,serif;color:#333">Hi Zoë — ${'<a href="https://example.com/d/AbC?do=done&amp;x=1">Done</a> · '.repeat(20)}</p>\n<p>${'é'.repeat(200)}</p></body></html>\n`;

const mailOf = (name: string, overrides: Partial<MessageParts> = {}): MessageParts => ({
  from: 'rekindle <digest@example.com>',
  to: { name, address: 'person@example.org' },
  replyTo: 'reply+token@in.example.com',
  subject: `Reconnect this week: ${name} and 3 more`,
  text: TEXT,
  html: HTML,
  messageId: '<rk.0123456789abcdef@example.com>',
  date: new Date('2026-12-02T10:11:12Z'),
  headers: {
    'List-Id': 'rekindle weekly list <weekly-list.example.com>',
    'List-Unsubscribe': '<mailto:reply+token@in.example.com?subject=unsubscribe>, <https://rekindle.example.com/digest/unsubscribe/token>',
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    'Auto-Submitted': 'auto-generated',
  },
  ...overrides,
});

/** The same message through nodemailer's composer, as the mailer wrote it before. */
function composedByNodemailer(parts: MessageParts): Promise<Buffer> {
  const to = typeof parts.to === 'string' ? parts.to : { name: parts.to.name ?? '', address: parts.to.address };
  const composer = new MailComposer({
    from: parts.from as string,
    to,
    replyTo: parts.replyTo as string,
    subject: parts.subject,
    text: parts.text,
    html: parts.html,
    messageId: parts.messageId,
    date: parts.date,
    headers: parts.headers,
    textEncoding: 'quoted-printable',
  });
  return new Promise((resolve, reject) => composer.compile().build((err, message) => (err ? reject(err) : resolve(message))));
}

const firstAddress = (field: AddressObject | AddressObject[] | undefined) => (Array.isArray(field) ? field[0] : field)?.value[0];

/** What a reader sees of a message. */
function reading(mail: ParsedMail) {
  return {
    from: firstAddress(mail.from),
    to: firstAddress(mail.to),
    replyTo: firstAddress(mail.replyTo),
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    messageId: mail.messageId,
    date: mail.date?.toISOString(),
    listUnsubscribe: mail.headers.get('list-unsubscribe'),
    listUnsubscribePost: mail.headers.get('list-unsubscribe-post'),
    autoSubmitted: mail.headers.get('auto-submitted'),
    listId: mail.headers.get('list-id'),
  };
}

describe('the MIME builder', () => {
  it.each(NAMES)('writes %j so that a parser reads back the name, subject, both parts and the headers', async (name) => {
    const parts = mailOf(name);
    const raw = buildMessage(parts);
    const mail = await simpleParser(raw);
    expect(firstAddress(mail.to)).toEqual({ name, address: 'person@example.org' });
    expect(mail.subject).toBe(parts.subject);
    expect(mail.text).toBe(TEXT);
    expect(mail.html).toBe(HTML);
    expect(mail.messageId).toBe(parts.messageId);
    expect(mail.date?.toISOString()).toBe('2026-12-02T10:11:12.000Z');
    // The same reading as nodemailer's composer gave of the same input.
    expect(reading(mail)).toEqual(reading(await simpleParser(await composedByNodemailer(parts))));
  });

  it('keeps every line within 78 characters, ends lines with CRLF, and is 7-bit', () => {
    const raw = buildMessage(mailOf(NAMES[4]!)).toString('latin1');
    expect(raw).not.toMatch(/[^\r]\n/);
    expect(raw).not.toMatch(/\r(?!\n)/);
    for (const line of raw.split('\r\n')) expect(line.length).toBeLessThanOrEqual(78);
    expect([...raw].filter((c) => !(c === '\t' || c === '\r' || c === '\n' || (c >= ' ' && c <= '~')))).toEqual([]);
  });

  it('writes a text-only message as one part', async () => {
    const mail = await simpleParser(buildMessage(mailOf('Ada Byron', { html: undefined })));
    expect(mail.text).toBe(TEXT);
    expect(mail.html).toBe(false);
  });

  it('never ends an encoded line with a blank, and decodes back to the bytes it was given', async () => {
    for (const text of ['a \nb\t\n', ' ', 'x'.repeat(75) + ' y', `${'é'.repeat(30)}\r\n=\r\n`, 'end with blank ']) {
      const encoded = quotedPrintable(text).toString('latin1');
      for (const line of encoded.split('\r\n')) {
        expect(line).not.toMatch(/[ \t]$/);
        expect(line.length).toBeLessThanOrEqual(76);
      }
      const mail = await simpleParser(
        Buffer.from(`Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${encoded}`, 'latin1'),
      );
      expect(mail.text).toBe(text.replace(/\r\n/g, '\n'));
    }
  });
});
