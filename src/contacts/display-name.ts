/**
 * Display names as headers write them, turned into the name a person goes by. Directory
 * exports write `Last, First M` (`Watson, Kimberly`, `Kaminski, Vince J`), mail clients
 * `First Last`, some add `(E-mail)` or wrap the name in quotes; all of them mean one name.
 */

import { withoutBidiControls } from '../mail/bidi-controls.ts';

/** Words after a comma that belong to the name rather than start a given name. */
const NAME_SUFFIXES = /^(jr|sr|ii|iii|iv|phd|md|esq|inc|llc|ltd|co|corp|gmbh|ag|sa|plc|bv|cpa|mba)\.?$/i;
/** What address books append to a name to say which of its entries this is. */
const ENTRY_NOTE = /\s*\((e-?mail|email \d|business fax|home|work|mobile|office)\)\s*$/i;

/**
 * The name to show for a display name seen in a header: quotes, entry notes and bidi
 * controls dropped, `Last, First` turned around, spaces collapsed. Null for anything that is not a name (empty,
 * an address, an Exchange path, a bare `undisclosed-recipients`).
 */
export function displayNameOf(raw: string | null | undefined, email?: string): string | null {
  if (!raw) return null;
  let name = withoutBidiControls(raw)
    .replace(/\s+/g, ' ')
    .replace(/^["'\s]+|["'\s]+$/g, '')
    .replace(ENTRY_NOTE, '')
    .replace(/^["'\s]+|["'\s]+$/g, '')
    .trim();
  if (!name || name.includes('@') || name.startsWith('/') || !/\p{L}/u.test(name)) return null;
  if (email && name.toLowerCase() === email.toLowerCase()) return null;
  const comma = /^([^,]+),\s*([^,]+)$/.exec(name);
  if (comma && !NAME_SUFFIXES.test(comma[2]!.trim())) name = `${comma[2]!.trim()} ${comma[1]!.trim()}`;
  return name;
}

/**
 * How well a name identifies a person, for choosing which of several to show: a full name in
 * natural case (2) beats a single word or a name in capitals or lower case (1).
 */
export function nameQuality(name: string): number {
  const words = name.split(' ').filter((w) => /\p{L}{2,}/u.test(w));
  const natural = name !== name.toUpperCase() && name !== name.toLowerCase();
  return words.length >= 2 && natural ? 2 : 1;
}

/**
 * The comparable form of a name, for identity: lower case, accents and punctuation gone,
 * initials dropped (`Vince J Kaminski` and `Vince Kaminski` are one name), words in
 * alphabetical order (`Watson Kimberly` is `Kimberly Watson`). Null when fewer
 * than two words of two letters or more remain: a first name alone identifies nobody.
 */
export function nameKey(name: string | null | undefined): string | null {
  if (!name) return null;
  const words = name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s'-]/gu, ' ')
    .split(/[\s'-]+/)
    .filter((w) => w.length >= 2 && /^\p{L}+$/u.test(w));
  // In sorted order: exports write "Watson Kimberly" as often as "Kimberly Watson".
  return words.length >= 2 ? words.sort().join(' ') : null;
}

/**
 * The middle initials of a name as displayNameOf gives it (`Mike B Smith` → `['b']`,
 * `Jason R (Credit) Williams` → `['r']`): single letters between the first and the last word.
 * Two people of one directory often differ only there (`Smith, Mike B`, `Smith, Mike D.`).
 */
export function middleInitials(name: string): string[] {
  const words = name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/\([^()]*\)/g, ' ')
    .split(/\s+/)
    .filter(Boolean);
  return words
    .slice(1, -1)
    .map((w) => w.replace(/\.$/, '').toLowerCase())
    .filter((w) => /^\p{L}$/u.test(w));
}
