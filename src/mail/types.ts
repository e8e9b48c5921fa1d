/**
 * The normalized shapes of mail and calendar metadata: what every source (Gmail, Graph,
 * IMAP, CalDAV, local import) produces and everything downstream (sync, inference, digest,
 * replies) reads. Nothing here knows which provider produced it.
 *
 * Deliberately left out: message bodies (never requested), attachments, labels other than
 * what decides `folder`.
 */

export interface Address {
  /** As written in the header (trimmed); normalization happens after the boundary. */
  email: string;
  /** Display name, RFC 2047 decoded; null when absent. */
  name: string | null;
  /**
   * The Exchange directory entry (legacy DN, `/o=enron/ou=na/cn=recipients/cn=sbaile2`,
   * lower-cased) when the source gave one: in place of an address (`email` is then empty), or
   * beside it in an export's `X-From`/`X-To`/`X-cc`. Absent elsewhere.
   */
  dn?: string;
}

export type Folder = 'sent' | 'inbox' | 'other';

/** Signals of automated or bulk mail, straight from headers and provider labels. */
export interface MessageFlags {
  listId: string | null;
  listUnsubscribe: boolean;
  /** Lower-cased `Precedence` value (bulk, list, junk, …). */
  precedence: string | null;
  /** Lower-cased `Auto-Submitted` value; `no` means a person sent it. */
  autoSubmitted: string | null;
  /** `Return-Path: <>`: a bounce or other delivery report. */
  nullReturnPath: boolean;
  /** Microsoft's `X-Auto-Response-Suppress` / `X-Autoreply` / `X-Autorespond` seen. */
  autoReply: boolean;
  /** The provider's own classification, e.g. Gmail's CATEGORY_PROMOTIONS → 'promotions'. */
  category: 'promotions' | 'social' | 'updates' | 'forums' | null;
  /** Multipart/report or similar delivery-status content type. */
  deliveryReport: boolean;
}

export interface MessageMeta {
  providerId: string;
  threadId: string | null;
  /** Without angle brackets; null when the message has none (it is then keyed by providerId). */
  internetMessageId: string | null;
  inReplyTo: string | null;
  date: Date;
  from: Address | null;
  /** `Sender` when it differs from From (mail sent on someone's behalf). */
  sender: Address | null;
  replyTo: Address[];
  to: Address[];
  cc: Address[];
  /** Only ever present on the owner's sent mail. */
  bcc: Address[];
  subject: string | null;
  folder: Folder;
  flags: MessageFlags;
}

export interface SkippedMessage {
  providerId: string;
  /** Short machine-readable reason, e.g. `malformed:date`, `gone`, `draft`. */
  reason: string;
}

export type ResponseStatus = 'accepted' | 'declined' | 'tentative' | 'needsAction' | 'none';

export interface Attendee {
  email: string;
  name: string | null;
  responseStatus: ResponseStatus;
  /** This attendee is the calendar's owner. */
  self: boolean;
  organizer: boolean;
  /** A room or other resource, not a person. */
  resource: boolean;
}

export interface CalendarEvent {
  providerId: string;
  /** Shared by every copy of a meeting across calendars (iCalUID; plus start for instances). */
  iCalUid: string | null;
  status: 'confirmed' | 'tentative' | 'cancelled';
  start: Date | null;
  end: Date | null;
  allDay: boolean;
  organizer: Address | null;
  attendees: Attendee[];
  subject: string | null;
}
