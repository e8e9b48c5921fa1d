/**
 * The bad-input half of the chaos run: fast-check properties over everything that reads text
 * from strangers — the header normalizer, the address parser, the MIME reply reader and the
 * command grammar — and the promise that a quoted digest never turns into commands. The same
 * properties run a few hundred times in `npm test` (test/unit/chaos-fuzz.test.ts) and 100,000
 * times each in `npm run chaos`.
 */
import fc from 'fast-check';
import { normalizeAddress } from '../../src/contacts/normalize-address.ts';
import { renderDigest, type DigestEntry } from '../../src/digest/render-digest.ts';
import { parseHeaderBlock } from '../../src/mail/header-block.ts';
import { messageMetaFromHeaders } from '../../src/mail/message-meta.ts';
import { parseAddressList } from '../../src/mail/parse-addresses.ts';
import { MAX_ITEM, parseCommandLine } from '../../src/replies/parse-commands.ts';
import { readCommands, readInbound } from '../../src/replies/read-reply.ts';

export interface FuzzTarget {
  name: string;
  /** A property that throws (an assertion or the code under test) on a bad case. */
  property: fc.IRawProperty<unknown, boolean>;
}

/** The slowest single case since the last reset, for the chaos run's "unbounded time" check. */
export const caseClock = {
  slowestMs: 0,
  reset() {
    caseClock.slowestMs = 0;
  },
};

function timed<A extends unknown[]>(predicate: (...args: A) => void): (...args: A) => void {
  return (...args) => {
    const started = performance.now();
    try {
      predicate(...args);
    } finally {
      caseClock.slowestMs = Math.max(caseClock.slowestMs, performance.now() - started);
    }
  };
}

function timedAsync<A extends unknown[]>(predicate: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args) => {
    const started = performance.now();
    try {
      await predicate(...args);
    } finally {
      caseClock.slowestMs = Math.max(caseClock.slowestMs, performance.now() - started);
    }
  };
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

