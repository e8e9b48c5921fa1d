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

function parseOne(value: string): Address[] {
  const result: Address[] = [];
  let parsed: { name: string; address?: string }[];
  try {
    parsed = addressparser(value, { flatten: true });
  } catch {
    return result;
  }
  for (const entry of parsed) {
    const email = (entry.address ?? '').trim().replace(/^<|>$/g, '');
    if (!ADDRESS.test(email)) continue;
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
