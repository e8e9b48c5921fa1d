/**
 * The emulators' own reading of a raw message's headers, written apart from the product's
 * parser (src/mail/) on purpose: a fake that parsed with the code under test would agree
 * with every bug in it. Deliberately minimal — what Gmail and Graph do with a header block
 * before they answer: split it, unfold it, read dates, addresses and encoded words.
 */

export interface RawHeader {
  name: string;
  value: string;
}

/** Everything before the first empty line. */
export function headerBlockOf(raw: string): string {
  const end = raw.search(/\r?\n\r?\n/);
  return end === -1 ? raw : raw.slice(0, end);
}

/** Unfolded headers in order; lines that are neither a field nor a continuation are ignored. */
export function parseHeaderBlock(block: string): RawHeader[] {
  const headers: RawHeader[] = [];
  for (const line of block.split('\n').map((l) => l.replace(/\r$/, ''))) {
    const previous = headers[headers.length - 1];
    if ((line.startsWith(' ') || line.startsWith('\t')) && previous) {
      previous.value = `${previous.value} ${line.trim()}`;
      continue;
    }
    const field = /^([!-9;-~]+)[ \t]*:(.*)$/.exec(line);
    if (field) headers.push({ name: field[1]!, value: field[2]!.trim() });
  }
  return headers;
}

/** Case-insensitive access to headers by name. */
export class HeaderFields {
  readonly #headers: RawHeader[];

  constructor(headers: RawHeader[]) {
    this.#headers = headers;
  }

  all(name: string): string[] {
    const wanted = name.toLowerCase();
    return this.#headers.filter((h) => h.name.toLowerCase() === wanted).map((h) => h.value);
  }

  get(name: string): string | null {
    return this.all(name)[0] ?? null;
  }

  has(name: string): boolean {
    return this.get(name) !== null;
  }
}

/**
 * An RFC 5322 date (comments dropped, two-digit years read as §4.3 says); null when the
 * value is not a date or lies before 1971, which no mail server believes either.
 */
export function parseHeaderDate(value: string | null | undefined): Date | null {
  if (!value) return null;
  const text = value
    .replace(/\([^()]*\)/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(
      /^((?:[A-Za-z]{3}, ?)?\d{1,2} [A-Za-z]{3} )(\d\d) /,
      (_, head: string, yy: string) => `${head}${Number(yy) < 50 ? 20 : 19}${yy} `,
    );
  const ms = Date.parse(text);
  return Number.isNaN(ms) || ms < Date.UTC(1971, 0, 1) ? null : new Date(ms);
}

export interface Mailbox {
  email: string;
  /** The display name, decoded; null when the field has none. */
  name: string | null;
}

/**
 * The mailboxes of address-list fields (From, To, Cc, …): groups flattened, quoted and
 * encoded display names read, entries without an address@domain skipped.
 */
export function parseMailboxes(...values: (string | null | undefined)[]): Mailbox[] {
  const mailboxes: Mailbox[] = [];
  for (const value of values) {
    for (const item of splitList(value ?? '')) {
      const mailbox = readMailbox(item);
      if (mailbox) mailboxes.push(mailbox);
    }
  }
  return mailboxes;
}

/** Splits on commas (and group delimiters) outside quotes, angle brackets and comments. */
function splitList(value: string): string[] {
  const items: string[] = [];
  let current = '';
  let quoted = false;
  let angle = 0;
  let comment = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (quoted) {
      if (c === '\\') current += value[++i] ?? '';
      else if (c === '"') quoted = false;
      current += c === '\\' ? '' : c;
      continue;
    }
    if (c === '"') quoted = true;
    else if (c === '(') comment++;
    else if (c === ')') comment = Math.max(0, comment - 1);
    else if (c === '<') angle++;
    else if (c === '>') angle = Math.max(0, angle - 1);
    else if (angle === 0 && comment === 0) {
      // "Friends: a@x, b@y;" — the group's name is not a mailbox.
      if (c === ':') {
        current = '';
        continue;
      }
      if (c === ',' || c === ';') {
        items.push(current);
        current = '';
        continue;
      }
    }
    current += c;
  }
  items.push(current);
  return items.map((i) => i.trim()).filter(Boolean);
}

function readMailbox(item: string): Mailbox | null {
  const angled = /^(.*?)<([^<>]*)>\s*(?:\(.*\))?$/.exec(item);
  let email: string;
  let name: string;
  if (angled) {
    email = angled[2]!.trim();
    name = angled[1]!.trim();
  } else {
    // "bob@example.com (Bob Smith)": the old comment form of a display name.
    const commented = /^([^\s()]+)\s*\((.*)\)$/.exec(item);
    email = (commented?.[1] ?? item).trim();
    name = commented?.[2]?.trim() ?? '';
  }
  // Exchange stores internal senders as their legacy DN (`"Dana" </O=EXCHANGELABS/…/CN=DANA>`), and Graph serves it as the address.
  const dn = angled !== null && /^\/o=[^/]+\//i.test(email);
  if (!dn && !/^[^\s@]+@[^\s@]+$/.test(email)) return null;
  name = name.replace(/^"(.*)"$/s, '$1').trim();
  return { email, name: name ? decodeEncodedWords(name) : null };
}

/**
 * RFC 2047 encoded words (`=?UTF-8?B?…?=`, `=?iso-8859-1?Q?…?=`); whitespace between two
 * encoded words is dropped, as the RFC says. Unknown charsets stay as written.
 */
export function decodeEncodedWords(value: string): string {
  if (!value.includes('=?')) return value;
  return value
    .replace(/(=\?[^?\s]+\?[BbQq]\?[^?\s]*\?=)\s+(?==\?)/g, '$1')
    .replace(/=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=/g, (word, charset: string, encoding: string, text: string) => {
      try {
        const bytes =
          encoding.toUpperCase() === 'B'
            ? Buffer.from(text, 'base64')
            : Buffer.from(
                text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
                'latin1',
              );
        return new TextDecoder(charset.replace(/\*.*$/, '')).decode(bytes);
      } catch {
        return word;
      }
    });
}
