/**
 * Properties of reading replies, over random input (fast-check):
 * - no bytes, header or MIME structure makes reading a message throw;
 * - a digest with any content (names and subjects that look like commands, addresses,
 *   attributions, markers), quoted the way any client quotes — `>`, an Outlook header block,
 *   an attribution with no marks, a forward, pasted back whole, as HTML — never yields a
 *   command: a reply reads as exactly the commands the person wrote around it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderDigest, type DigestEntry } from '../../src/digest/render-digest.ts';
import { parseCommandLine } from '../../src/replies/parse-commands.ts';
import { readCommands, readInbound } from '../../src/replies/read-reply.ts';
import { htmlReplyText } from '../../src/replies/html-reply-text.ts';

const RUNS = 150;

/** Words that tempt a parser: verbs, numbers, units, markers, addresses, attributions. */
const tempting = fc.constantFrom(
  'done',
  'Done',
  'never',
  'snooze',
  'undo',
  'pause',
  'resume',
  'stop',
  'more',
  'unsubscribe',
  'met',
  'called',
  'every',
  'auto',
  'on',
  'yesterday',
  '1',
  '2',
  '3-4',
  '2w',
  '1m',
  'until',
  'March',
  'and',
  ',',
  ';',
  'rekindle ·',
  '>',
  '--',
  'On',
  'wrote:',
  'From:',
  'Sent:',
  'alice',
  'a@b.example',
  '<x@y.example>',
  '-----Original Message-----',
  'Sent from my iPhone',
  '\u00a0',
  'é',
  '😀',
  '«',
  '»',
);
const phrase = fc.array(fc.oneof(tempting, fc.string({ maxLength: 12 })), { minLength: 0, maxLength: 8 }).map((words) => words.join(' '));

const entry = fc.record({
  name: fc.option(phrase, { nil: null }),
  subject: fc.option(phrase, { nil: null }),
  reason: phrase,
  days: fc.integer({ min: 22, max: 3000 }),
  // The help to write: a meeting's title, a mutual connection's name, an opener quoting a subject.
  meeting: fc.option(phrase, { nil: null }),
  mutual: fc.option(phrase, { nil: null }),
  opener: fc.option(phrase, { nil: null }),
});
const asOf = new Date('2025-06-02T06:00:00Z');

type RawEntry = {
  name: string | null;
  subject: string | null;
  reason: string;
  days: number;
  meeting: string | null;
  mutual: string | null;
  opener: string | null;
};
const digestOf = (raw: RawEntry[], recipient: string | null) => {
  const entries: DigestEntry[] = raw.map((e, i) => ({
    position: i + 1,
    contact: `p${i}@example.com`,
    email: `p${i}@example.com`,
    name: e.name,
    reason: e.reason || 'You used to talk often.',
    lastContactAt: new Date(asOf.getTime() - e.days * 86_400_000),
    cadenceDays: 21,
    lastSubject: e.subject,
    context:
      e.opener === null
        ? null
        : {
            opener: { code: 'catch-up' as const, text: e.opener },
            meeting: e.meeting === null ? null : { title: e.meeting, at: new Date('2025-01-14T10:00:00Z'), people: 3 },
            mutual:
              e.mutual === null
                ? null
                : {
                    contact: 'c@example.com',
                    name: e.mutual,
                    email: 'c@example.com',
                    shared: 2,
                    kinds: ['sent' as const],
                    lastWroteAt: asOf,
                  },
          },
  }));
  return renderDigest({
    weekOf: '2025-06-02',
    asOf,
    entries,
    recipientName: recipient,
    schedule: { day: 1, hour: 8, timezone: 'UTC' },
    unsubscribeUrl: 'https://rekindle.example/digest/unsubscribe/t',
    actionUrl: (position) => `https://rekindle.example/d/t${position}`,
  });
};

/** How clients put the old message under a reply. */
const STYLES: Record<string, (digest: { text: string; html: string }) => string> = {
  gmail: (d) => `On Mon, 2 Jun 2025 at 08:00, rekindle <digest@rekindle.example> wrote:\n\n${quote(d.text)}`,
  apple: (d) => `Sent from my iPhone\n\n> On 2 Jun 2025, at 08:00, rekindle <digest@rekindle.example> wrote:\n> \n${quote(d.text)}`,
  outlook: (d) =>
    `________________________________\nFrom: rekindle <digest@rekindle.example>\nSent: Monday, June 2, 2025 8:00 AM\nTo: Sam\nSubject: Reconnect this week\n\n${d.text}`,
  outlookLocalized: (d) => `Von: rekindle\nGesendet: Montag, 2. Juni 2025 08:00\nAn: Sam\nBetreff: Reconnect\n\n${d.text}`,
  yahoo: (d) => `On Monday, June 2, 2025, 08:00:00 AM GMT+2, rekindle <digest@rekindle.example> wrote:\n\n${d.text}`,
  forward: (d) => `---------- Forwarded message ---------\nFrom: rekindle <digest@rekindle.example>\nDate: Mon, Jun 2, 2025\n\n${d.text}`,
  pasted: (d) => d.text,
  nestedQuote: (d) => quote(`On Mon, Sam wrote:\n${quote(d.text)}`),
  html: (d) => htmlReplyText(`<div class="gmail_quote"><blockquote>${d.html}</blockquote></div>`),
  htmlPasted: (d) => htmlReplyText(d.html),
  htmlOutlook: (d) =>
    htmlReplyText(
      `<div id="appendonsend"></div><hr><div id="divRplyFwdMsg"><b>From:</b> rekindle<br><b>Sent:</b> Monday</div><div>${d.html}</div>`,
    ),
};

