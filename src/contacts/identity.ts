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
 * - `same-name-replied`: the person's own reply from the other address — the user wrote to one
 *   address alone and the other answered, alone, in that thread. Enough at free-mail
 *   providers and across organizations at the same time (work and personal mail).
 * - `same-name-moved`: at different domains, one address falling silent before the other
 *   starts (MAX_HANDOVER_OVERLAP_DAYS of overlap at most): a person who changed jobs or
 *   left work mail for a personal address.
 *
 * And kept apart whatever the rules say (issue 15: one person or two): addresses written
 * with different middle initials (`Smith, Mike B` and `Smith, Mike D.`, two entries of one
 * directory); an address without an initial when the name and organization are shared by
 * two such people (it could be either); a garbled address (`.williams@enron.com`, see
 * repairAddress), which stands for whoever an export lost. Every pair of one name that stays
 * two people is reported with why (`splits`), as every merge is with its evidence.
 */
import { isCleanAddress } from './normalize-address.ts';
import { FREE_MAIL_DOMAINS, organizationOf } from './organization.ts';
import { isGarbledAddress } from './normalize-address.ts';

export type IdentityRule = 'same-name-same-org' | 'same-name-replied' | 'same-name-moved' | 'user';

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
  /** Middle initials its names are written with (`Mike B Smith` → `b`); empty or absent when none. */
  initials?: ReadonlySet<string>;
  /** Threads in which the user wrote to this address alone. */
  wroteAlone?: ReadonlySet<string>;
  /** Threads in which this address wrote to the user alone. */
  answeredAlone?: ReadonlySet<string>;
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
  /** How much the evidence rests on: the messages and meetings each address is on. */
  messages?: [number, number];
}

/** Why two addresses written with one name are two people. */
export type SplitReason =
  | 'different-initials'
  | 'ambiguous-name'
  | 'garbled'
  | 'on-one-message'
  | 'free-mail'
  | 'overlap'
  | 'local-part'
  | 'user';

/** Two addresses of one name that stay two people, and why. */
export interface IdentitySplit {
  a: string;
  b: string;
  reason: SplitReason;
}

