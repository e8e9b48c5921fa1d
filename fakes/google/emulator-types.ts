/**
 * The contract of the Google emulator: Gmail (metadata subset), Google Calendar (events.list)
 * and Google's OAuth token endpoint, served over HTTP on loopback so the real `googleapis`
 * client talks to it exactly as it talks to Google.
 *
 * What it reproduces: paths and query parameters, paging with opaque tokens, JSON shapes,
 * Google's error bodies (401 that makes googleapis refresh, invalid_grant, metadata-scope
 * refusals, history 404, sync-token 410, per-user quota with Retry-After), and injected faults.
 *
 * Deliberately left out: writes (send, modify, insert), threads and labels endpoints, `fields`
 * partial responses (the whole resource is always returned), recurring events, push
 * notifications, batch requests, and the per-project quota.
 */
import type { Fault, RandomFaults, WireFault } from '../shared/fault-list.ts';
import type { MailboxSeed, SeedEvent, SeedMessage } from './seed-types.ts';

export type ApiMethod =
  | 'gmail.users.getProfile'
  | 'gmail.users.messages.list'
  | 'gmail.users.messages.get'
  | 'gmail.users.history.list'
  | 'calendar.events.list'
  | 'oauth.token'
  | 'oauth.revoke';

export interface GoogleEmulatorOptions {
  /** Default 0: a random free port. The server always binds 127.0.0.1. */
  port?: number;
  /** Default 'rekindle-test-client'. */
  clientId?: string;
  /** Default 'rekindle-test-secret'. */
  clientSecret?: string;
  /** Gmail units per user per rolling 60 s. Default 6000; null = unlimited. */
  quotaUnitsPerMinute?: number | null;
  /** Calendar requests per user per rolling 60 s. Default 600; null = unlimited. */
  calendarRequestsPerMinute?: number | null;
  /** 429 rateLimitExceeded / RESOURCE_EXHAUSTED (default) or 403 userRateLimitExceeded. */
  quotaErrorStyle?: '429' | '403';
  /** A random delay in this range is added to every response. Default none. */
  latencyMs?: { min: number; max: number };
  /** Lifetime of issued access tokens. Default 3600. */
  accessTokenTtlSeconds?: number;
  /** Most history records on one history.list page (also capped by maxResults). Default 100. */
  historyPageSize?: number;
}

export interface MethodUsage {
  /** Calls admitted by the quota (and by the token endpoint, for `oauth.token`). */
  calls: number;
  /** Gmail units charged (0 for calendar and oauth). */
  units: number;
}

export interface QuotaUsage {
  /** Gmail units charged since the emulator started. */
  units: number;
  /** Calendar requests admitted since the emulator started. */
  calendarRequests: number;
  byMethod: Partial<Record<ApiMethod, MethodUsage>>;
  /** Requests refused for quota (never charged). */
  rejected: number;
}

export interface RequestRecord {
  method: ApiMethod | 'unknown';
  path: string;
  /** Query parameters; repeated ones (labelIds, metadataHeaders) as arrays. */
  query: Record<string, string | string[]>;
  /** The mailbox the request acted for, once its credentials were known; null otherwise. */
  user: string | null;
  /** For messages.get. */
  messageId?: string;
  /** 0 while the request is still in flight. */
  status: number;
  /** Set when an injected fault broke the answer on the wire (the status is then meaningless). */
  fault?: WireFault;
  /** Epoch milliseconds; finishedAt is 0 while in flight. */
  startedAt: number;
  finishedAt: number;
}

export interface AuthorizationCodeOptions {
  scopes?: string[];
  /** When given, the exchange must present the same redirect_uri. */
  redirectUri?: string;
}

export interface GoogleEmulator {
  /** Root URL for both google.gmail({rootUrl}) and google.calendar({rootUrl}); ends with '/'. */
  url: string;
  /** OAuth token endpoint, for `new google.auth.OAuth2({endpoints: {oauth2TokenUrl}})`. */
  tokenUrl: string;
  /**
   * A consent screen that consents at once: GET with client_id, redirect_uri, scope, state and
   * login_hint redirects to redirect_uri with a code (for the web connect flow). Use it as
   * `endpoints.oauth2AuthBaseUrl`.
   */
  authUrl: string;
  clientId: string;
  clientSecret: string;

  addMailbox(seed: MailboxSeed): void;
  /** A refresh token for the mailbox. Default scopes: gmail.metadata + calendar.readonly.
   *  Scopes may be full URLs or short names ('gmail.readonly'). */
  issueRefreshToken(email: string, scopes?: string[]): string;
  /** A one-time code for grant_type=authorization_code. */
  issueAuthorizationCode(email: string, options?: AuthorizationCodeOptions | string[]): string;
  /** Every refresh and access token of the user stops working (invalid_grant / 401). */
  revokeGrants(email: string): void;
  /** Every access token of the user expires now (401 → googleapis refreshes). */
  expireAccessTokens(email: string): void;

  /** Returns the message id; recorded in history as messageAdded. */
  addMessage(email: string, message: SeedMessage): string;
  /** Recorded in history as messageDeleted. */
  deleteMessage(email: string, id: string): void;
  /** Recorded in history as labelsAdded / labelsRemoved. */
  modifyLabels(email: string, id: string, change: { add?: string[]; remove?: string[] }): void;
  addEvent(email: string, event: SeedEvent): string;
  updateEvent(email: string, id: string, patch: Partial<SeedEvent>): void;
  cancelEvent(email: string, id: string): void;
  /** Every historyId issued so far becomes too old: history.list answers 404. */
  expireHistory(email: string): void;
  /** Every calendar syncToken issued so far answers 410. */
  expireSyncTokens(email: string): void;
  /** The mailbox's current historyId, as getProfile reports it. */
  historyId(email: string): string;

  injectFault(fault: Fault): void;
  /** Fails a random share of requests from now on (5xx, 429, resets, truncated JSON, timeouts); null stops it. */
  setRandomFaults(options: RandomFaults | null): void;
  /** Faults injected so far, scripted and random, by kind (`status:503`, `wire:reset`, `delay`). */
  injectedFaults(): Record<string, number>;
  /** Drops faults not yet used up. */
  clearFaults(): void;
  usage(email: string): QuotaUsage;
  requests(email?: string): RequestRecord[];
  /** Highest number of this user's API requests in flight at once. */
  maxConcurrent(email: string): number;
  close(): Promise<void>;
}

export type { Fault, RandomFaults, WireFault };
