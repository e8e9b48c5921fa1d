/**
 * The provider boundary. Everything after it (sync engine, inference, digest) sees these
 * shapes only and never knows which provider produced them.
 *
 * A provider owns its cursor: an opaque JSON value the engine stores in Postgres after the
 * data a page covers is committed, and hands back unchanged to get the next page. A provider
 * never keeps state between calls other than caches it can lose.
 *
 * Deliberately left out: message bodies (never requested), attachments, labels other than
 * what decides `folder`, and write access of any kind.
 */

import type { MessageMeta, SkippedMessage, CalendarEvent } from '../mail/types.ts';

/** A message the provider listed; `meta` is filled when the listing already carries it. */
export interface MessageRef {
  providerId: string;
  meta?: MessageMeta;
}

export interface MailPage<C = unknown> {
  refs: MessageRef[];
  /** Store this after the page's messages are committed; pass it to the next call. */
  cursor: C;
  /** The phase the *next* call will be in. */
  phase: 'backfill' | 'incremental';
  /** True when there is nothing more to read right now (incremental caught up). */
  caughtUp: boolean;
}

export interface MailSource<C = unknown> {
  /**
   * Reads one page. `cursor` null means start from scratch: backfill the Sent folder first,
   * then all mail newest first, then follow changes. Throws ProviderError.
   */
  nextPage(cursor: C | null): Promise<MailPage<C>>;
  /**
   * Fills in metadata for refs the engine has not seen before. Messages that vanished or
   * cannot be read are returned as skipped, not thrown.
   */
  hydrate(refs: MessageRef[]): Promise<{ messages: MessageMeta[]; skipped: SkippedMessage[] }>;
}

export interface CalendarPage<C = unknown> {
  /** Changed events; `status: 'cancelled'` ones are removals. */
  events: CalendarEvent[];
  /**
   * Sources whose events this page gives in full, for calendars that hand out whole objects
   * rather than single events (a CalDAV object holds a series and its exceptions; an .ics feed
   * holds everything): a stored event whose id is `<resource>#…` for one of these and that is
   * not in `events` is gone (the object was deleted, an occurrence left the series, the feed
   * dropped it). A resource never contains `#`. Google and Graph name every change and leave
   * this out.
   */
  replaced?: string[];
  cursor: C;
  phase: 'backfill' | 'incremental';
  caughtUp: boolean;
}

export interface CalendarSource<C = unknown> {
  nextPage(cursor: C | null): Promise<CalendarPage<C>>;
}

export interface AccountProfile {
  email: string;
  /** Other addresses the provider knows are this mailbox (aliases, proxy addresses). */
  aliases: string[];
}

/** Everything one connected account offers. */
export interface ProviderAccount {
  profile(): Promise<AccountProfile>;
  mail: MailSource;
  calendar: CalendarSource;
  /** Lets go of what the account holds open (IMAP's connection); called when a job is done with it. */
  close?(): Promise<void>;
}

/** Persistence of OAuth tokens; the provider saves every refresh (Microsoft rotates them). */
export interface TokenStore {
  load(): Promise<StoredTokens>;
  save(tokens: StoredTokens): Promise<void>;
}

export interface StoredTokens {
  refreshToken: string;
  accessToken: string | null;
  accessTokenExpiresAt: Date | null;
}

/**
 * Paces requests of one account under the provider's quota. `cost` is in the provider's
 * units (Gmail: 5 for messages.get); the gate also bounds requests in flight.
 */
export interface RequestGate {
  run<T>(cost: number, request: () => Promise<T>): Promise<T>;
  /** The provider said to back off; hold every request of the account until then. */
  pauseFor(ms: number): void;
  /** Units spent through this gate so far. */
  readonly spent: number;
}
