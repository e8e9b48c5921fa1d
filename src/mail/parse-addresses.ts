import addressparser from 'nodemailer/lib/addressparser';
import type { Address } from './types.ts';
import { decodeWords } from './decode-words.ts';

const ADDRESS = /^[^\s@<>()",;:]+@[^\s@<>()",;:]+\.[^\s@<>()",;:.]+$|^[^\s@<>()",;:]+@\[[0-9a-f.:]+\]$/i;

/**
 * Parses an address-list header (To, Cc, From, …) into mailboxes. Groups are flattened,
 * encoded display names decoded, and entries without a usable address (`undisclosed-
 * recipients:;`, `bad@@`) dropped. Never throws.
 */
export function parseAddressList(...values: (string | null | undefined)[]): Address[] {
  const result: Address[] = [];
  for (const value of values) {
    if (!value) continue;
    let parsed = seen.get(value);
    if (parsed === undefined) {
      parsed = parseOne(value);
      // Only short values are kept: a bounded count of unbounded strings is unbounded memory
      // (found by npm run chaos: distinct 4,000-recipient Cc lists held hundreds of MB).
      if (value.length <= MEMO_MAX_LENGTH) {
        if (seen.size >= SEEN_LIMIT) seen.clear();
        seen.set(value, parsed);
      }
    }
    // Copies: callers own what they get.
    for (const address of parsed) result.push({ email: address.email, name: address.name });
  }
  return result;
}

/** Header values parsed lately: a mailbox repeats the same From and To on thousands of messages. */
const seen = new Map<string, readonly Address[]>();
const SEEN_LIMIT = 10_000;
/** Longer header values are parsed every time (repeated From and To lines are short). */
export const MEMO_MAX_LENGTH = 1_000;

/**
 * Like parseAddressList, but keeps the mailboxes that have no SMTP address, for the resolver
 * (src/contacts/exchange-directory.ts) to find theirs: Exchange directory entries
 * (`"Bailey, Susan" </O=ENRON/OU=NA/CN=RECIPIENTS/CN=SBAILE2>`, `EX:/O=…`) come with `email`
 * empty and `dn` set, recipients written as a display name only (`"Watson, Kimberly"`) with
 * `email` empty and `name` set. Group names and empty entries are still dropped.
 */
export function parseMailboxList(...values: (string | null | undefined)[]): Address[] {
  const result: Address[] = [];
  for (const value of values) {
    if (!value) continue;
    let parsed = seenMailboxes.get(value);
    if (parsed === undefined) {
      parsed = parseOne(value, true);
      if (value.length <= MEMO_MAX_LENGTH) {
        if (seenMailboxes.size >= SEEN_LIMIT) seenMailboxes.clear();
        seenMailboxes.set(value, parsed);
      }
    }
    // Copies: callers own what they get.
    for (const address of parsed) result.push({ ...address });
  }
  return result;
}

/** Like `seen`, for parseMailboxList (which keeps entries parseAddressList drops). */
const seenMailboxes = new Map<string, readonly Address[]>();

function parseOne(value: string, keepUnresolved = false): Address[] {
  const result: Address[] = [];
  let parsed: { name: string; address?: string }[];
  try {
    parsed = addressparser(value, { flatten: true });
  } catch {
    return result;
  }
  for (const entry of parsed) {
    const email = (entry.address ?? '').trim().replace(/^<|>$/g, '');
    if (!ADDRESS.test(email)) {
      if (keepUnresolved) {
        const unresolved = unresolvedMailbox(email, decodeWords(entry.name ?? ''));
        if (unresolved) result.push(unresolved);
      }
      continue;
    }
    const name = cleanName(decodeWords(entry.name ?? ''), email);
    result.push({ email, name });
  }
  return result;
}

export function parseAddress(value: string | null | undefined): Address | null {
  return parseAddressList(value)[0] ?? null;
}

/** Drops quotes and names that merely repeat the address. */
function cleanName(name: string, email: string): string | null {
  const trimmed = name.replace(/^["'\s]+|["'\s]+$/g, '').replace(/\s+/g, ' ');
  if (!trimmed || trimmed.toLowerCase() === email.toLowerCase()) return null;
  return trimmed;
}

/** A legacy Exchange DN (`/O=…/OU=…/CN=…`), lower-cased (directory names ignore case); null for anything else. */
export function exchangeDn(value: string | null | undefined): string | null {
  if (!value) return null;
  const trimmed = value.trim().replace(/^ex:/i, '').trim();
  return /^\/o=[^/]+(\/(ou|cn)=[^/]*)+$/i.test(trimmed) ? trimmed.toLowerCase() : null;
}

/** A DN in place of the address, or a display name without any address; null for junk (`undisclosed-recipients`). */
function unresolvedMailbox(address: string, rawName: string): Address | null {
  const dn = exchangeDn(address) ?? exchangeDn(rawName);
  const name = rawName.replace(/^["'\s]+|["'\s]+$/g, '').replace(/\s+/g, ' ');
  if (dn) return { email: '', name: exchangeDn(name) || !name ? null : name, dn };
  // A bare word with no letters, an address-like fragment, or a group's name is not a person.
  if (address || !name || name.includes('@') || !/\p{L}/u.test(name) || /^undisclosed/i.test(name)) return null;
  return { email: '', name };
}
