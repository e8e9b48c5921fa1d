/**
 * What a Google emulator mailbox is made of. This is also the format of a seed `.json` file
 * (`loadMailboxSeed`), so it stays plain JSON: strings, arrays and objects only.
 *
 * ```json
 * {
 *   "email": "ada@example.com",
 *   "aliases": ["ada.lovelace@example.com"],
 *   "messages": [
 *     { "labelIds": ["SENT"], "internalDate": "2024-03-01T09:30:00Z",
 *       "headers": [{ "name": "From", "value": "Ada <ada@example.com>" },
 *                   { "name": "To", "value": "Charles <charles@example.org>" },
 *                   { "name": "Subject", "value": "Engine notes" }] },
 *     { "raw": "From: charles@example.org\r\nTo: ada@example.com\r\nSubject: Re: Engine notes\r\n\r\n" }
 *   ],
 *   "events": [
 *     { "summary": "Review", "start": { "dateTime": "2024-03-05T15:00:00Z" },
 *       "end": { "dateTime": "2024-03-05T16:00:00Z" },
 *       "attendees": [{ "email": "charles@example.org", "responseStatus": "accepted" }] }
 *   ]
 * }
 * ```
 *
 * Deliberately left out: bodies and attachments (only a raw message's header block is kept;
 * the emulator serves metadata, like the `gmail.metadata` scope), recurring events (every
 * event is a single instance, so `singleEvents` changes nothing), label names, drafts.
 */

export interface SeedHeader {
  name: string;
  value: string;
}

/** One Gmail message. Exactly one of `headers` and `raw` must be given. */
export interface SeedMessage {
  /** Gmail message id (hex); generated from `internalDate` when absent. */
  id?: string;
  /**
   * Gmail thread id. When absent the emulator threads the way Gmail does: a message joins the
   * thread of a message it names in In-Reply-To/References, or of an earlier message with the
   * same subject when its own subject is a reply (`Re:`/`Fwd:`); otherwise it starts a thread
   * whose id is its own id.
   */
  threadId?: string;
  /** System labels (`INBOX`, `SENT`, `SPAM`, `TRASH`, `UNREAD`, `CATEGORY_PROMOTIONS`, …) or
   *  user label ids (`Label_3`). Default `['INBOX']`. */
  labelIds?: string[];
  /** ISO 8601 date; defaults to the Date header, or the time the message was added. */
  internalDate?: string;
  /** Headers in message order; served as `payload.headers`. */
  headers?: SeedHeader[];
  /** An RFC 822 message; only its header block (up to the first empty line) is used. */
  raw?: string;
}

export type SeedEventStatus = 'confirmed' | 'tentative' | 'cancelled';
export type SeedResponseStatus = 'needsAction' | 'declined' | 'tentative' | 'accepted';

/** A point in time as Calendar writes it: `dateTime` for timed events, `date` for all-day ones. */
export type SeedEventTime = { dateTime: string; timeZone?: string } | { date: string };

export interface SeedPerson {
  email: string;
  displayName?: string;
  /** Computed from the mailbox's addresses when absent. */
  self?: boolean;
}

export interface SeedAttendee extends SeedPerson {
  responseStatus: SeedResponseStatus;
  organizer?: boolean;
  /** A room or other resource. */
  resource?: boolean;
  optional?: boolean;
}

/** One event of the mailbox owner's primary calendar, shaped like Calendar's event resource. */
export interface SeedEvent {
  /** Generated (Calendar's base32hex form) when absent. */
  id?: string;
  /** Defaults to `<id>@google.com`. */
  iCalUID?: string;
  status?: SeedEventStatus;
  summary?: string;
  start: SeedEventTime;
  end: SeedEventTime;
  /** Defaults to the mailbox owner. */
  organizer?: SeedPerson;
  attendees?: SeedAttendee[];
  /** ISO 8601 last modification; defaults to the time the event was added. */
  updated?: string;
}

export interface MailboxSeed {
  /** The account's primary address. */
  email: string;
  /** Other addresses of the same account (Gmail "send mail as"). */
  aliases?: string[];
  messages: SeedMessage[];
  events?: SeedEvent[];
}

/** A file of a maildir that could not become a message, and why. */
export interface SkippedSeedFile {
  file: string;
  reason: 'no-usable-date' | 'no-headers' | 'unreadable';
}

/** A seed read from a maildir: the messages it could use and the files it skipped. */
export interface MaildirSeed extends MailboxSeed {
  skipped: SkippedSeedFile[];
}
