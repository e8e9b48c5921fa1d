import { ProviderError, isProviderError } from '../provider-error.ts';

/** The Google calls rekindle makes; named like the emulator's request log. */
export type GoogleCall =
  | 'gmail.users.getProfile'
  | 'gmail.users.messages.list'
  | 'gmail.users.messages.get'
  | 'gmail.users.history.list'
  | 'calendar.events.list'
  | 'oauth.token';

export interface GoogleErrorContext {
  /** Which call failed: a 404 means "cursor expired" on history.list and "gone" elsewhere. */
  call?: GoogleCall;
  /** The access token was already refreshed for this request, so a 401 means the grant is gone. */
  afterRefresh?: boolean;
  /** Epoch ms, to turn an HTTP-date Retry-After into a wait. */
  now?: number;
}

const PROVIDER = 'google';

/**
 * Reasons Google gives for "slow down". Gmail and Calendar send them with 403 (the documented
 * `usageLimits` domain) as well as 429; newer responses also carry an AIP-193 ErrorInfo reason.
 * `dailyLimitExceeded` is the project's daily cap: still a throttle, only a long one.
 */
const THROTTLE_REASONS = new Set([
  'rateLimitExceeded',
  'userRateLimitExceeded',
  'quotaExceeded',
  'dailyLimitExceeded',
  'RATE_LIMIT_EXCEEDED',
]);

/** Error codes of a request that never got an answer (node-fetch, undici, DNS, gaxios timeout). */
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'TimeoutError',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  // A JSON answer cut short (broken-answer.ts).
  'EBROKENANSWER',
]);

const TRANSIENT_STATUSES = new Set([408, 500, 502, 503, 504]);

/**
 * Maps anything a googleapis / gaxios / google-auth-library call can throw to the provider
 * error vocabulary. Pure: it reads the error's shape (duck-typed, so a GaxiosError from any
 * copy of gaxios works) and never performs I/O.
 */
export function mapGoogleError(error: unknown, context: GoogleErrorContext = {}): ProviderError {
  if (isProviderError(error)) return error;

  const response = responseOf(error);
  const status = response?.status ?? null;
  const data = response?.data;
  const make = (kind: ProviderError['kind'], message: string, retryAfterMs: number | null = null) =>
    new ProviderError(kind, message, { provider: PROVIDER, status, retryAfterMs, cause: summaryOf(error, status, context.call) });

  // The token endpoint answers in OAuth's form: {"error": "invalid_grant", "error_description": …}.
  const oauthError = oauthErrorCode(data);
  if (oauthError !== null) {
    if (oauthError === 'invalid_grant') return make('auth_revoked', 'Google refused the refresh token (invalid_grant)');
    if (status === 429) return make('throttled', 'Google token endpoint throttled', retryAfterOf(response, context.now));
    if (status !== null && status >= 500) return make('transient', `Google token endpoint answered ${status}`);
    return make('permanent', `Google token endpoint refused the request (${oauthError})`);
  }

  if (status === null) {
    if (isNetworkError(error)) return make('transient', `network error talking to Google: ${codeOf(error) ?? messageOf(error)}`);
    // A GaxiosError without a response is a request that never completed.
    if (isGaxiosLike(error)) return make('transient', `request to Google failed: ${messageOf(error)}`);
    return make('permanent', `unexpected error calling Google: ${messageOf(error)}`);
  }

  const reasons = reasonsOf(data);
  if (status === 429 || (status === 403 && reasons.some((r) => THROTTLE_REASONS.has(r)))) {
    return make(
      'throttled',
      `Google throttled the request (${status} ${reasons.join(',') || 'rate limit'})`,
      retryAfterOf(response, context.now),
    );
  }
  if (status === 404 && context.call === 'gmail.users.history.list') {
    return make('cursor_expired', 'Gmail historyId is too old (history.list 404); a full sync is required');
  }
  if (status === 410 && context.call === 'calendar.events.list') {
    return make('cursor_expired', 'Calendar sync token expired (410); a full sync is required');
  }
  if (status === 401) {
    return context.afterRefresh
      ? make('auth_revoked', 'Google rejected a freshly refreshed access token (401)')
      : make('transient', 'Google rejected the access token (401); a retry refreshes it');
  }
  if (TRANSIENT_STATUSES.has(status)) return make('transient', `Google answered ${status}`);
  return make('permanent', `Google answered ${status}${reasons.length ? ` (${reasons.join(',')})` : ''}`);
}

/**
 * The cause kept on the ProviderError. Not the GaxiosError itself: its `config` holds the
 * request, and gaxios' default redactor leaves the refresh token in a token request's body, so a
 * logged cause chain would leak it.
 */
function summaryOf(error: unknown, status: number | null, call: GoogleCall | undefined): Error {
  const reasons = reasonsOf(responseOf(error)?.data);
  return Object.assign(new Error(messageOf(error)), {
    name: 'GoogleApiError',
    status,
    code: codeOf(error),
    call: call ?? null,
    reasons,
  });
}

interface ResponseLike {
  status: number;
  data?: unknown;
  headers?: unknown;
}

function responseOf(error: unknown): ResponseLike | null {
  if (!isObject(error)) return null;
  const response = error.response;
  if (isObject(response) && typeof response.status === 'number') return response as unknown as ResponseLike;
  return null;
}

function oauthErrorCode(data: unknown): string | null {
  if (isObject(data) && typeof data.error === 'string') return data.error;
  return null;
}

/** `errors[].reason` (Google's classic JSON error) plus AIP-193 `details[].reason` and `status`. */
function reasonsOf(data: unknown): string[] {
  if (!isObject(data) || !isObject(data.error)) return [];
  const body = data.error;
  const reasons: string[] = [];
  for (const list of [body.errors, body.details]) {
    if (!Array.isArray(list)) continue;
    for (const item of list) {
      if (isObject(item) && typeof item.reason === 'string') reasons.push(item.reason);
    }
  }
  if (body.status === 'RESOURCE_EXHAUSTED') reasons.push('RATE_LIMIT_EXCEEDED');
  return reasons;
}

/** Retry-After is either delta-seconds or an HTTP-date (RFC 9110 §10.2.3). */
function retryAfterOf(response: ResponseLike | null, now = Date.now()): number | null {
  const value = headerOf(response?.headers, 'retry-after');
  if (value === null) return null;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** Headers as gaxios gives them (a fetch `Headers`) or as a plain object from older shapes. */
function headerOf(headers: unknown, name: string): string | null {
  if (!isObject(headers)) return null;
  if (typeof headers.get === 'function') {
    const value = (headers.get as (n: string) => unknown).call(headers, name);
    return typeof value === 'string' ? value : null;
  }
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return Array.isArray(value) ? String(value[0]) : String(value);
  }
  return null;
}

/** node-fetch puts the system code on the error; undici hides it in `cause`; walk the chain. */
function isNetworkError(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; isObject(e) && depth < 5; e = e.cause, depth++) {
    if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return true;
    if (e.name === 'TimeoutError') return true;
  }
  return false;
}

function codeOf(error: unknown): string | null {
  for (let e: unknown = error, depth = 0; isObject(e) && depth < 5; e = e.cause, depth++) {
    if (typeof e.code === 'string') return e.code;
  }
  return null;
}

/** gaxios tags its errors with this symbol (it does not set `name`); `config` covers old copies. */
const GAXIOS_ERROR = Symbol.for('gaxios-gaxios-error');

function isGaxiosLike(error: unknown): boolean {
  return isObject(error) && (GAXIOS_ERROR in error || 'config' in error);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
