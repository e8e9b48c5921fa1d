import { GraphError } from '@microsoft/microsoft-graph-client';
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/providers/provider-error.ts';
import { IdentityError, mapGraphError, type GraphCall } from '../../src/providers/microsoft/map-graph-error.ts';

/** A GraphError as the client builds it from a Graph error body and the raw response. */
function graphError(status: number, code: string | null, headers: Record<string, string> = {}): GraphError {
  const error = new GraphError(status, `${code ?? ''} message`);
  error.code = code;
  error.headers = new Headers(headers);
  return error;
}

/** What the client throws when fetch never got a response (statusCode -1, the error's name as code). */
function noResponse(name: string): GraphError {
  const error = new GraphError(-1, 'fetch failed');
  error.code = name;
  return error;
}

const NOW = Date.parse('2024-05-01T12:00:00Z');

describe('mapGraphError', () => {
  const cases: [string, unknown, GraphCall | undefined, ProviderError['kind'], number | null][] = [
    // Throttling: Outlook's limits, with Retry-After in seconds or as an HTTP date.
    [
      '429 MailboxConcurrency with Retry-After',
      graphError(429, 'ApplicationThrottled', { 'retry-after': '3' }),
      'graph.messages.delta',
      'throttled',
      3_000,
    ],
    ['429 without Retry-After', graphError(429, 'TooManyRequests'), 'graph.me', 'throttled', null],
    [
      '429 with an HTTP-date Retry-After',
      graphError(429, 'ApplicationThrottled', { 'retry-after': 'Wed, 01 May 2024 12:00:30 GMT' }),
      'graph.me',
      'throttled',
      30_000,
    ],
    [
      '503 with Retry-After sheds load',
      graphError(503, 'serviceNotAvailable', { 'retry-after': '10' }),
      'graph.messages.delta',
      'throttled',
      10_000,
    ],
    ['503 without Retry-After', graphError(503, 'serviceNotAvailable'), 'graph.messages.delta', 'transient', null],
    ['509 bandwidth', graphError(509, 'BandwidthLimitExceeded', { 'retry-after': '5' }), 'graph.messages.delta', 'throttled', 5_000],
    // Delta tokens that cannot continue: 410, and the resync codes whatever the status.
    ['410 SyncStateNotFound on message delta', graphError(410, 'SyncStateNotFound'), 'graph.messages.delta', 'cursor_expired', null],
    ['410 on calendarView delta', graphError(410, 'syncStateNotFound'), 'graph.calendarView.delta', 'cursor_expired', null],
    ['400 SyncStateInvalid on delta', graphError(400, 'SyncStateInvalid'), 'graph.messages.delta', 'cursor_expired', null],
    ['400 resyncRequired on delta', graphError(400, 'resyncRequired'), 'graph.calendarView.delta', 'cursor_expired', null],
    ['410 elsewhere is not a cursor', graphError(410, 'Gone'), 'graph.messages.get', 'permanent', null],
    // Credentials: the caller refreshes once; after that the grant is gone.
    ['401 before a refresh', graphError(401, 'InvalidAuthenticationToken'), 'graph.me', 'transient', null],
    ['403 access denied', graphError(403, 'ErrorAccessDenied'), 'graph.messages.delta', 'permanent', null],
    ['404 item not found', graphError(404, 'ErrorItemNotFound'), 'graph.messages.get', 'permanent', null],
    ['400 bad request', graphError(400, 'RequestBroker--ParseUri'), 'graph.messages.delta', 'permanent', null],
    ['500', graphError(500, 'generalException'), 'graph.me', 'transient', null],
    ['502', graphError(502, null), 'graph.me', 'transient', null],
    ['504', graphError(504, 'UnknownError'), 'graph.me', 'transient', null],
    // Found by npm run chaos: a delta page cut short used to be permanent (six hours' wait).
    ['a 200 whose JSON was cut short', graphError(200, 'SyntaxError'), 'graph.messages.delta', 'transient', null],
    // No response at all.
    ['a network failure', noResponse('TypeError'), 'graph.messages.delta', 'transient', null],
    ['a timeout', noResponse('TimeoutError'), 'graph.messages.delta', 'transient', null],
    [
      'fetch failed with an undici cause',
      Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }),
      'identity.token',
      'transient',
      null,
    ],
    // The identity platform.
    [
      'invalid_grant (revoked, AADSTS50173)',
      new IdentityError(400, 'invalid_grant', [50173], null),
      'identity.token',
      'auth_revoked',
      null,
    ],
    [
      'invalid_grant (inactivity, AADSTS700082)',
      new IdentityError(400, 'invalid_grant', [700082], null),
      'identity.token',
      'auth_revoked',
      null,
    ],
    [
      'interaction_required (MFA, AADSTS50076)',
      new IdentityError(400, 'interaction_required', [50076], null),
      'identity.token',
      'auth_revoked',
      null,
    ],
    [
      'invalid_client (expired secret) is configuration',
      new IdentityError(401, 'invalid_client', [7000222], null),
      'identity.token',
      'permanent',
      null,
    ],
    ['unauthorized_client', new IdentityError(400, 'unauthorized_client', [700016], null), 'identity.token', 'permanent', null],
    ['token endpoint throttled', new IdentityError(429, 'http_429', [], '4'), 'identity.token', 'throttled', 4_000],
    ['temporarily_unavailable', new IdentityError(503, 'temporarily_unavailable', [], null), 'identity.token', 'transient', null],
    ['token endpoint 500', new IdentityError(500, 'server_error', [], null), 'identity.token', 'transient', null],
    ['something that is no HTTP error', new RangeError('bug'), 'graph.me', 'permanent', null],
  ];

  it.each(cases)('%s', (_name, error, call, kind, retryAfterMs) => {
    const mapped = mapGraphError(error, { ...(call ? { call } : {}), now: NOW });
    expect(mapped).toBeInstanceOf(ProviderError);
    expect(mapped.kind).toBe(kind);
    expect(mapped.provider).toBe('microsoft');
    expect(mapped.retryAfterMs).toBe(retryAfterMs);
  });

  it('treats a 401 after a refresh as a revoked grant', () => {
    expect(mapGraphError(graphError(401, 'InvalidAuthenticationToken'), { call: 'graph.me', afterRefresh: true }).kind).toBe(
      'auth_revoked',
    );
  });

  it('passes provider errors through unchanged', () => {
    const error = new ProviderError('cursor_expired', 'x', { provider: 'microsoft' });
    expect(mapGraphError(error)).toBe(error);
  });

  it('keeps the status and Graph code as the cause, never the response headers or body', () => {
    const error = graphError(429, 'ApplicationThrottled', { 'retry-after': '3', 'set-cookie': 'secret' });
    error.body = JSON.stringify({ error: { code: 'ApplicationThrottled', message: 'x' } });
    const cause = mapGraphError(error, { call: 'graph.messages.delta' }).cause as Record<string, unknown>;
    expect(cause).toMatchObject({ name: 'MicrosoftApiError', status: 429, code: 'ApplicationThrottled', call: 'graph.messages.delta' });
    expect(JSON.stringify({ ...cause })).not.toContain('secret');
    expect('headers' in cause || 'body' in cause).toBe(false);
  });

  it('names the AADSTS code in the message of a refused refresh', () => {
    expect(mapGraphError(new IdentityError(400, 'invalid_grant', [70000], null)).message).toMatch(/invalid_grant, AADSTS70000/);
  });
});
