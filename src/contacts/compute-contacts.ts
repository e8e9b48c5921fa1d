import { cadenceDays } from './cadence.ts';
import { displayNameOf, nameKey, nameQuality } from './display-name.ts';
import { type AddressProfile, type IdentityDecision, type IdentityLink, resolveIdentities } from './identity.ts';
import { organizationOfAddress } from './organization.ts';
import { ageFactor, strengthOf } from './strength.ts';
import type { ContactSummary, InteractionRecord } from './types.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Lighter interactions are crowd mail (a message to 30+ people, a 50-person meeting, a big
 * Cc). They are facts — the user did write to everyone on the all-hands note, so it counts
 * and dates `lastOutboundAt` — but they are not "being in touch": they cannot make a contact
 * on their own, move `lastContactAt` (the "you last talked" date), shape the cadence or add
 * strength. Being one of hundreds on a holiday mailing must not hide someone from the digest.
 */
export const NOISE_WEIGHT = 0.1;

/**
 * A past meeting this heavy makes a contact on its own: with the default weights, a meeting
 * of up to eight people that the user accepted, or a 1:1 the user marked tentative. An
 * invitation nobody answered, or a seat in a big meeting, is not an exchange.
 */
export const MEETING_CONTACT_WEIGHT = 0.5;

export interface ComputeOptions {
  /** Everything at or before this instant is history; later meetings are upcoming. */
  asOf: Date;
  /** The user's own merge and split decisions (see identity.ts). */
  identities?: readonly IdentityDecision[];
}

/**
 * Folds interactions into one summary per person the user has actually exchanged with: mail
 * both ways with at least one direction personal (not crowd mail), or one past meeting of at
 * least MEETING_CONTACT_WEIGHT. One-way senders, people written to without an answer, and
 * people met only in crowds are not contacts. Duplicates of one (sourceKey, contact, kind)
 * count once, the heaviest copy. Addresses of one person (see identity.ts) fold into one
 * summary, keyed by the person's first-seen address.
 *
 * Two passes over the input (grouping, then per-person folding); only each person's distinct
 * days are sorted (for the cadence), so 100,000 interactions take tens of milliseconds.
 * Sorted by strength, strongest first.
 */
export function computeContacts(interactions: Iterable<InteractionRecord>, options: ComputeOptions): ContactSummary[] {
  const asOf = options.asOf.getTime();
  if (Number.isNaN(asOf)) throw new RangeError('computeContacts: asOf is not a valid date');

  // Grouped by address first, each address's records keyed by source: a duplicate is spotted
  // without building a composite key for every record (this loop is most of the cost).
  const byAddress = new Map<string, Map<string, InteractionRecord>>();
  for (const record of interactions) {
    const at = record.occurredAt?.getTime();
    if (!record.contact || at === undefined || Number.isNaN(at)) continue;
    if (!(record.weight > 0) || !Number.isFinite(record.weight)) continue;
    let sources = byAddress.get(record.contact);
    if (!sources) {
      sources = new Map();
      byAddress.set(record.contact, sources);
    }
    let key = record.sourceKey;
    let seen = sources.get(key);
    // One source gives one kind per person in practice; a second kind gets its own slot.
    if (seen && seen.kind !== record.kind) {
      key = `${record.kind}\u0000${record.sourceKey}`;
      seen = sources.get(key);
    }
    if (!seen || record.weight > seen.weight) sources.set(key, record);
  }

  // Names repeat on thousands of records; each raw form is cleaned once.
  const names = new Map<string, string | null>();
  const nameOf = (record: InteractionRecord): string | null => {
    const raw = record.contactName;
    if (!raw) return null;
    let name = names.get(raw);
    if (name === undefined) {
      name = displayNameOf(raw, record.address);
      names.set(raw, name);
    }
    return name;
  };

  const { personOf, links } = resolveIdentities(profilesOf(byAddress, asOf, nameOf), options.identities ?? []);
  const people = new Map<string, string[]>();
  for (const address of byAddress.keys()) {
    const person = personOf.get(address) ?? address;
    const members = people.get(person);
    if (members) members.push(address);
    else people.set(person, [address]);
  }
  const linksOf = new Map<string, IdentityLink[]>();
  for (const link of links) {
    const person = personOf.get(link.a)!;
    const list = linksOf.get(person);
    if (list) list.push(link);
    else linksOf.set(person, [link]);
  }

  const contacts: ContactSummary[] = [];
  for (const [person, members] of people) {
    const acc = newAccumulator();
    if (members.length === 1) {
      for (const record of byAddress.get(person)!.values()) add(acc, record, asOf, nameOf);
    } else {
      // A message to two addresses of one person (a user merge can join such) counts once.
      const seen = new Set<string>();
      for (const member of members) {
        for (const record of byAddress.get(member)!.values()) {
          const id = `${record.kind}\u0000${record.sourceKey}`;
          if (seen.has(id)) continue;
          seen.add(id);
          add(acc, record, asOf, nameOf);
        }
      }
    }
    const summary = summarize(person, acc, asOf, linksOf.get(person) ?? []);
    if (summary) contacts.push(summary);
  }
  return contacts.sort((a, b) => b.strength - a.strength || (a.email < b.email ? -1 : a.email > b.email ? 1 : 0));
}

