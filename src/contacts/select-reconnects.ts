/**
 * Curation: who is worth a note this week. Pure: contacts, marks and a date in; a short,
 * explained list out. A person qualifies when the relationship was real (personal mail both
 * ways, or meetings) and the silence is long *for them* — three months is nothing for a
 * yearly friend and a lot for a weekly collaborator. Among those, the list favours strong
 * relationships, long overdue, where writing is natural now (they wrote last, they changed
 * jobs, it is the anniversary of meeting), spreads a backlog over the weeks, and never puts
 * five people from one old thread in one list.
 */
import { automatedAddressReason } from './detect-automated.ts';
import { FREE_MAIL_DOMAINS, organizationOfAddress } from './organization.ts';
import type { ContactSummary } from './types.ts';

const DAY = 86_400_000;

/** What the user said about a person (src/verdicts/), by reply, through a link or otherwise. */
export interface ContactMark {
  /** Null when the user said only when they met, or the rhythm. */
  status: 'done' | 'snoozed' | 'never' | null;
  /** When the mark was made: `done` holds until there is contact after this. */
  markedAt: Date | null;
  /** `snoozed` holds until then. */
  until: Date | null;
  /** They met or called then ("met 2"): as real a contact as a mail, for how long it has been. */
  metAt?: Date | null;
  /** The gap the user expects between conversations ("every 2m 3"), instead of the learned one. */
  cadenceDays?: number | null;
}

/** When the user was last in touch with the person: their last mail or meeting, or a meeting they told rekindle about. */
export function lastInTouch(contact: Pick<ContactSummary, 'lastContactAt'>, mark: ContactMark | undefined): Date {
  const met = mark?.metAt;
  return met && met.getTime() > contact.lastContactAt.getTime() ? met : contact.lastContactAt;
}

/** The gap expected between conversations: the one the user set, else the learned one (null: too little history). */
export function expectedGap(contact: Pick<ContactSummary, 'cadenceDays'>, mark: ContactMark | undefined): number | null {
  return mark?.cadenceDays ?? contact.cadenceDays;
}

export interface SelectOptions {
  asOf: Date;
  /** How many people at most (the weekly budget). */
  budget: number;
  /**
   * When each person (contact key) was last in a digest. Someone suggested within
   * SUGGESTION_REST_DAYS rests, so a backlog longer than the budget comes round over the
   * weeks instead of the same five people every Monday.
   */
  lastSuggested?: ReadonlyMap<string, Date>;
}

export type ReconnectReasonCode = 'overdue' | 'their-turn' | 'new-domain' | 'anniversary' | 'long-friendship';

export interface ReconnectCandidate {
  contact: ContactSummary;
  score: number;
  daysSinceLastContact: number;
  /** When they were last in touch: the contact's last mail or meeting, or a later meeting the user told of. */
  lastContactAt: Date;
  /** The gap rekindle expected: the one the user set for this person, else the one learned from history. */
  expectedGapDays: number;
  /** Why this person, now: one or more sentences, the main reason first. */
  reason: string;
  /** The same, as codes with their sentence, for renderers that want to pick. */
  reasons: { code: ReconnectReasonCode; text: string }[];
}

/** With too little history to learn a rhythm, assume people talk about every two months. */
export const DEFAULT_GAP_DAYS = 60;
/** Silence must be this many times the usual gap before it is worth a nudge. */
export const OVERDUE_FACTOR = 1.5;
/** Never suggest someone you were in touch with this recently, whatever the rhythm. */
export const MIN_SILENCE_DAYS = 21;
/** A meeting this soon is the reconnection already. */
export const UPCOMING_MEETING_DAYS = 30;
/** Meetings alone make a real relationship when there were at least this many. */
export const MIN_MEETINGS = 2;
/**
 * Below this strength the "relationship" is a message or two each way: not someone a person
 * misses. (One direct exchange a year ago is ≈ 0.07; a dozen messages over a season ≈ 0.3.)
 */
export const MIN_STRENGTH = 0.08;
/** Overdue counts in doublings of the usual gap, up to this many. */
export const MAX_DOUBLINGS = 4;
/** They wrote last: answering is the most natural note there is. */
export const THEIR_TURN_BOOST = 1.25;
/** A new domain within this many days is news worth writing about. */
export const NEW_DOMAIN_DAYS = 365;
export const NEW_DOMAIN_BOOST = 1.3;
/** The anniversary of the first contact falls within this many days after asOf. */
export const ANNIVERSARY_WINDOW_DAYS = 7;
export const ANNIVERSARY_BOOST = 1.15;
/** Someone suggested this recently rests (see SelectOptions.lastSuggested). */
export const SUGGESTION_REST_DAYS = 28;
/** At most this share of a list from one organization while others are waiting (free mail exempt). */
export const MAX_ORGANIZATION_SHARE = 0.5;
/** Two people whose last conversation was the same thread, or the same subject within this many days, are one old thread. */
export const SAME_THREAD_DAYS = 3;

