/**
 * The contract of the Microsoft Graph emulator: the slice of Microsoft Graph v1.0 and of the
 * Microsoft identity platform that rekindle uses, served over loopback HTTP so the real
 * `@microsoft/microsoft-graph-client` talks to it exactly as it talks to Microsoft.
 *
 * What it reproduces:
 * - `/v1.0/me` (mail, userPrincipalName, proxyAddresses with `$select`);
 * - mail folders: `/me/mailFolders[/{id|well-known name}]`, `/childFolders`, paged by `$top`/`$skip`;
 * - `/me/mailFolders/{id}/messages/delta` with `$select`, `$orderby=receivedDateTime desc`,
 *   `Prefer: odata.maxpagesize` and `IdType="ImmutableId"`, absolute `@odata.nextLink` /
 *   `@odata.deltaLink` back at the emulator (`mailFolders('{id}')` form, as Graph writes them),
 *   `@removed` for messages deleted or moved out, and 410 `SyncStateNotFound` for tokens that
 *   expired; `/me/messages/{id}`;
 * - `/me/calendarView/delta` over a startDateTime/endDateTime window: attendees with
 *   `emailAddress` and `status.response`, `isCancelled`, `@removed` for deleted events and for
 *   changed events outside the window;
 * - permissions: `Mail.ReadBasic` refuses (403) body, bodyPreview, uniqueBody,
 *   internetMessageHeaders and extended properties; `Calendars.ReadBasic` leaves event bodies out;
 * - the identity platform token endpoint (`/{tenant}/oauth2/v2.0/token`): refresh tokens rotate on
 *   every use and a used one answers `invalid_grant` (AADSTS70000), a revoked grant AADSTS50173;
 *   authorization codes (an authorize endpoint that consents at once);
 * - Outlook throttling per mailbox: a request budget over a rolling 10 minutes and at most 4
 *   concurrent requests (the 5th gets 429 `ApplicationThrottled` "MailboxConcurrency"), both with
 *   Retry-After; injected faults and latency.
 *
 * Deliberately left out: writes, `$batch`, `$filter`/`$search`, change notifications, recurring
 * events (every seeded event is a single instance), other users' mailboxes, national clouds.
 *
 * Strictness where Microsoft is lenient, on purpose: a refresh token Microsoft has rotated
 * usually keeps working until it expires, but the emulator refuses it at once, so a client that
 * ever reuses an old refresh token fails its tests rather than in production a year later.
 */
import type { Fault, RandomFaults, WireFault } from '../shared/fault-list.ts';
import type { MailboxSeed, SeedEvent, SeedMessage } from '../google/seed-types.ts';

export type GraphMethod =
  | 'graph.me'
  | 'graph.mailFolders.list'
  | 'graph.mailFolders.get'
  | 'graph.mailFolders.childFolders'
  | 'graph.messages.delta'
  | 'graph.messages.get'
  | 'graph.calendarView.delta'
  | 'identity.token'
  | 'identity.authorize';

export interface GraphEmulatorOptions {
  /** Default 0: a random free port. The server always binds 127.0.0.1. */
  port?: number;
  /** Default 'rekindle-test-client'. */
  clientId?: string;
  /** Default 'rekindle-test-secret'. */
  clientSecret?: string;
  /** Requests per mailbox over a rolling 10 minutes. Default 10,000 (Outlook's); null = unlimited. */
  requestsPer10Minutes?: number | null;
  /** Requests of one mailbox in flight at once. Default 4 (Outlook's); null = unlimited. */
  maxConcurrentRequests?: number | null;
  /** Retry-After of a MailboxConcurrency refusal. Default 1. */
  concurrencyRetryAfterSeconds?: number;
  /** A random delay in this range is added to every response. Default none. */
  latencyMs?: { min: number; max: number };
  /** Lifetime of issued access tokens. Default 3600. */
  accessTokenTtlSeconds?: number;
}

export interface MethodUsage {
  /** Requests answered by the handler (not refused by throttling, auth or a fault). */
  calls: number;
}

export interface MailboxUsage {
  /** Graph requests of the mailbox that counted against its budget. */
  requests: number;
  /** 429s for the request budget. */
  budgetRejections: number;
  /** 429s for more than the allowed concurrent requests. */
  concurrencyRejections: number;
  byMethod: Partial<Record<GraphMethod, MethodUsage>>;
}

