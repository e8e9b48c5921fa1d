/**
 * One person under several addresses. Merging two people by mistake is worse than showing
 * one person twice (a reminder about the wrong "John Smith", or someone hidden behind a
 * namesake's recent mail), so addresses are merged only on strong evidence, every merge
 * says which rule made it, and the user can undo it (a `split` decision) or make one
 * (a `merge` decision). Pure: profiles and decisions in, a person per address out.
 *
 * The rules, each requiring the same full name (see nameKey: two words or more, initials and
 * accents aside) as the name each address is most often written with, local parts that
 * both spell part of that name, and the two addresses never on one message or meeting
 * together (two mailboxes of one person are not both addressed at once; two namesakes are):
 *
 * - `same-name-same-org`: both at the same organization (`kwatson@enron.com`,
 *   `kimberly.watson@enron.com`; `ect.enron.com` is enron.com). Not at free-mail providers,
 *   where a name is shared by thousands.
 * - `same-name-moved`: at different domains, one address falling silent before the other
 *   starts (MAX_HANDOVER_OVERLAP_DAYS of overlap at most): a person who changed jobs or
 *   left work mail for a personal address.
 */
import { isCleanAddress } from './normalize-address.ts';
import { FREE_MAIL_DOMAINS, organizationOf } from './organization.ts';

export type IdentityRule = 'same-name-same-org' | 'same-name-moved' | 'user';

export interface AddressProfile {
  /** Normalized address (the identity key of its interactions). */
  key: string;
  /** The name this address is most often written with, as nameKey gives it; null when none. */
  nameKey: string | null;
  /** First and last interaction with this address, ms since the epoch. */
  first: number;
  last: number;
  /** Messages and meetings this address is on (interactions' sourceKeys). */
  sources: ReadonlySet<string> | ReadonlyMap<string, unknown>;
}

/** The user's own word: these two addresses are one person, or are two people. */
export interface IdentityDecision {
  a: string;
  b: string;
  decision: 'merge' | 'split';
}

/** Why two addresses are one person. */
export interface IdentityLink {
  a: string;
  b: string;
  rule: IdentityRule;
  /** A sentence a person can check. */
  evidence: string;
}

export interface Identities {
  /** Person key of every address that belongs to a person with more than one address. */
  personOf: Map<string, string>;
  links: IdentityLink[];
}

/** How long a new address may overlap the old one and still read as a move. */
export const MAX_HANDOVER_OVERLAP_DAYS = 30;
const DAY = 86_400_000;

/**
 * Which addresses are one person. The person's key is its address seen first (so a person's
 * key, and the marks on it, stay put when a newer address joins), ties broken by spelling.
 * User decisions win: a `split` pair never ends up in one person, whatever chain of links
 * would join them; a `merge` joins two addresses whatever the rules say.
 */