/** What identity needs to know of each address: its usual name, when it was active, where it appeared. */
function profilesOf(
  byAddress: Map<string, Map<string, InteractionRecord>>,
  asOf: number,
  nameOf: (record: InteractionRecord) => string | null,
): AddressProfile[] {
  const profiles: AddressProfile[] = [];
  for (const [key, sources] of byAddress) {
    const names = new Map<string, Tally>();
    let first = Infinity;
    let last = -Infinity;
    for (const record of sources.values()) {
      const at = record.occurredAt.getTime();
      if (at > asOf) continue;
      if (at < first) first = at;
      if (at > last) last = at;
      const name = nameOf(record);
      if (name) tally(names, name, at);
    }
    if (!Number.isFinite(first)) continue;
    profiles.push({ key, nameKey: nameKey(bestName(names)), first, last, sources });
  }
  return profiles;
}

interface Tally {
  count: number;
  last: number;
}

interface Accumulator {
  first: number;
  /** Last personal (non-crowd) interaction of any kind: "you last talked". */
  last: number;
  /** Last mail each way, crowd mail included: plain facts. */
  lastSent: number;
  lastReceived: number;
  /** Last personal mail each way: who wrote last. */
  lastPersonalSent: number;
  lastPersonalReceived: number;
  lastMeeting: number;
  nextMeeting: number;
  sentCount: number;
  receivedCount: number;
  meetingCount: number;
  /** Aged weighted volumes (weight × ageFactor) of personal interactions, for strength. */
  sentVolume: number;
  receivedVolume: number;
  meetingVolume: number;
  heaviestMeeting: number;
  days: Set<number>;
  names: Map<string, Tally>;
  /** Written forms, per normalized address. */
  addresses: Map<string, Tally & { key: string }>;
  /** Last activity of each normalized address of the person. */
  keys: Map<string, { first: number; last: number }>;
  subject: string | null;
  subjectAt: number;
  thread: string | null;
}

function newAccumulator(): Accumulator {
  return {
    first: Infinity,
    last: -Infinity,
    lastSent: -Infinity,
    lastReceived: -Infinity,
    lastPersonalSent: -Infinity,
    lastPersonalReceived: -Infinity,
    lastMeeting: -Infinity,
    nextMeeting: Infinity,
    sentCount: 0,
    receivedCount: 0,
    meetingCount: 0,
    sentVolume: 0,
    receivedVolume: 0,
    meetingVolume: 0,
    heaviestMeeting: 0,
    days: new Set(),
    names: new Map(),
    addresses: new Map(),
    keys: new Map(),
    subject: null,
    subjectAt: -Infinity,
    thread: null,
  };
}

function add(acc: Accumulator, record: InteractionRecord, asOf: number, nameOf: (record: InteractionRecord) => string | null): void {
  const at = record.occurredAt.getTime();
  const personal = record.weight >= NOISE_WEIGHT;
  if (at > asOf) {
    // The future is not history: only an upcoming meeting says something (skip the reminder).
    if (record.kind === 'meeting' && personal && at < acc.nextMeeting) acc.nextMeeting = at;
    return;
  }
  if (at < acc.first) acc.first = at;
  const key = acc.keys.get(record.contact);
  if (!key) acc.keys.set(record.contact, { first: at, last: at });
  else {
    if (at < key.first) key.first = at;
    if (at > key.last) key.last = at;
  }
  const address = record.address || record.contact;
  const written = acc.addresses.get(address);
  if (written) {
    written.count++;
    if (at > written.last) written.last = at;
  } else {
    acc.addresses.set(address, { count: 1, last: at, key: record.contact });
  }
  const name = nameOf(record);
  if (name) tally(acc.names, name, at);

  switch (record.kind) {
    case 'sent':
      if (at > acc.lastSent) acc.lastSent = at;
      if (!personal) return;
      acc.sentCount++;
      if (at > acc.lastPersonalSent) acc.lastPersonalSent = at;
      break;
    case 'received':
      if (at > acc.lastReceived) acc.lastReceived = at;
      if (!personal) return;
      acc.receivedCount++;
      if (at > acc.lastPersonalReceived) acc.lastPersonalReceived = at;
      break;
    case 'meeting':
      if (!personal) return;
      acc.meetingCount++;
      if (at > acc.lastMeeting) acc.lastMeeting = at;
      if (record.weight > acc.heaviestMeeting) acc.heaviestMeeting = record.weight;
      break;
  }

  const volume = record.weight * ageFactor((asOf - at) / DAY_MS);
  if (record.kind === 'sent') acc.sentVolume += volume;
  else if (record.kind === 'received') acc.receivedVolume += volume;
  else acc.meetingVolume += volume;
  if (at > acc.last) acc.last = at;
  acc.days.add(Math.floor(at / DAY_MS));
  if (record.subject && at >= acc.subjectAt && withoutReplyPrefixes(record.subject)) {
    acc.subject = record.subject;
    acc.subjectAt = at;
    acc.thread = record.threadKey;
  }
}