export interface RequestRecord {
  method: GraphMethod | 'unknown';
  path: string;
  /** Query parameters; repeated ones as arrays. */
  query: Record<string, string | string[]>;
  /** The raw Prefer header(s), joined. */
  prefer: string | null;
  /** The mailbox the request acted for, once its credentials were known; null otherwise. */
  user: string | null;
  /** 0 while in flight. */
  status: number;
  /** Set when an injected fault broke the answer on the wire (the status is then meaningless). */
  fault?: WireFault;
  /** The Graph error code (or OAuth `error`) of a failed answer. */
  errorCode: string | null;
  /** Ids of the items a delta page or a message GET served, `@removed` ones excluded. */
  served: string[];
  /** Ids reported as `@removed`. */
  removed: string[];
  /** Epoch milliseconds; finishedAt is 0 while in flight. */
  startedAt: number;
  finishedAt: number;
}

export interface AuthorizationCodeOptions {
  scopes?: string[];
  /** When given, the exchange must present the same redirect_uri. */
  redirectUri?: string;
}

/** Profile fields of a mailbox beyond its seed. */
export interface MailboxProfile {
  displayName?: string;
  /** Default the seed's email; personal Microsoft accounts can have none. */
  mail?: string | null;
  /** Default the seed's email. */
  userPrincipalName?: string;
}

export type WellKnownFolder = 'inbox' | 'sentitems' | 'drafts' | 'deleteditems' | 'junkemail' | 'outbox' | 'archive';

export interface GraphEmulator {
  /** Root of the emulated Graph service, like https://graph.microsoft.com (no version, no slash). */
  graphUrl: string;
  /** Root of the emulated identity platform, like https://login.microsoftonline.com. */
  loginUrl: string;
  /** `${loginUrl}/${tenant}/oauth2/v2.0/token`. */
  tokenUrl(tenant?: string): string;
  /** `${loginUrl}/${tenant}/oauth2/v2.0/authorize`: consents at once and redirects with a code. */
  authorizeUrl(tenant?: string): string;
  clientId: string;
  clientSecret: string;

  /**
   * The same seed the Google emulator takes. Gmail labels become folders: SENT → Sent Items,
   * INBOX → Inbox, DRAFT/SPAM/TRASH → Drafts/Junk Email/Deleted Items, a user label → a folder
   * of that name, and anything else (archived) → Archive. Aliases become `smtp:` proxy addresses.
   */
  addMailbox(seed: MailboxSeed, profile?: MailboxProfile): void;
  /** Default scopes: Mail.ReadBasic Calendars.ReadBasic User.Read offline_access. */
  issueRefreshToken(email: string, scopes?: string[]): string;
  issueAuthorizationCode(email: string, options?: AuthorizationCodeOptions): string;
  /** Every refresh and access token of the user stops working (invalid_grant / 401). */
  revokeGrants(email: string): void;
  /** Every access token of the user expires now (401 InvalidAuthenticationToken). */
  expireAccessTokens(email: string): void;
  /** Refresh tokens of the user that still work (one per grant: each use rotates it). */
  liveRefreshTokens(email: string): string[];
  /** How often an already-rotated refresh token of the user was presented. */
  refreshTokenReuses(email: string): number;

  /** Delivers a message; returns its immutable id. */
  addMessage(email: string, message: SeedMessage): string;
  deleteMessage(email: string, id: string): void;
  /** Moves a message to a folder (well-known name or id); its REST id changes, its immutable id does not. */
  moveMessage(email: string, id: string, folder: string): void;
  /** Creates a folder under `parent` (default the mailbox root); returns its id. */
  addFolder(email: string, displayName: string, parent?: string): string;
  /** Deletes a user folder (and its subfolders); their messages move to Deleted Items. */
  deleteFolder(email: string, folder: string): void;
  /** The id of a folder given by well-known name or id. */
  folderId(email: string, folder: string): string;
  addEvent(email: string, event: SeedEvent): string;
  updateEvent(email: string, id: string, patch: Partial<SeedEvent>): void;
  /** The organizer cancelled the meeting: it stays, with `isCancelled: true`. */
  cancelEvent(email: string, id: string): void;
  /** The event is gone: delta reports it as `@removed`. */
  deleteEvent(email: string, id: string): void;
  /** Every delta token (skip and delta) issued so far answers 410 SyncStateNotFound. */
  expireDeltaTokens(email: string, which?: 'mail' | 'calendar' | 'all'): void;

  injectFault(fault: Fault): void;
  /** Fails a random share of requests from now on (5xx, 429, resets, truncated JSON, timeouts); null stops it. */
  setRandomFaults(options: RandomFaults | null): void;
  /** Faults injected so far, scripted and random, by kind (`status:503`, `wire:reset`, `delay`). */
  injectedFaults(): Record<string, number>;
  clearFaults(): void;
  usage(email: string): MailboxUsage;
  requests(email?: string): RequestRecord[];
  /** Highest number of the mailbox's Graph requests in flight at once (refused ones included). */
  maxConcurrent(email: string): number;
  close(): Promise<void>;
}

export type { Fault, RandomFaults, WireFault };