export function resolveIdentities(profiles: Iterable<AddressProfile>, decisions: readonly IdentityDecision[] = []): Identities {
  const byKey = new Map<string, AddressProfile>();
  const byName = new Map<string, AddressProfile[]>();
  for (const profile of profiles) {
    byKey.set(profile.key, profile);
    if (profile.nameKey === null) continue;
    const group = byName.get(profile.nameKey);
    if (group) group.push(profile);
    else byName.set(profile.nameKey, [profile]);
  }

  const splits = decisions.filter((d) => d.decision === 'split' && d.a !== d.b);
  // Candidates in a fixed order (user merges by address, then name groups by name), so the
  // answer never depends on the order profiles or decisions come in.
  const candidates: IdentityLink[] = [];
  const merges = decisions.filter((d) => d.decision === 'merge' && d.a !== d.b).sort((x, y) => compare(x.a, y.a) || compare(x.b, y.b));
  for (const d of merges) candidates.push({ a: d.a, b: d.b, rule: 'user', evidence: 'merged by you' });
  for (const name of [...byName.keys()].sort(compare)) {
    const group = byName.get(name)!;
    if (group.length < 2) continue;
    // Namesake groups are tiny; the guard keeps a pathological input (thousands of one name) linear-ish.
    if (group.length > 20) continue;
    const sorted = [...group].sort((x, y) => x.first - y.first || (x.key < y.key ? -1 : 1));
    for (let i = 0; i < sorted.length; i++) {
      for (let j = i + 1; j < sorted.length; j++) {
        const link = ruleLink(sorted[i]!, sorted[j]!);
        if (link) candidates.push(link);
      }
    }
  }

  // Union-find over addresses; a union that would put a split pair together is refused.
  const parent = new Map<string, string>();
  const find = (key: string): string => {
    let root = key;
    while (parent.has(root) && parent.get(root) !== root) root = parent.get(root)!;
    parent.set(key, root);
    return root;
  };
  const members = new Map<string, string[]>();
  const membersOf = (root: string) => members.get(root) ?? [root];
  const links: IdentityLink[] = [];
  for (const link of candidates) {
    const ra = find(link.a);
    const rb = find(link.b);
    if (ra === rb) continue;
    const left = new Set(membersOf(ra));
    const right = new Set(membersOf(rb));
    if (splits.some((s) => (left.has(s.a) && right.has(s.b)) || (left.has(s.b) && right.has(s.a)))) continue;
    parent.set(rb, ra);
    members.set(ra, [...left, ...right]);
    members.delete(rb);
    links.push(link);
  }

  const personOf = new Map<string, string>();
  for (const group of members.values()) {
    const key = group.reduce((best, candidate) => (earlier(byKey.get(candidate), candidate, byKey.get(best), best) ? candidate : best));
    for (const member of group) personOf.set(member, key);
  }
  return { personOf, links };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function earlier(a: AddressProfile | undefined, aKey: string, b: AddressProfile | undefined, bKey: string): boolean {
  const af = a?.first ?? Infinity;
  const bf = b?.first ?? Infinity;
  return af < bf || (af === bf && aKey < bKey);
}

function ruleLink(older: AddressProfile, newer: AddressProfile): IdentityLink | null {
  const name = older.nameKey!;
  // A mangled address (`'.''dorothy@enron.com`) says nothing of who wrote it.
  if (!isCleanAddress(older.key) || !isCleanAddress(newer.key)) return null;
  if (!localSpellsName(older.key, name) || !localSpellsName(newer.key, name)) return null;
  if (shareASource(older, newer)) return null;
  const orgA = organizationOf(domainOf(older.key));
  const orgB = organizationOf(domainOf(newer.key));
  const quoted = `"${name}"`;
  if (orgA === orgB) {
    if (FREE_MAIL_DOMAINS.has(orgA)) return null;
    return {
      a: older.key,
      b: newer.key,
      rule: 'same-name-same-org',
      evidence: `both written as ${quoted} at ${orgA}, never on one message together`,
    };
  }
  if (older.last - newer.first > MAX_HANDOVER_OVERLAP_DAYS * DAY) return null;
  return {
    a: older.key,
    b: newer.key,
    rule: 'same-name-moved',
    evidence: `both written as ${quoted}; ${older.key} fell silent as ${newer.key} began`,
  };
}

function domainOf(key: string): string {
  return key.slice(key.lastIndexOf('@') + 1);
}

/**
 * The local part spells part of the name: it contains a word of the name of three letters
 * or more, or the first five letters of one (`lcampbel` for Campbell, `vkamins` for
 * Kaminski). Shared mailboxes that merely carry a person's name in a display name
 * (`Jane Doe via Support <support@>`) do not.
 */
export function localSpellsName(address: string, nameKey: string): boolean {
  const local = address
    .slice(0, address.lastIndexOf('@'))
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[^\p{L}]/gu, '')
    .toLowerCase();
  return nameKey.split(' ').some((word) => word.length >= 3 && local.includes(word.length > 5 ? word.slice(0, 5) : word));
}

function shareASource(a: AddressProfile, b: AddressProfile): boolean {
  const [small, large] = a.sources.size <= b.sources.size ? [a.sources, b.sources] : [b.sources, a.sources];
  for (const source of small.keys()) if (large.has(source)) return true;
  return false;
}