function tally(counts: Map<string, Tally>, value: string, at: number): void {
  const seen = counts.get(value);
  if (seen) {
    seen.count++;
    if (at > seen.last) seen.last = at;
  } else {
    counts.set(value, { count: 1, last: at });
  }
}

function summarize(key: string, acc: Accumulator, asOf: number, links: IdentityLink[]): ContactSummary | null {
  const personal = Number.isFinite(acc.last);
  // Mail both ways, at least one of them personal (counts are of personal mail only).
  const exchanged = Number.isFinite(acc.lastSent) && Number.isFinite(acc.lastReceived) && acc.sentCount + acc.receivedCount > 0;
  if (!personal || (!exchanged && acc.heaviestMeeting < MEETING_CONTACT_WEIGHT)) return null;

  const days = [...acc.days].sort((a, b) => a - b);
  // Write to the address the person used last; show it the way it is most often written.
  const keys = [...acc.keys].sort((a, b) => a[1].first - b[1].first || (a[0] < b[0] ? -1 : 1));
  const current = keys.reduce((best, entry) => (entry[1].last > best[1].last ? entry : best));
  const forms = new Map([...acc.addresses].filter(([, t]) => t.key === current[0]));
  const lastPersonalMail = Math.max(acc.lastPersonalSent, acc.lastPersonalReceived);
  return {
    key,
    email: mostSeen(forms) ?? current[0],
    name: bestName(acc.names),
    addresses: keys.map(([address]) => address),
    identityLinks: links,
    firstContactAt: new Date(acc.first),
    lastContactAt: new Date(acc.last),
    lastOutboundAt: dateOrNull(acc.lastSent),
    lastInboundAt: dateOrNull(acc.lastReceived),
    lastMeetingAt: dateOrNull(acc.lastMeeting),
    nextMeetingAt: dateOrNull(acc.nextMeeting),
    sentCount: acc.sentCount,
    receivedCount: acc.receivedCount,
    meetingCount: acc.meetingCount,
    cadenceDays: cadenceDays(days),
    strength: round(
      strengthOf({
        sent: acc.sentVolume,
        received: acc.receivedVolume,
        meeting: acc.meetingVolume,
        daysSinceLastContact: (asOf - acc.last) / DAY_MS,
      }),
      4,
    ),
    lastWriter: !Number.isFinite(lastPersonalMail) ? null : acc.lastPersonalReceived > acc.lastPersonalSent ? 'them' : 'you',
    domainChange: domainChange(keys, current),
    lastSubject: acc.subject === null ? null : withoutReplyPrefixes(acc.subject),
    lastThreadKey: acc.thread,
  };
}

/**
 * The person's current address is at another organization than their first one: they
 * likely changed jobs (or left work mail behind), a natural reason to write.
 */
function domainChange(
  keys: [string, { first: number; last: number }][],
  current: [string, { first: number; last: number }],
): ContactSummary['domainChange'] {
  const now = organizationOfAddress(current[0]);
  const before = keys.find(([address, t]) => organizationOfAddress(address) !== now && t.first < current[1].first);
  return before ? { from: organizationOfAddress(before[0]), to: now, since: new Date(current[1].first) } : null;
}

/** A full name in natural case if there is one, else any name; the most seen, the latest among equals. */
function bestName(names: Map<string, Tally>): string | null {
  let best: string | null = null;
  let bestRank = [0, 0, -Infinity];
  for (const [name, { count, last }] of names) {
    const rank = [nameQuality(name), count, last];
    if (rank[0]! > bestRank[0]! || (rank[0] === bestRank[0] && (rank[1]! > bestRank[1]! || (rank[1] === bestRank[1] && rank[2]! > bestRank[2]!)))) {
      best = name;
      bestRank = rank;
    }
  }
  return best;
}

/** The value seen most often; among equals the one seen last (people change how they sign). */
function mostSeen(values: Map<string, Tally>): string | null {
  let best: string | null = null;
  let bestCount = 0;
  let bestLast = -Infinity;
  for (const [value, { count, last }] of values) {
    if (count > bestCount || (count === bestCount && last > bestLast)) {
      best = value;
      bestCount = count;
      bestLast = last;
    }
  }
  return best;
}

/** `Re: Fwd: AW: Q3 roadmap` → `Q3 roadmap`: the digest quotes the topic, not the reply chain. */
export function withoutReplyPrefixes(subject: string): string {
  return subject.replace(/^(\s*(re|fwd?|aw|wg|sv|vs|antw|rif|tr)(\[\d+\])?\s*[:：]\s*)+/iu, '').trim();
}

function dateOrNull(ms: number): Date | null {
  return Number.isFinite(ms) ? new Date(ms) : null;
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
