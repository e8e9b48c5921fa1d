/**
 * The bytes of an outgoing message, built directly: one text part, or multipart/alternative
 * with an HTML part, both UTF-8 and quoted-printable; RFC 2047 encoded-words for names and
 * unstructured headers. The same message nodemailer's composer wrote before (same headers,
 * same encodings), at a fraction of its cost: the composer builds a tree of stream nodes per
 * message and its quoted-printable encoder alone took 0.6 ms for a digest's HTML, more than
 * everything else a digest costs the worker (docs/scaling.md).
 *
 * Header words are encoded with nodemailer's own small functions (encodeWord, encodeWords,
 * quoteString, foldLines), so a name or subject is written exactly as before.
 */
import { randomBytes } from 'node:crypto';
import addressparser from 'nodemailer/lib/addressparser';
import { encodeWord, encodeWords, foldLines, quoteString } from 'nodemailer/lib/mime-funcs';
import MimeNode from 'nodemailer/lib/mime-node';

/** A mailbox: a display name (or none) and an address. */
export interface Mailbox {
  name: string | null;
  address: string;
}

export interface MessageParts {
  from: string | Mailbox;
  to: string | Mailbox;
  replyTo?: string | Mailbox | undefined;
  subject: string;
  text: string;
  html?: string | undefined;
  /** With angle brackets. */
  messageId: string;
  inReplyTo?: string | undefined;
  references?: string[] | undefined;
  date: Date;
  /** Written first, in this order, as nodemailer wrote a message's own headers. */
  headers?: Record<string, string> | undefined;
}

/** The whole message, CRLF line ends throughout. */
export function buildMessage(parts: MessageParts, boundary = `--_rk-${randomBytes(12).toString('hex')}`): Buffer {
  const lines: string[] = [];
  for (const [key, value] of Object.entries(parts.headers ?? {})) {
    const text = unstructured(value);
    if (text.trim()) lines.push(foldLines(`${key}: ${text}`, 76));
  }
  lines.push(foldLines(`From: ${mailboxHeader('From', parts.from)}`, 76));
  lines.push(foldLines(`To: ${mailboxHeader('To', parts.to)}`, 76));
  if (parts.replyTo) lines.push(foldLines(`Reply-To: ${mailboxHeader('Reply-To', parts.replyTo)}`, 76));
  lines.push(foldLines(`Subject: ${unstructured(parts.subject)}`, 76));
  lines.push(`Message-ID: ${msgId(parts.messageId)}`);
  if (parts.inReplyTo) lines.push(foldLines(`In-Reply-To: ${msgId(parts.inReplyTo)}`, 76));
  if (parts.references?.length) lines.push(foldLines(`References: ${parts.references.map(msgId).join(' ')}`, 76));
  lines.push(`Date: ${parts.date.toUTCString().replace(/GMT/, '+0000')}`);
  lines.push('MIME-Version: 1.0');
  const textPart = quotedPrintable(parts.text);
  if (parts.html === undefined) {
    lines.push('Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: quoted-printable', '', '');
    return Buffer.concat([Buffer.from(lines.join('\r\n'), 'latin1'), textPart]);
  }
  const delimiter = `--${boundary}`;
  const partHeader = (type: string) =>
    `${delimiter}\r\nContent-Type: ${type}; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n`;
  lines.push(`Content-Type: multipart/alternative;\r\n boundary="${boundary}"`, '', partHeader('text/plain'));
  return Buffer.concat([
    Buffer.from(lines.join('\r\n'), 'latin1'),
    textPart,
    Buffer.from(`\r\n${partHeader('text/html')}`, 'latin1'),
    quotedPrintable(parts.html),
    Buffer.from(`\r\n${delimiter}--\r\n`, 'latin1'),
  ]);
}

