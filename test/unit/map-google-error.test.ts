import { gaxios } from 'google-auth-library';
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/providers/provider-error.ts';
import { mapGoogleError, type GoogleErrorContext } from '../../src/providers/google/map-google-error.ts';

const { GaxiosError } = gaxios;
// gaxios' own (internal, hence untyped) extractor, so the errors carry exactly what gaxios puts on them.
const extractAPIError = (
  GaxiosError as unknown as {
    extractAPIErrorFromResponse(response: unknown, fallback: string): { message: string } | undefined;
  }
).extractAPIErrorFromResponse;
const GMAIL = 'https://gmail.googleapis.com/gmail/v1/users/me';
const CALENDAR = 'https://www.googleapis.com/calendar/v3/calendars/primary/events';
const TOKEN = 'https://oauth2.googleapis.com/token';

/** A GaxiosError built the way gaxios builds one from a non-2xx answer. */
function httpError(url: string, status: number, body: unknown, headers: Record<string, string> = {}) {
  const config = { url: new URL(url), method: url === TOKEN ? 'POST' : 'GET', headers: new Headers() };
  const response = { status, statusText: '', ok: false, bodyUsed: true, headers: new Headers(headers), data: body, config };
  const info = extractAPIError(response, `Request failed with status code ${status}`);
  return new GaxiosError(info?.message ?? 'failed', config as never, response as never, info);
}

/** A GaxiosError of a request that got no answer; `cause` as node-fetch / undici / AbortSignal give it. */
function networkError(cause: unknown) {
  const config = { url: new URL(`${GMAIL}/profile`), method: 'GET', headers: new Headers() };
  const message = cause instanceof Error ? cause.message : String(cause);
  return new GaxiosError(message, config as never, undefined, cause);
}

const systemError = (code: string, message: string) => Object.assign(new Error(message), { code, errno: code, type: 'system' });

// Bodies as Google sends them (classic `errors[]`, AIP-193 `status` / `details`).
const gmailRateLimit = {
  error: {
    code: 429,
    message: 'Too many concurrent requests for user.',
    errors: [{ message: 'Too many concurrent requests for user.', domain: 'global', reason: 'rateLimitExceeded' }],
    status: 'RESOURCE_EXHAUSTED',
  },
};
const usageLimit = (reason: string, code = 403) => ({
  error: { errors: [{ domain: 'usageLimits', reason, message: 'Rate Limit Exceeded' }], code, message: 'Rate Limit Exceeded' },
});
const notFound = {
  error: {
    code: 404,
    message: 'Requested entity was not found.',
    errors: [{ message: 'Requested entity was not found.', domain: 'global', reason: 'notFound' }],
    status: 'NOT_FOUND',
  },
};
const fullSyncRequired = {
  error: {
    errors: [{ domain: 'global', reason: 'fullSyncRequired', message: 'Sync token is no longer valid, a full sync is required.' }],
    code: 410,
    message: 'Sync token is no longer valid, a full sync is required.',
  },
};
const invalidCredentials = {
  error: {
    code: 401,
    message:
      'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
    errors: [{ message: 'Invalid Credentials', domain: 'global', reason: 'authError', location: 'Authorization', locationType: 'header' }],
    status: 'UNAUTHENTICATED',
  },
};
const metadataScopeQ = {
  error: {
    code: 403,
    message: "Metadata scope does not support 'q' parameter",
    errors: [{ message: "Metadata scope does not support 'q' parameter", domain: 'global', reason: 'forbidden' }],
    status: 'PERMISSION_DENIED',
  },
};
const insufficientScope = {
  error: {
    code: 403,
    message: 'Request had insufficient authentication scopes.',
    errors: [{ message: 'Insufficient Permission', domain: 'global', reason: 'insufficientPermissions' }],
    status: 'PERMISSION_DENIED',
    details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'ACCESS_TOKEN_SCOPE_INSUFFICIENT', domain: 'googleapis.com' }],
  },
};
const quotaExhaustedAip193 = {
  error: {
    code: 429,
    message: "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute per user'",
    status: 'RESOURCE_EXHAUSTED',
    details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'RATE_LIMIT_EXCEEDED', domain: 'googleapis.com' }],
  },
};
const badRequest = {
  error: {
    code: 400,
    message: 'Invalid id value',
    errors: [{ message: 'Invalid id value', domain: 'global', reason: 'invalidArgument' }],
    status: 'INVALID_ARGUMENT',
  },
};

const NOW = Date.parse('2025-06-02T10:00:00Z');

interface Case {
  name: string;
  error: unknown;
  context?: GoogleErrorContext;
  kind: ProviderError['kind'];
  retryAfterMs?: number | null;
  status?: number | null;
}

