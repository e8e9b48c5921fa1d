/**
 * Curation: who is worth a note this week. Pure: contacts, marks and a date in; a short,
 * explained list out. A person qualifies when the relationship was real (two-way mail, or
 * meetings) and the silence is long *for them* — three months is nothing for a yearly
 * friend and a lot for a weekly collaborator.
 */
import type { ContactSummary } from './types.ts';

const DAY = 86_400_000;

/** What the user said about a person in reply to a digest (or through a link). */
export interface ContactMark {
  status: 'done' | 'snoozed' | 'never';
  /** When the mark was made: `done` holds until there is contact after this. */
  markedAt: Date;
  /** `snoozed` holds until then. */
  until: Date | null;
}

export interface SelectOptions {
  asOf: Date;
  /** How many people at most (the weekly budget). */
  budget: number;
}

export interface ReconnectCandidate {
  contact: ContactSummary;
  score: number;
  daysSinceLastContact: number;
  /** The gap rekindle expected from this relationship's history. */
  expectedGapDays: number;
  /** One sentence on why this person, now. */
  reason: string;
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

/** The budget's worth of people most worth writing to, strongest and most overdue first. */
export function selectReconnects(
  contacts: Iterable<ContactSummary>,
  marks: ReadonlyMap<string, ContactMark>,
  options: SelectOptions,
): ReconnectCandidate[] {
  const asOf = options.asOf.getTime();
  const candidates: ReconnectCandidate[] = [];
  for (const contact of contacts) {
    if (!isRealRelationship(contact) || isMarkedAway(marks.get(contact.key), contact, asOf)) continue;
    if (contact.nextMeetingAt && contact.nextMeetingAt.getTime() - asOf < UPCOMING_MEETING_DAYS * DAY) continue;
    const silence = (asOf - contact.lastContactAt.getTime()) / DAY;
    const expected = contact.cadenceDays ?? DEFAULT_GAP_DAYS;
    if (silence < MIN_SILENCE_DAYS || silence < expected * OVERDUE_FACTOR) continue;
    // Overdue counts in doublings of the usual gap, so a decade of silence does not drown a
    // strong friendship that lapsed last season.
    const overdue = Math.log2(silence / expected);
    candidates.push({
      contact,
      score: contact.strength * Math.min(overdue, 4),
      daysSinceLastContact: Math.floor(silence),
      expectedGapDays: expected,
      reason: explain(contact, silence),
    });
  }
  return candidates
    .sort((a, b) => b.score - a.score || a.contact.key.localeCompare(b.contact.key))
    .slice(0, Math.max(0, options.budget));
}

function isRealRelationship(contact: ContactSummary): boolean {
  return (contact.sentCount > 0 && contact.receivedCount > 0) || contact.meetingCount >= MIN_MEETINGS;
}

function isMarkedAway(mark: ContactMark | undefined, contact: ContactSummary, asOf: number): boolean {
  if (!mark) return false;
  switch (mark.status) {
    case 'never':
      return true;
    case 'snoozed':
      return mark.until !== null && mark.until.getTime() > asOf;
    case 'done':
      // Done until the next conversation: then the rhythm starts over.
      return contact.lastContactAt.getTime() <= mark.markedAt.getTime();
  }
}

function explain(contact: ContactSummary, silenceDays: number): string {
  const parts = [`You last talked ${humanDuration(silenceDays)} ago`];
  if (contact.cadenceDays !== null) parts.push(`you used to talk every ${humanDuration(contact.cadenceDays)}`);
  const theyWroteLast =
    contact.lastInboundAt !== null && (contact.lastOutboundAt === null || contact.lastInboundAt > contact.lastOutboundAt);
  if (theyWroteLast) parts.push('they wrote last');
  return parts.join('; ') + '.';
}

/** 5 → "5 days", 21 → "3 weeks", 130 → "4 months", 800 → "2 years". */
export function humanDuration(days: number): string {
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (days < 14) return plural(Math.max(1, Math.round(days)), 'day');
  if (days < 60) return plural(Math.round(days / 7), 'week');
  if (days < 365 * 1.5) return plural(Math.round(days / 30.4), 'month');
  return plural(Math.round(days / 365), 'year');
}
