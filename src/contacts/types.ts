/**
 * Shapes of inference. Everything in src/contacts is pure: plain data in, plain data out,
 * no I/O and no clock (the caller passes `asOf`).
 */
import type { IdentityLink } from './identity.ts';

/** How the owner and a contact interacted: a message each way, or a meeting together. */
export type InteractionKind = 'sent' | 'received' | 'meeting';

/** Who the user is: every normalized address of theirs (accounts, aliases). */
export interface Owner {
  addresses: ReadonlySet<string>;
}

/** One row of the `interactions` table, without the user and account ids. */
export interface InteractionRecord {
  /** `mid:<Message-ID>`, or `acct:<accountId>:<providerId>` for a message without one; events `evt:…`. */
  sourceKey: string;
  /** Normalized address of the other person: their identity (see normalize-address.ts). */
  contact: string;
  /** The address as written in this message (lower-cased), for showing the person. */
  address: string;
  kind: InteractionKind;
  occurredAt: Date;
  /** 1 = a direct 1:1 message written by the user; smaller for crowds, CCs and big meetings. */
  weight: number;
  contactName: string | null;
  /** People on the message or meeting other than the user. */
  participants: number;
  threadKey: string | null;
  /** Null when subjects are switched off. */
  subject: string | null;
}

/** What rekindle knows about one person, as of a date. */
export interface ContactSummary {
  /** Identity: the normalized address all interactions are keyed by. */
  key: string;
  /** The address to show and write to: the form the user sees most (e.g. with Gmail's dots). */
  email: string;
  name: string | null;
  /** Every normalized address of this person, the first-seen (the key) first. */
  addresses: string[];
  /** Why those addresses are one person (empty for a single address); see identity.ts. */
  identityLinks: IdentityLink[];
  firstContactAt: Date;
  /** Last personal interaction (crowd mail aside): "you last talked". */
  lastContactAt: Date;
  /** Last mail from the user to them / from them to the user, crowd mail included. */
  lastOutboundAt: Date | null;
  lastInboundAt: Date | null;
  lastMeetingAt: Date | null;
  nextMeetingAt: Date | null;
  /** Personal messages and meetings (crowd mail is in the last dates, not in these counts). */
  sentCount: number;
  receivedCount: number;
  meetingCount: number;
  /** Typical days between conversations; null until there is enough history to say. */
  cadenceDays: number | null;
  /** 0..1, how close the relationship is (decays with time, remembers history). */
  strength: number;
  /**
   * Who wrote last: `them` when their last message was to the user directly and after the
   * user's last (the user owes a reply), `you` when the user's personal mail is the latest;
   * null without mail, or when their latest was crowd-sized mail that asks nobody in particular.
   */
  lastWriter: 'them' | 'you' | null;
  /** Their current address is at another organization than their first: likely a new job. */
  domainChange: { from: string; to: string; since: Date } | null;
  lastSubject: string | null;
  /** Thread of the last personal interaction that had a subject (null when the source has none). */
  lastThreadKey: string | null;
}
