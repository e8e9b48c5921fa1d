/** What the request pipeline hands an API handler, and what a handler answers. */
import type { CalendarStore } from './calendar-store.ts';
import type { ApiMethod } from './emulator-types.ts';
import type { GmailStore } from './gmail-store.ts';
import type { ApiStyle } from './google-errors.ts';
import type { Grant } from './oauth-grants.ts';
import type { UserQuota } from './quota.ts';

/** Everything the emulator keeps for one Google account. */
export interface UserAccount {
  email: string;
  aliases: string[];
  gmail: GmailStore;
  calendar: CalendarStore;
  quota: UserQuota;
  inFlight: number;
  maxInFlight: number;
}

export interface ApiContext {
  account: UserAccount;
  grant: Grant;
  query: URLSearchParams;
  /** Decoded path parameters, in path order. */
  params: string[];
  historyPageSize: number;
}

export interface ApiResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface ApiRoute {
  method: ApiMethod;
  style: ApiStyle;
  /** Matched against the URL path; capture groups become `params`. */
  pattern: RegExp;
  /** Any one of these grants access; otherwise 403 insufficientPermissions. */
  scopes: string[];
  handle(context: ApiContext): ApiResponse;
}

export function ok(body: unknown): ApiResponse {
  return { status: 200, body };
}

export function fail(status: number, body: unknown): ApiResponse {
  return { status, body };
}

/** A user's own address or alias (case-insensitive). */
export function isOwnAddress(account: UserAccount, address: string): boolean {
  const lower = address.toLowerCase();
  return account.email === lower || account.aliases.includes(lower);
}

/** Parses maxResults like Google: absent → default, above the cap → the cap, junk → null. */
export function pageSize(value: string | null, defaultSize: number, max: number): number | null {
  if (value === null) return defaultSize;
  if (!/^\d+$/.test(value)) return null;
  const n = Number(value);
  if (n < 1) return null;
  return Math.min(n, max);
}

export function flag(value: string | null): boolean {
  return value === 'true' || value === '1';
}
