/**
 * One short suggested first line per person, picked from the main reason they are on the
 * list. Templates filled with metadata rekindle already shows (a subject, a meeting's title,
 * a domain): no generated text, and no message body is ever read. Each template says only
 * what the data shows, or asks; a template that needs a fact it lacks falls to the next. Pure.
 */
import { anniversaryYears, type ReconnectReasonCode } from '../contacts/select-reconnects.ts';
import type { ContactSummary } from '../contacts/types.ts';
import type { SharedMeeting } from '../contacts/shared-meeting.ts';

export type OpenerCode = 'congratulate' | 'answer' | 'anniversary' | 'coffee' | 'meeting' | 'catch-up';

export interface Opener {
  code: OpenerCode;
  text: string;
}

/** Subjects and titles inside an opener are cut to this many characters: the opener stays one short line. */
export const OPENER_QUOTE_MAX = 48;

const monthFormats = new Map<string, Intl.DateTimeFormat>();

/** `January 2026`, in the user's timezone: the month the digest's own date of the meeting falls in. */
function monthYear(date: Date, timezone: string): string {
  let format = monthFormats.get(timezone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', { month: 'long', year: 'numeric', timeZone: timezone });
    monthFormats.set(timezone, format);
  }
  return format.format(date);
}

/**
 * The opener for the main reason, in this order: a new organization (congratulate), they
 * wrote last (answer their last subject), the anniversary of the first contact, a long
 * friendship (a coffee or a call), a meeting you shared (mention it), else plain catching up.
 */
export function chooseOpener(input: {
  codes: readonly ReconnectReasonCode[];
  contact: Pick<ContactSummary, 'lastSubject' | 'lastInboundAt' | 'lastMeetingAt' | 'domainChange' | 'firstContactAt'>;
  meeting: SharedMeeting | null;
  asOf: Date;
  /** The user's IANA timezone, for the month of a meeting; UTC when left out. */
  timezone?: string;
}): Opener {
  const { codes, contact, meeting } = input;
  if (codes.includes('new-domain') && contact.domainChange) {
    return { code: 'congratulate', text: `I see you write from ${contact.domainChange.to} now: congratulations if it’s a new role!` };
  }
  if (codes.includes('their-turn')) {
    // Their subject only when their mail is newer than any meeting, whose title may be the last subject.
    const theirs =
      contact.lastSubject !== null &&
      contact.lastInboundAt !== null &&
      (contact.lastMeetingAt === null || contact.lastMeetingAt.getTime() < contact.lastInboundAt.getTime());
    return {
      code: 'answer',
      text: theirs ? `Sorry for the slow reply about ‘${quote(contact.lastSubject!)}’!` : 'Sorry for the slow reply to your last message!',
    };
  }
  if (codes.includes('anniversary')) {
    const years = anniversaryYears(contact.firstContactAt, input.asOf.getTime());
    if (years !== null) {
      return {
        code: 'anniversary',
        text: `We first got in touch ${years === 1 ? 'a year' : `${years} years`} ago this week. How are you?`,
      };
    }
  }
  if (codes.includes('long-friendship')) return { code: 'coffee', text: 'It’s been too long. Coffee or a call soon?' };
  if (meeting) {
    const when = monthYear(meeting.at, input.timezone ?? 'UTC');
    return {
      code: 'meeting',
      text: meeting.title
        ? `How have things been since ‘${quote(meeting.title)}’ in ${when}?`
        : `How have things been since we met in ${when}?`,
    };
  }
  return {
    code: 'catch-up',
    text: contact.lastSubject ? `It’s been a while since ‘${quote(contact.lastSubject)}’. How are you?` : 'It’s been a while. How are you?',
  };
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what this removes
const CONTROLS = /[\u0000-\u001f\u007f\u2028\u2029]+/g;

/** A subject or title as one short phrase: one line, cut with an ellipsis. */
function quote(value: string): string {
  const flat = value.replace(CONTROLS, ' ').replace(/\s+/g, ' ').trim();
  return flat.length > OPENER_QUOTE_MAX ? `${flat.slice(0, OPENER_QUOTE_MAX - 1).trimEnd()}…` : flat;
}