function quote(text: string): string {
  return text
    .trimEnd()
    .split('\n')
    .map((l) => (l ? `> ${l}` : '>'))
    .join('\n');
}

/** Lines a person writes that are not commands (a greeting, a thought), tempting words and all. */
const tricky = phrase.filter((line) => parseCommandLine(line) === null);
/** Plain lines: words and punctuation with nothing a client writes. */
const prose = fc
  .array(fc.stringMatching(/^[A-Za-zÀ-ÿ]{1,10}$/), { minLength: 1, maxLength: 8 })
  .map((words) => `${words.join(' ')}${['.', '!', ''][words.length % 3]}`)
  .filter((line) => parseCommandLine(line) === null);
const command = fc.constantFrom(
  'done 1',
  'done 2, 3',
  'snooze 2 2w',
  'snooze 1 until March',
  'never 3',
  'undo',
  'pause',
  'more',
  'done Alice',
  'never 4-5',
  'met 2',
  'called Alice yesterday',
  'met 1 on 2025-05-20',
  'every 2m 3',
  'every auto Alice',
);

describe('reading replies, over random input', () => {
  it('never throws on arbitrary bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 3000 }), async (bytes) => {
        const mail = await readInbound(Buffer.from(bytes));
        readCommands(mail);
      }),
      { numRuns: RUNS },
    );
  });

  it('never throws on arbitrary headers, MIME structure and bodies', async () => {
    const headerName = fc.oneof(
      fc.constantFrom(
        'From',
        'To',
        'Cc',
        'Subject',
        'Message-ID',
        'References',
        'In-Reply-To',
        'Content-Type',
        'Content-Transfer-Encoding',
        'Auto-Submitted',
        'Return-Path',
        'Authentication-Results',
        'List-Id',
        'Date',
      ),
      fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,20}$/),
    );
    const headerValue = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.constantFrom(
        'multipart/report; report-type=delivery-status; boundary="b"',
        'multipart/alternative; boundary=b',
        'text/html',
        'message/rfc822',
        'base64',
        'quoted-printable',
        '=?utf-8?B?ZG9uZSAx?=',
        '<>',
        'auto-replied',
        'x; dmarc=pass',
      ),
    );
    const part = fc.tuple(
      fc.constantFrom(
        'text/plain',
        'text/html',
        'message/delivery-status',
        'message/rfc822',
        'text/rfc822-headers',
        'application/octet-stream',
      ),
      fc.string({ maxLength: 500 }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(headerName, headerValue), { maxLength: 12 }),
        fc.array(part, { maxLength: 4 }),
        fc.string({ maxLength: 500 }),
        async (headers, parts, text) => {
          const head = headers.map(([n, v]) => `${n}: ${v.replace(/\r?\n(?![ \t])/g, '\r\n ')}`).join('\r\n');
          const mime = parts.length
            ? `Content-Type: multipart/mixed; boundary="zz"\r\n\r\n${parts.map(([type, content]) => `--zz\r\nContent-Type: ${type}\r\n\r\n${content}\r\n`).join('')}--zz--\r\n`
            : `\r\n${text}`;
          const mail = await readInbound(Buffer.from(`${head}\r\n${mime}`));
          expect(typeof mail.text).toBe('string');
          readCommands(mail);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('never reads a command the person did not write, whatever they and the quoted digest say, however it is quoted', () => {
    fc.assert(
      fc.property(
        fc.array(entry, { minLength: 1, maxLength: 6 }),
        fc.option(phrase, { nil: null }),
        fc.constantFrom(...Object.keys(STYLES)),
        fc.array(fc.oneof(command, tricky), { maxLength: 5 }),
        (raw, recipient, style, written) => {
          const reply = `${written.join('\n')}\n\n${STYLES[style]!(digestOf(raw, recipient))}`;
          const own = written.flatMap((line) => parseCommandLine(line) ?? []).map((c) => JSON.stringify(c));
          // What is read is the person's own commands, in order (a line that looks like a
          // client's may end reading early: fewer, never others).
          const read = readCommands({ subject: 'Re: x', text: reply }).commands.map((c) => JSON.stringify(c));
          expect(own.slice(0, read.length)).toEqual(read);
        },
      ),
      { numRuns: RUNS * 2 },
    );
  });

  it('reads exactly the person’s own commands, whatever the quoted digest says and however it is quoted', () => {
    fc.assert(
      fc.property(
        fc.array(entry, { minLength: 1, maxLength: 6 }),
        fc.option(phrase, { nil: null }),
        fc.constantFrom(...Object.keys(STYLES)),
        fc.array(fc.oneof(command, prose), { maxLength: 4 }),
        (raw, recipient, style, written) => {
          const digest = digestOf(raw, recipient);
          const reply = `${written.join('\n')}\n\n${STYLES[style]!(digest)}`;
          const expected = written.flatMap((line) => parseCommandLine(line) ?? []);
          expect(readCommands({ subject: 'Re: Reconnect this week', text: reply }).commands).toEqual(expected);
        },
      ),
      { numRuns: RUNS * 2 },
    );
  });

  it('finds no command in any line of a digest, whatever its people are called', () => {
    fc.assert(
      fc.property(fc.array(entry, { minLength: 1, maxLength: 6 }), fc.option(phrase, { nil: null }), (raw, recipient) => {
        const digest = digestOf(raw, recipient);
        for (const line of [...digest.text.split('\n'), ...htmlReplyText(digest.html).split('\n')])
          expect(parseCommandLine(line), line).toBeNull();
      }),
      { numRuns: RUNS },
    );
  });
});
