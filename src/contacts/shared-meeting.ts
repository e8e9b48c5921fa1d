/**
 * The last meeting the user and a person really shared, from the `meeting` interactions
 * rekindle already keeps (title, start, how many people). Pure.
 *
 * "Shared" means both said yes: the user accepted or organized it, the person accepted or
 * organized it, it was not tentative, not an all-day event, and it has started. Interactions
 * do not store responses, but their weight is a product of factors that are all 1 exactly in
 * that case (src/contacts/interaction-weights.ts) and all below 1 otherwise, so the weight of
 * a fully accepted meeting is known from its size alone. test/unit/shared-meeting.test.ts
 * builds interactions through interactionsFromEvent for every response, so a change to the
 * weights that broke this reading fails there. An invitation nobody answered is thin evidence
 * that anyone went: it is left out rather than shown.
 */
import { crowdFactor, MEETING_BASE, MEETING_CROWD_KNEE } from './interaction-weights.ts';

/** A meeting interaction of one person, as stored. */
export interface MeetingRow {
  sourceKey: string;
  occurredAt: Date;
  weight: number;
  /** People at the meeting other than the user. */
  participants: number;
  subject: string | null;
}

export interface SharedMeeting {
  /** The event's title; null when subjects are switched off or it had none. */
  title: string | null;
  at: Date;
  /** Everyone on it who did not decline, the user included. */
  people: number;
}

/** Past this many people (the user included) a meeting is an event, not something you shared with them. */
export const SHARED_MEETING_MAX_PEOPLE = 16;

/** Stored weights are 4-byte floats: equal to about seven digits. */
const TOLERANCE = 1e-4;

/** Both the user and this person accepted (or organized) it, and it was neither tentative nor all-day. */
export function bothAccepted(row: Pick<MeetingRow, 'weight' | 'participants'>): boolean {
  const full = MEETING_BASE * crowdFactor(row.participants, MEETING_CROWD_KNEE);
  return Math.abs(row.weight - full) <= full * TOLERANCE;
}

/** The latest meeting both attended that started at or before `asOf`, or null. */
export function lastSharedMeeting(rows: Iterable<MeetingRow>, asOf: Date): SharedMeeting | null {
  let best: MeetingRow | null = null;
  for (const row of rows) {
    if (row.occurredAt.getTime() > asOf.getTime()) continue;
    if (row.participants + 1 > SHARED_MEETING_MAX_PEOPLE || !bothAccepted(row)) continue;
    if (best === null || row.occurredAt.getTime() > best.occurredAt.getTime()) best = row;
  }
  if (best === null) return null;
  const title = best.subject?.replace(/\s+/g, ' ').trim();
  return { title: title ? title : null, at: best.occurredAt, people: best.participants + 1 };
}
