import addressparser from 'nodemailer/lib/addressparser';
import type { Address } from '../providers/types.ts';
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
    let parsed: { name: string; address?: string }[];
    try {
      parsed = addressparser(value, { flatten: true });
    } catch {
      continue;
    }
    for (const entry of parsed) {
      const email = (entry.address ?? '').trim().replace(/^<|>$/g, '');
      if (!ADDRESS.test(email)) continue;
      const name = cleanName(decodeWords(entry.name ?? ''), email);
      result.push({ email, name });
    }
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
