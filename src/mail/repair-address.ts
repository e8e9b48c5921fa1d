/**
 * Addresses as exports and clients really write them: wrapped in quotes, brackets or
 * `mailto:`, followed by punctuation, or damaged beyond repair by an export that lost a name.
 * Here, because both header parsing (src/mail) and identity (src/contacts) need one answer.
 */

/** RFC 5321 allows 254 characters in a path; real VERP addresses go a little beyond. */
const MAX_LENGTH = 320;
/** Characters that cannot appear unquoted in a local part; quoted local parts are not supported. */
const LOCAL_FORBIDDEN = /[\s\p{Cc}<>()[\]\\,;:"@]/u;

/** What repairAddress made of an address as written. */
export interface RepairedAddress {
  /** The address with its wrapping removed (`mailto:`, brackets, quotes, trailing punctuation), case as written. */
  address: string;
  /** Something around the address had to be removed: the written form was not an address as it stood. */
  repaired: boolean;
  /**
   * The local part itself is damaged in a way no repair can undo with certainty (`.taylor@`,
   * `'.'mike@`, `'.''dorothy@`: Exchange exports that lost a name). Such an address is kept
   * apart as it is: never merged into another person, never the basis of a reason.
   */
  garbled: boolean;
}

/** Wrappers an address is found in, each removed only when it encloses the whole value. */
const WRAPPERS: [string, string][] = [
  ['<', '>'],
  ["'", "'"],
  ['"', '"'],
  ['[', ']'],
  ['(', ')'],
];
/** Punctuation that sentences and lists leave after an address (`write to ann@example.org.`). */
const TRAILING = /[.,;:>)\]}'"]+$/;
/** Punctuation left before one (`(ann@example.org`, `<<ann@…`, `:ann@…`). */
const LEADING_WRAP = /^[<(["\s:;,]+/;
/** A local part that starts or ends with quotes or dots, or holds quote-dot runs: a name the export lost. */
const GARBLED_LOCAL = /^['.]|['.]$|'\.'|\.''|''/;

/**
 * The unique repair of an address as written, or null when it is not one at all. Wrappers
 * that enclose the whole value (`mailto:`, `<…>`, `'…'`, `"…"`, `[…]`) and punctuation
 * trailing the domain are certain to be no part of the address: they are removed and the
 * result says `repaired`. A damaged local part (`.taylor@enron.com`, `'.'mike@enron.com`) has
 * no certain repair: it is kept as written and flagged `garbled`.
 */
export function repairAddress(email: string): RepairedAddress | null {
  if (typeof email !== 'string') return null;
  const original = email.trim();
  let value = original;
  for (let changed = true; changed; ) {
    changed = false;
    if (/^mailto:/i.test(value)) {
      value = value.slice(7).trim();
      changed = true;
    }
    for (const [open, close] of WRAPPERS) {
      if (value.length > 2 && value.startsWith(open) && value.endsWith(close)) {
        value = value.slice(1, -1).trim();
        changed = true;
      }
    }
  }
  const at = value.lastIndexOf('@');
  if (at <= 0) return null;
  // Trailing punctuation belongs to the domain side only: a local part may end in a quote.
  const rawDomain = value.slice(at + 1);
  const domainSide = rawDomain.startsWith('[')
    ? rawDomain.replace(/\][^\]]*$/, ']')
    : rawDomain.replace(TRAILING, (tail) => (tail.startsWith('.') && tail.length === 1 ? tail : ''));
  let local = value.slice(0, at);
  // A leading wrapper without its closing half (`<ann@example.org`, `(ann@…`).
  if (LEADING_WRAP.test(local) && !local.startsWith("'")) local = local.replace(LEADING_WRAP, '');
  value = `${local}@${domainSide}`;
  if (value.length === 0 || value.length > MAX_LENGTH || local.length === 0 || domainSide.length === 0) return null;
  if (LOCAL_FORBIDDEN.test(local)) return null;
  return { address: value, repaired: value !== original, garbled: GARBLED_LOCAL.test(local) };
}

/** The key (or written form) is a garbled address (see repairAddress): to be kept apart and never reasoned about. */
export function isGarbledAddress(email: string): boolean {
  const local = email.slice(0, email.lastIndexOf('@'));
  return local.length > 0 && GARBLED_LOCAL.test(local);
}
