import { domainToUnicode } from 'node:url';
import { repairAddress } from '../mail/repair-address.ts';

export { isGarbledAddress, repairAddress } from '../mail/repair-address.ts';

/**
 * Domains known to ignore dots and `+tag`s in the local part. Folding anywhere else would
 * merge different people: `j.smith@` and `jsmith@` are two mailboxes at most companies, and
 * many servers use `-` or nothing at all as their sub-address separator.
 */
const GMAIL_DOMAINS = new Set(['gmail.com', 'googlemail.com']);

/** One domain label after IDNA mapping: letters of any script, digits, marks, `-`, and `_` (seen in real hostnames). */
const LABEL = /^[\p{L}\p{N}\p{M}_-]{1,63}$/u;
const IP_LITERAL = /^\[(?:ipv6:)?[0-9a-f.:]+\]$/;

/**
 * The identity key of an address: the same mailbox always gives the same string, however it
 * was written. Lower-cased (nobody relies on case-sensitive local parts), domains in their
 * Unicode form (`xn--bcher-kva.de` and `BÜCHER.de` are both `bücher.de`) without a trailing
 * dot, and Gmail's dot and `+tag` folding applied at gmail.com and googlemail.com only.
 * Returns null for anything that is not a usable address.
 */
export function normalizeAddress(email: string): string | null {
  if (typeof email !== 'string') return null;
  // The same few addresses recur on thousands of messages; IDNA mapping is not cheap.
  const known = seen.get(email);
  if (known !== undefined) return known;
  const key = normalize(email);
  // An address is at most 254 characters; longer input is not kept (bounded memory).
  if (email.length <= 320) {
    if (seen.size >= SEEN_LIMIT) seen.clear();
    seen.set(email, key);
  }
  return key;
}

/** Addresses normalized lately (a bounded memo: normalization is a pure function of the text). */
const seen = new Map<string, string | null>();
const SEEN_LIMIT = 20_000;

function normalize(email: string): string | null {
  const repaired = repairAddress(email);
  if (repaired === null) return null;
  const value = repaired.address;
  const at = value.lastIndexOf('@');
  let local = value.slice(0, at).normalize('NFC').toLowerCase();
  const domain = normalizeDomain(value.slice(at + 1));
  if (domain === null) return null;

  if (GMAIL_DOMAINS.has(domain)) {
    local = local.replace(/\+.*$/, '').replaceAll('.', '');
    if (local.length === 0) return null;
    return `${local}@gmail.com`;
  }
  return `${local}@${domain}`;
}

function normalizeDomain(raw: string): string | null {
  const lower = raw.toLowerCase();
  if (IP_LITERAL.test(lower)) return lower;
  const trimmed = lower.replace(/\.$/, '');
  // domainToUnicode applies the IDNA mapping (case, width, NFC) and decodes punycode; it
  // returns '' for input that is not a domain at all.
  const unicode = domainToUnicode(trimmed);
  if (!unicode) return null;
  const labels = unicode.split('.');
  // A bare host (`root@localhost`) or a dotted quad without brackets is not a mail domain.
  if (labels.length < 2 || !labels.every((label) => LABEL.test(label))) return null;
  if (/^\d+$/.test(labels.at(-1)!)) return null;
  return unicode;
}

/**
 * A normalized address as people write them: starting and ending with a letter or digit, an
 * apostrophe only between letters (`o'brien@`), dots inside (`j.smith@`, and Exchange's
 * `j..kaminski@enron.com` for a middle initial), domain labels of letters, digits and inner
 * hyphens. Not clean: what some export mangled (`'.''dorothy@enron.com`, `.kim@`, `kim.@`):
 * such an address is never evidence of who someone is or where they work.
 */
export function isCleanAddress(address: string): boolean {
  const at = address.lastIndexOf('@');
  if (at <= 0) return false;
  const local = address.slice(0, at);
  const labels = address.slice(at + 1).split('.');
  return (
    /^[\p{L}\p{N}](?:[\p{L}\p{N}_+-]|\.(?=[\p{L}\p{N}.])|'(?=[\p{L}\p{N}]))*$/u.test(local) &&
    labels.length >= 2 &&
    labels.every((l) => /^[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?$/u.test(l))
  );
}