/** The budget's worth of people most worth writing to, strongest and most overdue first. */
export function selectReconnects(
  contacts: Iterable<ContactSummary>,
  marks: ReadonlyMap<string, ContactMark>,
  options: SelectOptions,
): ReconnectCandidate[] {
  const asOf = options.asOf.getTime();
  const candidates: ReconnectCandidate[] = [];
  for (const contact of contacts) {
    if (!isRealRelationship(contact) || isAutomated(contact) || contact.strength < MIN_STRENGTH) continue;
    const mark = marks.get(contact.key);
    if (isMarkedAway(mark, contact, asOf)) continue;
    const suggested = options.lastSuggested?.get(contact.key);
    if (suggested && asOf - suggested.getTime() < SUGGESTION_REST_DAYS * DAY) continue;
    if (contact.nextMeetingAt && contact.nextMeetingAt.getTime() - asOf < UPCOMING_MEETING_DAYS * DAY) continue;
    const lastContactAt = lastInTouch(contact, mark);
    const silence = (asOf - lastContactAt.getTime()) / DAY;
    const gap = expectedGap(contact, mark);
    const expected = gap ?? DEFAULT_GAP_DAYS;
    if (silence < MIN_SILENCE_DAYS || silence < expected * OVERDUE_FACTOR) continue;

    const reasons = reasonsFor(contact, silence, expected, asOf, {
      setByUser: mark?.cadenceDays != null,
      metSince: lastContactAt !== contact.lastContactAt,
    });
    // Overdue counts in doublings of the usual gap, so a decade of silence does not drown a
    // strong friendship that lapsed last season.
    let score = contact.strength * Math.min(Math.log2(silence / expected), MAX_DOUBLINGS);
    if (reasons.some((r) => r.code === 'their-turn')) score *= THEIR_TURN_BOOST;
    if (reasons.some((r) => r.code === 'new-domain')) score *= NEW_DOMAIN_BOOST;
    if (reasons.some((r) => r.code === 'anniversary')) score *= ANNIVERSARY_BOOST;
    candidates.push({
      contact,
      score: Math.round(score * 10_000) / 10_000,
      daysSinceLastContact: Math.floor(silence),
      lastContactAt,
      expectedGapDays: expected,
      reason: reasons.map((r) => r.text).join(' '),
      reasons,
    });
  }
  candidates.sort((a, b) => b.score - a.score || (a.contact.key < b.contact.key ? -1 : a.contact.key > b.contact.key ? 1 : 0));
  return withVariety(candidates, Math.max(0, Math.floor(options.budget)));
}

/**
 * The best `budget` candidates such that no two come from one old thread, and no
 * organization fills more than MAX_ORGANIZATION_SHARE of the list while people elsewhere
 * wait (a one-employer mailbox still gets a full list: the cap gives way at the end).
 */
function withVariety(sorted: ReconnectCandidate[], budget: number): ReconnectCandidate[] {
  const picked: ReconnectCandidate[] = [];
  const heldBack: ReconnectCandidate[] = [];
  const perOrganization = new Map<string, number>();
  const cap = Math.max(1, Math.floor(budget * MAX_ORGANIZATION_SHARE));
  for (const candidate of sorted) {
    if (picked.length >= budget) break;
    if (picked.some((p) => sameThread(p.contact, candidate.contact))) continue;
    const organization = organizationOfAddress(candidate.contact.email);
    const count = perOrganization.get(organization) ?? 0;
    if (!FREE_MAIL_DOMAINS.has(organization) && count >= cap) {
      heldBack.push(candidate);
      continue;
    }
    perOrganization.set(organization, count + 1);
    picked.push(candidate);
  }
  for (const candidate of heldBack) {
    if (picked.length >= budget) break;
    if (!picked.some((p) => sameThread(p.contact, candidate.contact))) picked.push(candidate);
  }
  return picked.sort((a, b) => b.score - a.score || (a.contact.key < b.contact.key ? -1 : 1));
}

/** Their last conversations were one thread: the same thread id, or the same topic within days. */
export function sameThread(a: ContactSummary, b: ContactSummary): boolean {
  if (a.lastThreadKey !== null && a.lastThreadKey === b.lastThreadKey) return true;
  if (a.lastSubject === null || b.lastSubject === null) return false;
  return (
    topic(a.lastSubject) === topic(b.lastSubject) &&
    Math.abs(a.lastContactAt.getTime() - b.lastContactAt.getTime()) <= SAME_THREAD_DAYS * DAY
  );
}