const cases: Case[] = [
  // throttled
  {
    name: 'Gmail 429 with Retry-After seconds',
    error: httpError(`${GMAIL}/messages/1`, 429, gmailRateLimit, { 'Retry-After': '30' }),
    kind: 'throttled',
    retryAfterMs: 30_000,
    status: 429,
  },
  {
    name: '429 with an HTTP-date Retry-After',
    error: httpError(`${GMAIL}/messages`, 429, gmailRateLimit, { 'retry-after': 'Mon, 02 Jun 2025 10:00:45 GMT' }),
    context: { now: NOW },
    kind: 'throttled',
    retryAfterMs: 45_000,
  },
  {
    name: 'Retry-After date in the past waits nothing',
    error: httpError(GMAIL, 429, gmailRateLimit, { 'retry-after': 'Mon, 02 Jun 2025 09:00:00 GMT' }),
    context: { now: NOW },
    kind: 'throttled',
    retryAfterMs: 0,
  },
  { name: '429 without Retry-After', error: httpError(GMAIL, 429, gmailRateLimit), kind: 'throttled', retryAfterMs: null },
  {
    name: '429 with an unreadable Retry-After',
    error: httpError(GMAIL, 429, gmailRateLimit, { 'retry-after': 'soon' }),
    kind: 'throttled',
    retryAfterMs: null,
  },
  {
    name: 'Gmail 403 userRateLimitExceeded',
    error: httpError(`${GMAIL}/messages/1`, 403, usageLimit('userRateLimitExceeded')),
    kind: 'throttled',
    status: 403,
  },
  { name: 'Gmail 403 rateLimitExceeded', error: httpError(`${GMAIL}/messages/1`, 403, usageLimit('rateLimitExceeded')), kind: 'throttled' },
  {
    name: 'Calendar 403 quotaExceeded',
    error: httpError(CALENDAR, 403, usageLimit('quotaExceeded')),
    context: { call: 'calendar.events.list' },
    kind: 'throttled',
  },
  {
    name: 'Calendar 403 rateLimitExceeded with Retry-After',
    error: httpError(CALENDAR, 403, usageLimit('rateLimitExceeded'), { 'retry-after': '5' }),
    kind: 'throttled',
    retryAfterMs: 5_000,
  },
  { name: '403 dailyLimitExceeded', error: httpError(GMAIL, 403, usageLimit('dailyLimitExceeded')), kind: 'throttled' },
  { name: '429 RESOURCE_EXHAUSTED (AIP-193 only)', error: httpError(GMAIL, 429, quotaExhaustedAip193), kind: 'throttled' },
  {
    name: 'token endpoint 429',
    error: httpError(TOKEN, 429, { error: 'rate_limit_exceeded' }, { 'retry-after': '2' }),
    context: { call: 'oauth.token' },
    kind: 'throttled',
    retryAfterMs: 2_000,
  },

  // cursor_expired, only where the caller says so
  {
    name: 'Gmail history.list 404',
    error: httpError(`${GMAIL}/history`, 404, notFound),
    context: { call: 'gmail.users.history.list' },
    kind: 'cursor_expired',
    status: 404,
  },
  {
    name: 'Gmail messages.get 404 is not a cursor problem',
    error: httpError(`${GMAIL}/messages/1`, 404, notFound),
    context: { call: 'gmail.users.messages.get' },
    kind: 'permanent',
    status: 404,
  },
  { name: '404 with no call named', error: httpError(`${GMAIL}/history`, 404, notFound), kind: 'permanent', status: 404 },
  {
    name: 'Calendar events.list 410 fullSyncRequired',
    error: httpError(CALENDAR, 410, fullSyncRequired),
    context: { call: 'calendar.events.list' },
    kind: 'cursor_expired',
    status: 410,
  },
  {
    name: '410 from another call',
    error: httpError(GMAIL, 410, fullSyncRequired),
    context: { call: 'gmail.users.messages.list' },
    kind: 'permanent',
  },

  // auth_revoked
  {
    name: 'invalid_grant: token expired or revoked',
    error: httpError(TOKEN, 400, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' }),
    context: { call: 'oauth.token' },
    kind: 'auth_revoked',
    status: 400,
  },
  {
    name: 'invalid_grant: Bad Request',
    error: httpError(TOKEN, 400, { error: 'invalid_grant', error_description: 'Bad Request' }),
    kind: 'auth_revoked',
  },
  {
    name: 'invalid_grant: account deleted',
    error: httpError(TOKEN, 400, { error: 'invalid_grant', error_description: 'Account has been deleted' }),
    kind: 'auth_revoked',
  },
  {
    name: 'invalid_grant: reauth required (message rewritten by google-auth-library)',
    error: (() => {
      const e = httpError(TOKEN, 400, {
        error: 'invalid_grant',
        error_description: 'reauth related error (invalid_rapt)',
        error_subtype: 'invalid_rapt',
      });
      e.message = JSON.stringify(e.response?.data);
      return e;
    })(),
    kind: 'auth_revoked',
  },
  {
    name: '401 after a refresh',
    error: httpError(`${GMAIL}/profile`, 401, invalidCredentials),
    context: { call: 'gmail.users.getProfile', afterRefresh: true },
    kind: 'auth_revoked',
    status: 401,
  },
  {
    name: '401 before any refresh is worth a retry',
    error: httpError(`${GMAIL}/profile`, 401, invalidCredentials),
    kind: 'transient',
    status: 401,
  },

  // transient
  ...[500, 502, 503, 504].map((status) => ({
    name: `API ${status}`,
    error: httpError(`${GMAIL}/messages`, status, {
      error: { code: status, message: 'Backend Error', errors: [{ reason: 'backendError', domain: 'global' }] },
    }),
    kind: 'transient' as const,
    status,
  })),
  { name: '503 with an HTML body', error: httpError(CALENDAR, 503, '<html>Service Unavailable</html>'), kind: 'transient' },
  { name: '408 request timeout', error: httpError(GMAIL, 408, ''), kind: 'transient' },
  { name: 'token endpoint 500', error: httpError(TOKEN, 500, { error: 'internal_failure' }), kind: 'transient' },
  {
    name: 'ECONNRESET (node-fetch FetchError)',
    error: networkError(systemError('ECONNRESET', 'request to https://gmail.googleapis.com/ failed, reason: socket hang up')),
    kind: 'transient',
    status: null,
  },
  {
    name: 'ECONNREFUSED (node-fetch FetchError)',
    error: networkError(systemError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:443')),
    kind: 'transient',
  },
  { name: 'ETIMEDOUT', error: networkError(systemError('ETIMEDOUT', 'connect ETIMEDOUT')), kind: 'transient' },
  { name: 'ENOTFOUND', error: networkError(systemError('ENOTFOUND', 'getaddrinfo ENOTFOUND gmail.googleapis.com')), kind: 'transient' },
  {
    name: 'gaxios timeout (AbortSignal.timeout)',
    error: networkError(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
    kind: 'transient',
  },
  {
    name: 'undici fetch failed with the code in its cause',
    error: networkError(new TypeError('fetch failed', { cause: systemError('ECONNRESET', 'read ECONNRESET') })),
    kind: 'transient',
  },
  { name: 'a bare system error', error: systemError('ECONNRESET', 'socket hang up'), kind: 'transient' },
  { name: 'a gaxios error with no answer and no code', error: networkError(new Error('premature close')), kind: 'transient' },

  // permanent
  { name: 'metadata scope refuses q', error: httpError(`${GMAIL}/messages`, 403, metadataScopeQ), kind: 'permanent', status: 403 },
  { name: 'insufficient scopes', error: httpError(CALENDAR, 403, insufficientScope), kind: 'permanent' },
  { name: '400 invalid argument', error: httpError(`${GMAIL}/messages/zz`, 400, badRequest), kind: 'permanent', status: 400 },
  {
    name: 'token endpoint invalid_client',
    error: httpError(TOKEN, 401, { error: 'invalid_client', error_description: 'The OAuth client was not found.' }),
    kind: 'permanent',
    status: 401,
  },
  {
    name: 'token endpoint unauthorized_client',
    error: httpError(TOKEN, 400, { error: 'unauthorized_client', error_description: 'Unauthorized' }),
    kind: 'permanent',
  },
  { name: 'a programming error from googleapis', error: new Error('Missing required parameters: userId'), kind: 'permanent', status: null },
  { name: 'something thrown that is not an Error', error: 'boom', kind: 'permanent' },
];

describe('mapGoogleError', () => {
  it.each(cases)('$name → $kind', ({ error, context, kind, retryAfterMs, status }) => {
    const mapped = mapGoogleError(error, context);
    expect(mapped).toBeInstanceOf(ProviderError);
    expect(mapped.kind).toBe(kind);
    expect(mapped.provider).toBe('google');
    if (retryAfterMs !== undefined) expect(mapped.retryAfterMs).toBe(retryAfterMs);
    if (status !== undefined) expect(mapped.status).toBe(status);
  });

  it('passes a ProviderError through unchanged', () => {
    const original = new ProviderError('throttled', 'slow', { provider: 'google', retryAfterMs: 5 });
    expect(mapGoogleError(original)).toBe(original);
  });

  it('reads Retry-After from a plain header object too', () => {
    const error = httpError(GMAIL, 429, gmailRateLimit);
    (error.response as unknown as { headers: unknown }).headers = { 'Retry-After': '3' };
    expect(mapGoogleError(error).retryAfterMs).toBe(3_000);
  });

  it('keeps a summary as the cause, not the request', () => {
    const error = httpError(TOKEN, 400, { error: 'invalid_grant' });
    (error.config as unknown as { data: unknown }).data = new URLSearchParams({ refresh_token: 'never-log-me' });
    const mapped = mapGoogleError(error, { call: 'oauth.token' });
    expect(mapped.cause).toMatchObject({ name: 'GoogleApiError', status: 400, call: 'oauth.token' });
    expect(JSON.stringify(mapped.cause, Object.getOwnPropertyNames(mapped.cause))).not.toContain('never-log-me');
  });

  it('names the reasons of a refusal in the message', () => {
    expect(mapGoogleError(httpError(CALENDAR, 403, insufficientScope)).message).toContain('insufficientPermissions');
  });
});
