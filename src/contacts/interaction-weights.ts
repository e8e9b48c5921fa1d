/**
 * How much one message or meeting says about closeness to one person. The scale is set by
 * the strongest everyday signal: the user writing to one person directly weighs 1.
 */

/**
 * Share of attention each person on a message or meeting gets: 1/√n for small groups, then
 * √knee/n once the crowd is past the knee, so the curve is continuous but a 500-recipient
 * message weighs ~0.006 per person instead of 1/√500 ≈ 0.045. Everyone on a team-wide
 * thread is known to the sender; a mailing to hundreds says nothing about any one of them.
 */
export function crowdFactor(people: number, knee: number): number {
  if (people <= 1) return 1;
  if (people <= knee) return 1 / Math.sqrt(people);
  return Math.sqrt(knee) / people;
}

/** Past ten recipients a message is a broadcast rather than a conversation. */
export const MESSAGE_CROWD_KNEE = 10;
/** Past eight people a meeting is a presentation rather than a conversation. */
export const MEETING_CROWD_KNEE = 8;

/** Outbound: a To recipient was written to; Cc and Bcc were kept informed. */
export const SENT_POSITION_FACTOR = { to: 1, cc: 0.6, bcc: 0.6 } as const;

/**
 * Inbound mail weighs a little less than outbound: the user choosing to write is the
 * stronger sign, and cold or semi-automated mail that slipped past detection is inbound.
 */
export const RECEIVED_BASE = 0.8;
/**
 * Where the user stood on an inbound message. `hidden` means the user was on neither To
 * nor Cc: a Bcc, or more often a distribution list that no header names.
 */
export const RECEIVED_POSITION_FACTOR = { to: 1, cc: 0.6, hidden: 0.3 } as const;

/** A 1:1 meeting says more than a 1:1 message: both people gave it their time. */
export const MEETING_BASE = 1.5;
/** The user's own answer: an unanswered invitation is weak evidence the meeting happened. */
export const OWNER_RESPONSE_FACTOR = { accepted: 1, tentative: 0.5, needsAction: 0.3, none: 0.3 } as const;
/** The other person's answer; many people attend without ever answering, hence 0.5 not less. */
export const ATTENDEE_RESPONSE_FACTOR = { accepted: 1, tentative: 0.6, needsAction: 0.5, none: 0.5 } as const;
/** All-day events with guests are offsites, conferences and away notices more than meetings. */
export const ALL_DAY_FACTOR = 0.5;