/** Quoted-printable (RFC 2045 6.7) of the text's UTF-8: lines of at most 76 characters, CRLF line ends. */
export function quotedPrintable(text: string): Buffer {
  const input = Buffer.from(text, 'utf8');
  const n = input.length;
  // Worst case: every byte escaped (3×) plus a soft break (3 bytes) every 25 escapes.
  const out = Buffer.allocUnsafe(n * 3 + Math.ceil(n / 24) * 3 + 2);
  let o = 0;
  let column = 0;
  for (let i = 0; i < n; i++) {
    const byte = input[i]!;
    // Most bytes: printable ASCII, written as themselves (the common path, kept short).
    if (LITERAL[byte] === 1) {
      if (column === 75) {
        out[o++] = 61;
        out[o++] = 0x0d;
        out[o++] = 0x0a;
        column = 0;
      }
      out[o++] = byte;
      column++;
      continue;
    }
    if (byte === 0x0a || (byte === 0x0d && i + 1 < n && input[i + 1] === 0x0a)) {
      if (byte === 0x0d) i++;
      out[o++] = 0x0d;
      out[o++] = 0x0a;
      column = 0;
      continue;
    }
    // A space or tab is written as itself except at a line's end, where transports may strip it.
    const next = i + 1 < n ? input[i + 1]! : 0x0a;
    const blank = (byte === 32 || byte === 9) && next !== 0x0a && !(next === 0x0d && i + 2 < n && input[i + 2] === 0x0a);
    const width = blank ? 1 : 3;
    if (column + width > 75) {
      out[o++] = 61;
      out[o++] = 0x0d;
      out[o++] = 0x0a;
      column = 0;
    }
    if (blank) out[o++] = byte;
    else {
      out[o++] = 61;
      out[o++] = HEX[byte >> 4]!;
      out[o++] = HEX[byte & 15]!;
    }
    column += width;
  }
  return out.subarray(0, o);
}

/** Bytes quoted-printable writes as themselves anywhere: printable ASCII but `=`. */
const LITERAL = new Uint8Array(256).map((_, byte) => (byte >= 33 && byte <= 126 && byte !== 61 ? 1 : 0));
const HEX = Buffer.from('0123456789ABCDEF', 'latin1');
/** Characters a header cannot carry as they are (tab, CR and LF aside: folding and line ends). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what this finds
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/;
const CONTROLS = new RegExp(CONTROL.source, 'g');

/** An unstructured value (Subject, List-Id…): encoded-words where it is not printable ASCII, as nodemailer did. */
function unstructured(value: string): string {
  return CONTROL.test(value) ? encodeWord(value, 'Q', 52) : encodeWords(value, 'Q', 52, true);
}

/** A msg-id: characters that cannot be in a header dropped, angle brackets ensured. */
function msgId(value: string): string {
  let id = value.replace(/\r?\n|\r/g, ' ').replace(CONTROLS, '');
  if (!id.startsWith('<')) id = `<${id}`;
  if (!id.endsWith('>')) id = `${id}>`;
  return id;
}

const parsed = new Map<string, Mailbox>();
/** nodemailer's header encoder, for the rare address that is not plain ASCII (punycode, SMTPUTF8 rules). */
const fallback = new MimeNode('text/plain', { textEncoding: 'Q' });

/** `Name <a@b>`, or a Mailbox, as the value of an address header (the same From is parsed once per process). */
function mailboxHeader(key: string, value: string | Mailbox): string {
  let mailbox: Mailbox;
  if (typeof value === 'string') {
    const known = parsed.get(value);
    if (known) mailbox = known;
    else {
      const [first] = addressparser(value, { flatten: true });
      mailbox = { name: first?.name || null, address: first?.address ?? '' };
      if (parsed.size < 100) parsed.set(value, mailbox);
    }
  } else mailbox = value;
  const { name, address } = mailbox;
  if (!ASCII_ADDRESS.test(address)) {
    return fallback.encodeHeaderValue(key, name ? `${quoteString(name)} <${address}>` : address) as string;
  }
  if (!name) return PLAIN_ADDRESS.test(address) ? address : `<${address}>`;
  return `${encodeName(name)} <${address}>`;
}

/** Printable ASCII without angle brackets: written as it is. */
const ASCII_ADDRESS = /^[\x21-\x3b\x3d\x3f-\x7e]+$/;
const PLAIN_ADDRESS = /^[^\s"(),:;<>@[\\\]]+@[^\s"(),:;<>@[\\\]]+$/;

/** As nodemailer: as is when a word, a quoted-string when printable ASCII, else an encoded-word. */
function encodeName(name: string): string {
  if (/^[\w ]*$/.test(name)) return name;
  if (/^[\x20-\x7e]*$/.test(name)) return quoteString(name);
  return encodeWord(name, 'Q', 52);
}