/** Pieces real headers are made of, and the ones that break naive parsers. */
const headerToken = fc.constantFrom(
  '"',
  '<',
  '>',
  ',',
  ';',
  ':',
  '@',
  '(',
  ')',
  '\\',
  ' ',
  '\t',
  '=?utf-8?B?',
  '=?UTF-8?Q?',
  '?=',
  '=?iso-8859-1?q?=E9t=E9?=',
  '=?utf-8?B?8J+YgA==?=',
  'xn--bcher-kva.example',
  'bücher.example',
  'undisclosed-recipients:;',
  'group: a@b.example, c@d.example;',
  '<>',
  'a@b.example',
  'Ada Lovelace <ada@example.org>',
  '"Doe, Jane" <JANE.DOE@Example.COM>',
  'user+tag@gmail.com',
  'u.s.e.r@googlemail.com',
  '\u0000',
  '\r\n ',
  '\u202e',
  '😀',
);
const headerText = fc.oneof(
  { weight: 3, arbitrary: fc.array(fc.oneof(headerToken, fc.string({ maxLength: 16 })), { maxLength: 24 }).map((parts) => parts.join('')) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
);
/** A recipient list of up to a few thousand entries: huge Cc lists happen. */
const hugeList = fc
  .integer({ min: 100, max: 2_000 })
  .map((n) => Array.from({ length: n }, (_, i) => `Person ${i} <p${i}@crowd.example>`).join(', '));
const headerName = fc.oneof(
  fc.constantFrom(
    'From',
    'To',
    'Cc',
    'Bcc',
    'Sender',
    'Reply-To',
    'Subject',
    'Date',
    'Message-ID',
    'In-Reply-To',
    'References',
    'List-Id',
    'List-Unsubscribe',
    'Precedence',
    'Auto-Submitted',
    'Return-Path',
    'X-From',
    'X-To',
    'Content-Type',
  ),
  fc.string({ maxLength: 12 }),
);

const headerNormalizer: FuzzTarget = {
  name: 'header normalizer',
  property: fc.property(
    fc.array(fc.tuple(headerName, fc.oneof({ weight: 40, arbitrary: headerText }, { weight: 1, arbitrary: hugeList })), { maxLength: 16 }),
    fc.constantFrom('\r\n', '\n'),
    timed((headers, eol) => {
      const block = headers.map(([name, value]) => `${name}: ${value}`).join(eol);
      const parsed = parseHeaderBlock(block);
      const result = messageMetaFromHeaders(parsed, { providerId: 'p', threadId: null, folder: 'inbox' });
      if ('message' in result) {
        const { from, to, cc } = result.message;
        for (const address of [...(from ? [from] : []), ...to, ...cc]) {
          // An address, or (Exchange exports, issue 15) a mailbox named without one — a directory
          // entry or a display name alone, resolved later from the mailbox's own evidence — never nothing.
          const named = address.email === '' && Boolean(address.dn || address.name?.trim());
          check(typeof address.email === 'string' && (address.email.includes('@') || named), `not an address: ${JSON.stringify(address)}`);
        }
        check(!Number.isNaN(result.message.date.getTime()), 'invalid date');
      }
    }),
  ) as unknown as FuzzTarget['property'],
};

const addressParser: FuzzTarget = {
  name: 'address parser',
  property: fc.property(
    fc.array(fc.oneof({ weight: 40, arbitrary: headerText }, { weight: 1, arbitrary: hugeList }), { maxLength: 4 }),
    timed((values) => {
      for (const address of parseAddressList(...values)) {
        check(address.email.includes('@'), `not an address: ${address.email}`);
        const normalized = normalizeAddress(address.email);
        if (normalized !== null) check(normalizeAddress(normalized) === normalized, `normalizing twice changes ${address.email}`);
      }
      for (const value of values.slice(0, 1)) {
        const normalized = normalizeAddress(value);
        if (normalized !== null) check(normalizeAddress(normalized) === normalized, `normalizing twice changes ${value}`);
      }
    }),
  ) as unknown as FuzzTarget['property'],
};

const mimePart = fc.tuple(
  fc.constantFrom(
    'text/plain',
    'text/plain; charset=iso-8859-1',
    'text/html',
    'message/delivery-status',
    'message/rfc822',
    'text/rfc822-headers',
    'application/octet-stream',
    'multipart/alternative; boundary=inner',
  ),
  fc.constantFrom('7bit', 'base64', 'quoted-printable', '8bit', 'x-bogus'),
  fc.string({ maxLength: 400 }),
);
const mimeReader: FuzzTarget = {
  name: 'MIME reply reader',
  property: fc.asyncProperty(
    fc.oneof(
      fc.uint8Array({ maxLength: 2_000 }).map((bytes) => Buffer.from(bytes)),
      fc
        .tuple(
          fc.array(fc.tuple(headerName, headerText), { maxLength: 12 }),
          fc.array(mimePart, { maxLength: 4 }),
          fc.string({ maxLength: 400 }),
        )
        .map(([headers, parts, text]) => {
          const head = headers.map(([n, v]) => `${n}: ${v.replace(/\r?\n(?![ \t])/g, '\r\n ')}`).join('\r\n');
          const body = parts.length
            ? `Content-Type: multipart/mixed; boundary="zz"\r\n\r\n${parts.map(([type, cte, content]) => `--zz\r\nContent-Type: ${type}\r\nContent-Transfer-Encoding: ${cte}\r\n\r\n${content}\r\n`).join('')}--zz--\r\n`
            : `\r\n${text}`;
          return Buffer.from(`${head}\r\n${body}`);
        }),
    ),
    timedAsync(async (raw) => {
      const mail = await readInbound(raw);
      check(typeof mail.text === 'string', 'no text');
      const read = readCommands(mail);
      for (const command of read.commands)
        check(
          command.items.every((n) => n >= 1 && n <= MAX_ITEM),
          `item out of range: ${JSON.stringify(command)}`,
        );
    }),
  ) as unknown as FuzzTarget['property'],
};

const grammarToken = fc.constantFrom(
  'done',
  'Done',
  'DONE',
  'never',
  'snooze',
  'undo',
  'pause',
  'resume',
  'stop',
  'more',
  'unsubscribe',
  'for',
  'until',
  'a',
  'month',
  'weeks',
  '1',
  '2',
  '99',
  '100',
  '0',
  '-1',
  '3-4',
  '4-3',
  '1-99999999',
  '2w',
  '1m',
  '6m',
  '1y',
  '999y',
  '3d',
  'March',
  '15',
  '2026-09-01',
  '--02-30',
  'and',
  ',',
  ';',
  '.',
  'Alice',
  'Smith',
  'a@b.example',
  '\u00a0',
  '\t',
  'é',
  '😀',
  '1e9',
  '0x10',
  '½',
);
const grammar: FuzzTarget = {
  name: 'command grammar',
  property: fc.property(
    fc.oneof(
      fc.array(fc.oneof(grammarToken, fc.string({ maxLength: 6 })), { maxLength: 12 }).map((w) => w.join(' ')),
      fc.string({ maxLength: 300 }),
      fc.string({ unit: 'binary', maxLength: 300 }),
    ),
    timed((line) => {
      const commands = parseCommandLine(line);
      if (commands === null) return;
      for (const command of commands) {
        check(
          command.items.every((n) => Number.isInteger(n) && n >= 1 && n <= MAX_ITEM),
          `item out of range: ${JSON.stringify(command)}`,
        );
        if (command.duration !== undefined) check(/^\d+[dwmy]$/.test(command.duration), `odd duration: ${command.duration}`);
      }
    }),
  ) as unknown as FuzzTarget['property'],
};

/** Names and subjects that look like commands, quoted the ways clients quote. */
const tempting = fc.constantFrom(
  'done',
  'never',
  'snooze',
  'undo',
  'pause',
  'stop',
  'more',
  '1',
  '2',
  '3-4',
  '2w',
  'until',
  'March',
  ',',
  'rekindle ·',
  '>',
  '--',
  'On',
  'wrote:',
  'From:',
  'Sent:',
  'a@b.example',
);
const phrase = fc.array(fc.oneof(tempting, fc.string({ maxLength: 10 })), { maxLength: 8 }).map((words) => words.join(' '));
const asOf = new Date('2025-06-02T06:00:00Z');
const quoteStyles: ((text: string) => string)[] = [
  (t) => `On Mon, 2 Jun 2025 at 08:00, rekindle <digest@rekindle.example> wrote:\n\n${quoteLines(t)}`,
  (t) =>
    `________________________________\nFrom: rekindle <digest@rekindle.example>\nSent: Monday, June 2, 2025 8:00 AM\nTo: Sam\nSubject: Reconnect\n\n${t}`,
  (t) => `---------- Forwarded message ---------\nFrom: rekindle <digest@rekindle.example>\n\n${t}`,
  (t) => t,
  (t) => quoteLines(`On Mon, Sam wrote:\n${quoteLines(t)}`),
];
const quotedDigest: FuzzTarget = {
  name: 'quoted digest yields no command',
  property: fc.property(
    fc.array(fc.record({ name: fc.option(phrase, { nil: null }), subject: fc.option(phrase, { nil: null }), reason: phrase }), {
      minLength: 1,
      maxLength: 6,
    }),
    fc.integer({ min: 0, max: quoteStyles.length - 1 }),
    timed((people, style) => {
      const entries: DigestEntry[] = people.map((p, i) => ({
        position: i + 1,
        contact: `p${i}@example.com`,
        email: `p${i}@example.com`,
        name: p.name,
        reason: p.reason || 'You used to talk often.',
        lastContactAt: new Date(asOf.getTime() - (40 + i) * 86_400_000),
        cadenceDays: 21,
        lastSubject: p.subject,
      }));
      const digest = renderDigest({
        weekOf: '2025-06-02',
        asOf,
        entries,
        recipientName: null,
        schedule: { day: 1, hour: 8, timezone: 'UTC' },
        unsubscribeUrl: 'https://rekindle.example/digest/unsubscribe/t',
      });
      const reply = `Thanks!\n\n${quoteStyles[style]!(digest.text)}`;
      const read = readCommands({ subject: 'Re: Reconnect', text: reply });
      check(read.commands.length === 0, `read ${JSON.stringify(read.commands)} from a quoted digest`);
    }),
  ) as unknown as FuzzTarget['property'],
};

function quoteLines(text: string): string {
  return text
    .trimEnd()
    .split('\n')
    .map((l) => (l ? `> ${l}` : '>'))
    .join('\n');
}

export const FUZZ_TARGETS: FuzzTarget[] = [headerNormalizer, addressParser, mimeReader, grammar, quotedDigest];