function topic(subject: string): string {
  return subject.toLowerCase().replace(/\s+/g, ' ').trim();
}

function reasonsFor(
  contact: ContactSummary,
  silence: number,
  expected: number,
  asOf: number,
  said: { setByUser: boolean; metSince: boolean },
): ReconnectCandidate['reasons'] {
  const reasons: ReconnectCandidate['reasons'] = [];
  const times = silence / expected;
  const howMany = times >= 10 ? 'more than ten' : `about ${numberWord(Math.round(times))}`;
  // The digest shows how long and how often next to the reason: the reason says what that means.
  reasons.push({
    code: 'overdue',
    text: said.setByUser
      ? `The silence is ${howMany} times the gap you set for them (${humanDuration(expected)}).`
      : contact.cadenceDays !== null
        ? `The silence is ${howMany} times your usual gap.`
        : `${capitalize(humanDuration(silence))} is a long silence for people who wrote to each other.`,
  });
  // Who wrote last says little once you have met since.
  if (contact.lastWriter === 'them' && !said.metSince)
    reasons.push({ code: 'their-turn', text: 'They wrote last, so a reply is the natural next step.' });
  const moved = contact.domainChange;
  if (moved && asOf - moved.since.getTime() <= NEW_DOMAIN_DAYS * DAY) {
    reasons.push({
      code: 'new-domain',
      text: `They write from ${moved.to} since ${monthYear(moved.since)} (${moved.from} before): likely a new job, a good reason to write.`,
    });
  }
  const years = anniversaryYears(contact.firstContactAt, asOf);
  if (years !== null)
    reasons.push({ code: 'anniversary', text: `You first got in touch ${years === 1 ? 'a year' : `${years} years`} ago this week.` });
  else if (asOf - contact.firstContactAt.getTime() >= 2 * 365 * DAY && contact.strength >= 0.3) {
    reasons.push({ code: 'long-friendship', text: `You have been in touch since ${monthYear(contact.firstContactAt)}.` });
  }
  return reasons;
}

/** Whole years since the first contact when its anniversary falls in the coming week; else null. */
export function anniversaryYears(first: Date, asOf: number): number | null {
  const start = new Date(asOf);
  for (let offset = 0; offset < ANNIVERSARY_WINDOW_DAYS; offset++) {
    const day = new Date(start.getTime() + offset * DAY);
    if (day.getUTCMonth() === first.getUTCMonth() && day.getUTCDate() === first.getUTCDate()) {
      const years = day.getUTCFullYear() - first.getUTCFullYear();
      return years >= 1 ? years : null;
    }
  }
  return null;
}

function isRealRelationship(contact: ContactSummary): boolean {
  return (contact.sentCount > 0 && contact.receivedCount > 0) || contact.meetingCount >= MIN_MEETINGS;
}

/** Inference keeps robots out of contacts; this is the last line before a person's inbox. */
function isAutomated(contact: ContactSummary): boolean {
  return automatedAddressReason(contact.email) !== null || contact.addresses.some((a) => automatedAddressReason(a) !== null);
}

function isMarkedAway(mark: ContactMark | undefined, contact: ContactSummary, asOf: number): boolean {
  return markHolds(mark, contact, asOf) !== null;
}

/** The mark that keeps a person off the list as of `asOf`, or null. */
export function markHolds(
  mark: ContactMark | undefined,
  contact: Pick<ContactSummary, 'lastContactAt'>,
  asOf: number,
): 'done' | 'snoozed' | 'never' | null {
  if (!mark?.status) return null;
  switch (mark.status) {
    case 'never':
      return 'never';
    case 'snoozed':
      return mark.until !== null && mark.until.getTime() > asOf ? 'snoozed' : null;
    case 'done':
      // Done until the next conversation (a mail, a meeting, or one the user told of): then the rhythm starts over.
      return mark.markedAt !== null && lastInTouch(contact, mark).getTime() <= mark.markedAt.getTime() ? 'done' : null;
  }
}

/** 5 → "5 days", 21 → "3 weeks", 130 → "4 months", 800 → "2 years". */
export function humanDuration(days: number): string {
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (days < 14) return plural(Math.max(1, Math.round(days)), 'day');
  if (days < 60) return plural(Math.round(days / 7), 'week');
  if (days < 365 * 1.5) return plural(Math.round(days / 30.4), 'month');
  return plural(Math.round(days / 365), 'year');
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

function monthYear(date: Date): string {
  return `${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function numberWord(n: number): string {
  return ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'][n] ?? String(n);
}
