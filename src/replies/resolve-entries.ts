/**
 * Which of a digest's entries a command means: its numbers as they are, its names matched
 * against that digest's own people only — full name, first or last name, address or the
 * part before the @, ignoring case and accents. A name that fits nobody, or more than one
 * person, resolves to nothing: the command is refused and the person told why, never guessed.
 * Pure.
 */
import type { ReplyCommand } from './parse-commands.ts';

export interface ResolvableEntry {
  position: number;
  name: string | null;
  email: string;
}

export type Resolution = { ok: true; positions: number[]; missing: number[] } | { ok: false; problem: string };

export function resolveEntries(command: Pick<ReplyCommand, 'items' | 'names'>, entries: ResolvableEntry[]): Resolution {
  const positions: number[] = [];
  const missing: number[] = [];
  const known = new Set(entries.map((e) => e.position));
  for (const n of command.items) {
    if (!known.has(n)) missing.push(n);
    else if (!positions.includes(n)) positions.push(n);
  }
  for (const name of command.names ?? []) {
    const found = matches(name, entries);
    if (found.length === 0) return { ok: false, problem: `there is no one called “${name}” in that list` };
    if (found.length > 1) {
      const who = found.map((e) => `${e.position} (${e.name ?? e.email})`).join(' or ');
      return { ok: false, problem: `“${name}” could be ${who}; write the number instead` };
    }
    if (!positions.includes(found[0]!.position)) positions.push(found[0]!.position);
  }
  return { ok: true, positions, missing };
}

function matches(name: string, entries: ResolvableEntry[]): ResolvableEntry[] {
  const wanted = fold(name);
  if (wanted === '') return [];
  const exact = entries.filter((e) => keysOf(e).full.includes(wanted));
  if (exact.length > 0) return exact;
  return entries.filter((e) => keysOf(e).parts.includes(wanted));
}

/** Full forms (the whole name, the address, its local part) and parts (first or last name). */
function keysOf(entry: ResolvableEntry): { full: string[]; parts: string[] } {
  const email = entry.email.toLowerCase();
  // "grace.okafor" is a full name; a single-word local part ("alex") is as loose as a first name.
  const local = fold(email.split('@')[0]!.replace(/[._-]+/g, ' '));
  const name = entry.name ? fold(entry.name.replace(/\(.*?\)|".*?"|<.*?>/g, ' ')) : '';
  const words = name.split(' ').filter((w) => w.length > 1);
  return {
    full: [name, email, local.includes(' ') ? local : ''].filter((k) => k !== ''),
    parts: [...(words.length > 1 ? [words[0]!, words.at(-1)!] : words), ...(local.includes(' ') ? [] : [local])],
  };
}

/** Lower case, no accents, no punctuation, single spaces: "Jonas Wéber" → "jonas weber". */
export function fold(value: string): string {
  return value
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[’'`]/g, '')
    .replace(/[^\p{L}\p{N}@.+-]+/gu, ' ')
    .replace(/(?<![\p{L}\p{N}])[.+-]+|[.+-]+(?![\p{L}\p{N}])/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
