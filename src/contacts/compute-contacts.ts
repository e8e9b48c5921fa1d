import { cadenceDays } from './cadence.ts';
import { ageFactor, strengthOf } from './strength.ts';
import type { ContactSummary, InteractionRecord } from './types.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Lighter interactions are crowd noise (a message to 30+ people, a 50-person meeting, a
 * big Cc): they neither make, count towards nor date a contact. Being one of hundreds on a
 * holiday mailing is not "being in touch", and must not hide someone from the digest.
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
}

/**
 * Folds interactions into one summary per person the user has actually exchanged with: at
 * least one `sent` and one `received`, or one past meeting of at least
 * MEETING_CONTACT_WEIGHT. One-way senders and people written to without an answer are not
 * contacts. Duplicates of one (sourceKey, contact, kind) count once, the heaviest copy.
 *
 * One pass over the input; only each contact's distinct days are sorted (for the cadence),
 * so 100,000 interactions take tens of milliseconds. Sorted by strength, strongest first.
 */
export function computeContacts(interactions: Iterable<InteractionRecord>, options: ComputeOptions): ContactSummary[] {
  const asOf = options.asOf.getTime();
  if (Number.isNaN(asOf)) throw new RangeError('computeContacts: asOf is not a valid date');

  // Grouped by person first, each person's records keyed by source: a duplicate is spotted
  // without building a composite key for every record (this loop is most of the cost).
  const people = new Map<string, Map<string, InteractionRecord>>();
  for (const record of interactions) {
    const at = record.occurredAt?.getTime();
    if (!record.contact || at === undefined || Number.isNaN(at)) continue;
    if (!(record.weight >= NOISE_WEIGHT) || !Number.isFinite(record.weight)) continue;
    let sources = people.get(record.contact);
    if (!sources) {
      sources = new Map();
      people.set(record.contact, sources);
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

  const contacts: ContactSummary[] = [];
  for (const [key, sources] of people) {
    const acc = newAccumulator();
    for (const record of sources.values()) add(acc, record, asOf);
    const summary = summarize(key, acc, asOf);
    if (summary) contacts.push(summary);
  }
  return contacts.sort((a, b) => b.strength - a.strength || (a.email < b.email ? -1 : a.email > b.email ? 1 : 0));
}

interface Accumulator {
  first: number;
  last: number;
  lastSent: number;
  lastReceived: number;
  lastMeeting: number;
  nextMeeting: number;
  sentCount: number;
  receivedCount: number;
  meetingCount: number;
  /** Aged weighted volumes (weight × ageFactor), for strength. */
  sentVolume: number;
  receivedVolume: number;
  meetingVolume: number;
  heaviestMeeting: number;
  days: Set<number>;
  names: Map<string, { count: number; last: number }>;
  addresses: Map<string, { count: number; last: number }>;
  subject: string | null;
  subjectAt: number;
}

function newAccumulator(): Accumulator {
  return {
    first: Infinity,
    last: -Infinity,
    lastSent: -Infinity,
    lastReceived: -Infinity,
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
    subject: null,
    subjectAt: -Infinity,
  };
}

function add(acc: Accumulator, record: InteractionRecord, asOf: number): void {
  const at = record.occurredAt.getTime();
  if (at > asOf) {
    // The future is not history: only an upcoming meeting says something (skip the reminder).
    if (record.kind === 'meeting' && at < acc.nextMeeting) acc.nextMeeting = at;
    return;
  }
  const volume = record.weight * ageFactor((asOf - at) / DAY_MS);
  if (at < acc.first) acc.first = at;
  if (at > acc.last) acc.last = at;
  switch (record.kind) {
    case 'sent':
      acc.sentCount++;
      acc.sentVolume += volume;
      if (at > acc.lastSent) acc.lastSent = at;
      break;
    case 'received':
      acc.receivedCount++;
      acc.receivedVolume += volume;
      if (at > acc.lastReceived) acc.lastReceived = at;
      break;
    case 'meeting':
      acc.meetingCount++;
      acc.meetingVolume += volume;
      if (at > acc.lastMeeting) acc.lastMeeting = at;
      if (record.weight > acc.heaviestMeeting) acc.heaviestMeeting = record.weight;
      break;
  }
  acc.days.add(Math.floor(at / DAY_MS));

  const name = record.contactName?.trim();
  if (name) tally(acc.names, name, at);
  if (record.address) tally(acc.addresses, record.address, at);
  if (record.subject && at >= acc.subjectAt && withoutReplyPrefixes(record.subject)) {
    acc.subject = record.subject;
    acc.subjectAt = at;
  }
}

function tally(counts: Map<string, { count: number; last: number }>, value: string, at: number): void {
  const seen = counts.get(value);
  if (seen) {
    seen.count++;
    if (at > seen.last) seen.last = at;
  } else {
    counts.set(value, { count: 1, last: at });
  }
}

function summarize(key: string, acc: Accumulator, asOf: number): ContactSummary | null {
  const exchanged = acc.sentCount > 0 && acc.receivedCount > 0;
  if (!exchanged && acc.heaviestMeeting < MEETING_CONTACT_WEIGHT) return null;

  const days = [...acc.days].sort((a, b) => a - b);
  return {
    key,
    email: mostSeen(acc.addresses) ?? key,
    name: mostSeen(acc.names),
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
    lastSubject: acc.subject === null ? null : withoutReplyPrefixes(acc.subject),
  };
}

/** The value seen most often; among equals the one seen last (people change how they sign). */
function mostSeen(values: Map<string, { count: number; last: number }>): string | null {
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
function withoutReplyPrefixes(subject: string): string {
  return subject.replace(/^(\s*(re|fwd?|aw|wg|sv|vs|antw|rif|tr)(\[\d+\])?\s*[:：]\s*)+/iu, '').trim();
}

function dateOrNull(ms: number): Date | null {
  return Number.isFinite(ms) ? new Date(ms) : null;
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