export interface Identities {
  /** Person key of every address that belongs to a person with more than one address. */
  personOf: Map<string, string>;
  links: IdentityLink[];
  /** Pairs of one name kept apart (each pair once, by the first reason that kept it). */
  splits: IdentitySplit[];
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
  const refused: IdentitySplit[] = [];
  for (const name of [...byName.keys()].sort(compare)) {
    const group = byName.get(name)!;
    if (group.length < 2) continue;
    // Namesake groups are tiny; the guard keeps a pathological input (thousands of one name) linear-ish.
    if (group.length > 20) continue;
    const sorted = [...group].sort((x, y) => x.first - y.first || (x.key < y.key ? -1 : 1));
    const ambiguous = ambiguousAddresses(sorted);
    for (let i = 0; i < sorted.length; i++) {
      for (let j = i + 1; j < sorted.length; j++) {
        const older = sorted[i]!;
        const newer = sorted[j]!;
        const kept = keptApart(older, newer, ambiguous);
        const link = kept === null ? ruleLink(older, newer) : null;
        if (link) candidates.push(link);
        else refused.push({ a: older.key, b: newer.key, reason: kept ?? whyNoRule(older, newer) });
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
    if (splits.some((s) => (left.has(s.a) && right.has(s.b)) || (left.has(s.b) && right.has(s.a)))) {
      refused.push({ a: link.a, b: link.b, reason: 'user' });
      continue;
    }
    parent.set(rb, ra);
    members.set(ra, [...left, ...right]);
    members.delete(rb);
    const pa = byKey.get(link.a);
    const pb = byKey.get(link.b);
    links.push(pa && pb ? { ...link, messages: [pa.sources.size, pb.sources.size] } : link);
  }

  const personOf = new Map<string, string>();
  for (const group of members.values()) {
    const key = group.reduce((best, candidate) => (earlier(byKey.get(candidate), candidate, byKey.get(best), best) ? candidate : best));
    for (const member of group) personOf.set(member, key);
  }
  // A pair refused by the rules may still be one person through a chain or a user merge: then it is no split.
  const seenPairs = new Set<string>();
  const splitsOut: IdentitySplit[] = [];
  for (const split of refused) {
    const id = split.a < split.b ? `${split.a} ${split.b}` : `${split.b} ${split.a}`;
    if (seenPairs.has(id) || (personOf.has(split.a) && personOf.get(split.a) === personOf.get(split.b))) continue;
    seenPairs.add(id);
    splitsOut.push(split);
  }
  return { personOf, links, splits: splitsOut };
}

/**
 * What keeps two addresses of one name apart before any rule is tried: a garbled address,
 * different middle initials, or an address without initials in a group where the name is
 * shared by people with different ones (it could be any of them).
 */
function keptApart(a: AddressProfile, b: AddressProfile, ambiguous: ReadonlySet<string>): SplitReason | null {
  if (isGarbledAddress(a.key) || isGarbledAddress(b.key)) return 'garbled';
  const ia = a.initials ?? EMPTY;
  const ib = b.initials ?? EMPTY;
  if (ia.size > 0 && ib.size > 0 && ![...ia].some((i) => ib.has(i))) return 'different-initials';
  if (ambiguous.has(a.key) || ambiguous.has(b.key)) return 'ambiguous-name';
  return null;
}

const EMPTY: ReadonlySet<string> = new Set();

/**
 * Addresses of a name group that cannot be told apart: without initials, at an organization
 * where the name is written with two different sets of initials (two people).
 */
function ambiguousAddresses(group: AddressProfile[]): Set<string> {
  const result = new Set<string>();
  const byOrg = new Map<string, AddressProfile[]>();
  for (const profile of group) {
    const org = organizationOf(domainOf(profile.key));
    const list = byOrg.get(org) ?? [];
    list.push(profile);
    byOrg.set(org, list);
  }
  for (const members of byOrg.values()) {
    const withInitials = members.filter((m) => (m.initials?.size ?? 0) > 0);
    const distinct = new Set(withInitials.map((m) => [...m.initials!].sort().join('')));
    if (distinct.size < 2) continue;
    for (const m of members) if ((m.initials?.size ?? 0) === 0) result.add(m.key);
  }
  return result;
}

/** Why no rule joined two addresses of one name (for the report of splits). */
function whyNoRule(older: AddressProfile, newer: AddressProfile): SplitReason {
  const name = older.nameKey!;
  if (!localSpellsName(older.key, name) || !localSpellsName(newer.key, name)) return 'local-part';
  if (shareASource(older, newer)) return 'on-one-message';
  const orgA = organizationOf(domainOf(older.key));
  return orgA === organizationOf(domainOf(newer.key)) ? 'free-mail' : 'overlap';
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
  if (orgA === orgB && !FREE_MAIL_DOMAINS.has(orgA)) {
    return {
      a: older.key,
      b: newer.key,
      rule: 'same-name-same-org',
      evidence: `both written as ${quoted} at ${orgA}, never on one message together`,
    };
  }
  // The person's own answer from the other address: at a free-mail provider, or at two
  // organizations at once (work and personal mail side by side), where a name alone is not enough.
  const reply = answeredThread(older, newer) ?? answeredThread(newer, older);
  if (reply !== null) {
    return {
      a: older.key,
      b: newer.key,
      rule: 'same-name-replied',
      evidence: `both written as ${quoted}; ${reply.from} answered a message you sent to ${reply.to} alone`,
    };
  }
  if (orgA === orgB) return null;
  if (older.last - newer.first > MAX_HANDOVER_OVERLAP_DAYS * DAY) return null;
  return {
    a: older.key,
    b: newer.key,
    rule: 'same-name-moved',
    evidence: `both written as ${quoted}; ${older.key} fell silent as ${newer.key} began`,
  };
}

/** `from` wrote alone to the user in a thread where the user had written to `to` alone. */
function answeredThread(to: AddressProfile, from: AddressProfile): { to: string; from: string } | null {
  if (!to.wroteAlone || !from.answeredAlone) return null;
  for (const thread of to.wroteAlone) if (from.answeredAlone.has(thread)) return { to: to.key, from: from.key };
  return null;
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
