/** What the request pipeline hands a Graph handler, and what a handler answers. */
import type { CalendarStore } from './calendar-store.ts';
import type { GraphMethod } from './emulator-types.ts';
import type { Grant } from './identity-grants.ts';
import type { MailStore } from './mail-store.ts';
import type { MailboxLimits } from './mailbox-limits.ts';

/** Everything the emulator keeps for one mailbox. */
export interface MailboxAccount {
  email: string;
  aliases: string[];
  /** The directory object id (`/me` id). */
  id: string;
  displayName: string;
  mail: string | null;
  userPrincipalName: string;
  mailbox: MailStore;
  calendar: CalendarStore;
  limits: MailboxLimits;
}

/** The Prefer header's preferences, as far as Graph honours them here. */
export interface Preferences {
  maxPageSize: number | null;
  immutableIds: boolean;
  timeZone: string | null;
}

export interface GraphContext {
  account: MailboxAccount;
  grant: Grant;
  query: URLSearchParams;
  /** Decoded path parameters, in path order. */
  params: string[];
  prefer: Preferences;
  /** The emulated Graph root (no version), for absolute links. */
  baseUrl: string;
}

export interface GraphAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  served?: string[];
  removed?: string[];
}

export interface GraphRoute {
  method: GraphMethod;
  /** Matched case-insensitively against the path after /v1.0; capture groups become `params`. */
  pattern: RegExp;
  /** Any one of these grants access; otherwise 403. */
  scopes: string[];
  handle(context: GraphContext): GraphAnswer;
}

export const USER_SCOPES = ['User.Read', 'User.ReadWrite', 'User.ReadBasic.All', 'User.Read.All', 'Directory.Read.All'];
export const MAIL_SCOPES = ['Mail.ReadBasic', 'Mail.Read', 'Mail.ReadWrite'];
export const CALENDAR_SCOPES = ['Calendars.ReadBasic', 'Calendars.Read', 'Calendars.ReadWrite'];

/** Only the basic permission: no bodies, no headers, no extended properties. */
export function mailBasicOnly(grant: Grant): boolean {
  return !grant.scopes.has('Mail.Read') && !grant.scopes.has('Mail.ReadWrite');
}

export function calendarBasicOnly(grant: Grant): boolean {
  return !grant.scopes.has('Calendars.Read') && !grant.scopes.has('Calendars.ReadWrite');
}

/** A path segment that names an entity: `/{id}` or OData's key form `('{id}')`. */
export const KEY = "(?:/([^/()']+)|\\('([^']*)'\\))";

/** A query option by name, ignoring case (Graph accepts `$Select`, `startdatetime`, …). */
export function param(query: URLSearchParams, name: string): string | null {
  const wanted = name.toLowerCase();
  for (const [key, value] of query) if (key.toLowerCase() === wanted) return value;
  return null;
}

export function hasParam(query: URLSearchParams, name: string): boolean {
  return param(query, name) !== null;
}

/** `odata.maxpagesize=50, IdType="ImmutableId", outlook.timezone="UTC"` (one header or several). */
export function parsePrefer(header: string | string[] | undefined): Preferences {
  const prefer: Preferences = { maxPageSize: null, immutableIds: false, timeZone: null };
  const raw = Array.isArray(header) ? header.join(',') : (header ?? '');
  for (const part of raw.split(',')) {
    const [rawName, ...rest] = part.split('=');
    const name = rawName?.trim().toLowerCase();
    const value = rest.join('=').trim().replace(/^"|"$/g, '');
    if (name === 'odata.maxpagesize' && /^\d+$/.test(value) && Number(value) > 0) prefer.maxPageSize = Number(value);
    else if (name === 'idtype') prefer.immutableIds = value.toLowerCase() === 'immutableid';
    else if (name === 'outlook.timezone') prefer.timeZone = value;
  }
  return prefer;
}

export function ok(body: unknown, extra: Omit<GraphAnswer, 'status' | 'body'> = {}): GraphAnswer {
  return { status: 200, body, ...extra };
}

export function fail(status: number, body: unknown): GraphAnswer {
  return { status, body };
}
