import { ProviderError } from '../provider-error.ts';
import { InsecureDavUrlError, type DavProblem } from './dav-fetch.ts';
import { UNTRUSTED_CERTIFICATE } from '../../security/untrusted-certificate.ts';

/**
 * Why reading a calendar (a CalDAV server, an .ics feed) failed, in words a person can act on.
 * The check before saving (src/accounts/check-calendar-sources.ts) shows `message` as it is;
 * the sync maps `reason` onto the provider vocabulary (src/providers/provider-error.ts).
 *
 * tsdav reports most failures as "cannot find principalUrl"; what the server really said is in
 * the transport's notes (dav-fetch.ts), read here first.
 */
export type CalendarFailureReason =
  | 'wrong_password'
  | 'untrusted_certificate'
  | 'insecure'
  | 'private_address'
  | 'not_found'
  | 'not_calendar'
  | 'unreachable'
  | 'throttled'
  | 'server_error';

export interface CalendarFailure {
  reason: CalendarFailureReason;
  message: string;
  /** From a 429 or 503 with Retry-After. */
  retryAfterMs?: number;
}

/** The expired sync token of RFC 6578 (403 or 409 with `valid-sync-token`): read the calendar again. */
export class SyncTokenExpiredError extends Error {
  constructor(calendar: string) {
    super(`the server no longer knows the sync token of ${calendar}`);
    this.name = 'SyncTokenExpiredError';
  }
}

/** The server answered, but not as a CalDAV server or an iCalendar feed does. */
export class NotCalendarError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotCalendarError';
  }
}

export function describeCalendarFailure(
  error: unknown,
  problems: DavProblem[],
  what: { kind: 'CalDAV server' | 'calendar feed'; host: string },
): CalendarFailure {
  const name = `The ${what.kind} at ${what.host}`;
  if (error instanceof InsecureDavUrlError) return { reason: 'insecure', message: error.message };
  // Refused before connecting (src/security/network-guard.ts): nothing about the port is known.
  if (problems.some((p) => p.code === 'ERR_PRIVATE_ADDRESS')) {
    return {
      reason: 'private_address',
      message: `${name} is on a private or local network, and this rekindle connects only to servers on the internet (its operator can allow private networks with ALLOW_PRIVATE_SERVERS).`,
    };
  }
  const unauthorized = problems.find((p) => p.status === 401);
  if (unauthorized) {
    return {
      reason: 'wrong_password',
      message:
        what.kind === 'CalDAV server'
          ? `${name} did not accept this user name and password. Use an app password made for rekindle (Fastmail and iCloud accept the same app password for mail and calendars).`
          : `${name} asks for a password. Use the calendar's secret or public address (it ends in .ics), which needs none.`,
    };
  }
  const certificate = problems.find((p) => p.code && UNTRUSTED_CERTIFICATE.has(p.code));
  if (certificate) {
    return {
      reason: 'untrusted_certificate',
      message: `The certificate of ${what.host} is not trusted (${certificate.code}). If this is your own server and its certificate is self-signed, you can choose to accept it for this server only.`,
    };
  }
  const throttled = problems.find((p) => p.status === 429 || (p.status === 503 && p.retryAfterMs !== undefined));
  if (throttled) return { reason: 'throttled', message: `${name} asks to slow down.`, retryAfterMs: throttled.retryAfterMs ?? 60_000 };
  const network = problems.findLast((p) => p.code);
  if (network) return { reason: 'unreachable', message: `${name} cannot be reached (${network.code}).` };
  const serverError = problems.findLast((p) => p.status !== undefined && p.status >= 500);
  if (serverError) return { reason: 'server_error', message: `${name} answered with an error (HTTP ${serverError.status}).` };
  const missing = problems.findLast((p) => p.status === 404 || p.status === 405 || p.status === 410);
  if (missing) {
    return {
      reason: 'not_found',
      message:
        what.kind === 'CalDAV server'
          ? `${name} has no calendars at this address (HTTP ${missing.status}). Check the CalDAV address your provider gives (for example https://caldav.fastmail.com/ or https://caldav.icloud.com/).`
          : `${name} has no calendar at this address (HTTP ${missing.status}). Copy the subscription address again.`,
    };
  }
  const forbidden = problems.findLast((p) => p.status === 403);
  if (forbidden)
    return { reason: 'wrong_password', message: `${name} refused access (HTTP 403). Check that the app password may read calendars.` };
  if (error instanceof NotCalendarError) return { reason: 'not_calendar', message: `${name}: ${error.message}` };
  if (/principalUrl|homeUrl/.test(String((error as Error | null)?.message))) {
    return {
      reason: 'not_calendar',
      message: `${name} does not answer like a CalDAV server. Check the address: it is your provider's CalDAV address, not its web page.`,
    };
  }
  const text = error instanceof Error ? error.message : String(error);
  return { reason: 'server_error', message: `${name} answered in a way rekindle cannot read: ${text.slice(0, 200)}` };
}

/**
 * The provider vocabulary: what the sync engine does next. A wrong password is `auth_revoked`
 * (the account needs the person) only when it is the IMAP app password too: a calendar's own
 * password going stale must not stop the account's mail, so that one is `permanent` (retried
 * hours later, the error shown on the status page).
 */
export function mapCalendarError(
  error: unknown,
  problems: DavProblem[],
  what: { kind: 'CalDAV server' | 'calendar feed'; host: string; passwordIsTheMailbox: boolean },
): ProviderError {
  if (error instanceof ProviderError) return error;
  const provider = what.kind === 'CalDAV server' ? 'caldav' : 'ics';
  if (error instanceof SyncTokenExpiredError) return new ProviderError('cursor_expired', error.message, { provider, cause: error });
  const failure = describeCalendarFailure(error, problems, what);
  const options = { provider, cause: error };
  switch (failure.reason) {
    case 'wrong_password':
      return new ProviderError(what.passwordIsTheMailbox ? 'auth_revoked' : 'permanent', failure.message, options);
    case 'throttled':
      return new ProviderError('throttled', failure.message, { ...options, retryAfterMs: failure.retryAfterMs ?? 60_000 });
    case 'insecure':
    case 'private_address':
    case 'untrusted_certificate':
    case 'not_found':
    case 'not_calendar':
      return new ProviderError('permanent', failure.message, options);
    default:
      return new ProviderError('transient', failure.message, options);
  }
}
