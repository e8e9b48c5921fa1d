import { ProviderError, isProviderError } from '../provider-error.ts';

/** The Microsoft calls rekindle makes; named like the Graph emulator's request log. */
export type GraphCall =
  | 'graph.me'
  | 'graph.mailFolders.get'
  | 'graph.mailFolders.list'
  | 'graph.mailFolders.childFolders'
  | 'graph.messages.delta'
  | 'graph.messages.get'
  | 'graph.calendarView.delta'
  | 'identity.token';

export interface GraphErrorContext {
  /** Which call failed: a 410 means "start over" on a delta call and "gone" elsewhere. */
  call?: GraphCall;
  /** The access token was already refreshed for this request, so a 401 means the grant is gone. */
  afterRefresh?: boolean;
  /** Epoch ms, to turn an HTTP-date Retry-After into a wait. */
  now?: number;
}

/**
 * What the identity platform's token endpoint answered when it refused: RFC 6749 §5.2 with
 * Microsoft's AADSTS codes. Thrown by microsoft-auth.ts; carries neither tokens nor secrets.
 */
export class IdentityError extends Error {
  readonly status: number;
  readonly oauthError: string;
  readonly aadsts: number[];
  readonly retryAfter: string | null;

  constructor(status: number, oauthError: string, aadsts: number[], retryAfter: string | null) {
    super(`identity platform answered ${status} ${oauthError}${aadsts.length ? ` (AADSTS${aadsts.join(', AADSTS')})` : ''}`);
    this.name = 'IdentityError';
    this.status = status;
    this.oauthError = oauthError;
    this.aadsts = aadsts;
    this.retryAfter = retryAfter;
  }
}

const PROVIDER = 'microsoft';

/**
 * OAuth errors after which only the user can help: the grant expired, was revoked (password
 * change, admin action, consent withdrawn) or now needs an interactive sign-in (MFA, conditional
 * access). All of them mean "reconnect the account".
 */
const REAUTH_ERRORS = new Set(['invalid_grant', 'interaction_required', 'consent_required', 'login_required']);

/** Graph codes that say a delta token cannot be continued (documented, and as Exchange spells them). */
const RESYNC_CODES = new Set(['syncstatenotfound', 'syncstateinvalid', 'resyncrequired']);
const DELTA_CALLS = new Set<GraphCall>(['graph.messages.delta', 'graph.calendarView.delta']);
const TRANSIENT_STATUSES = new Set([408, 500, 502, 504]);

/** What fetch and the graph client throw for a request that never got an answer. */
const NETWORK_NAMES = new Set(['TypeError', 'TimeoutError', 'AbortError', 'FetchError']);

/**
 * Maps anything a Graph or token request can throw to the provider error vocabulary. Pure: it
 * reads the error's shape (a GraphError from `@microsoft/microsoft-graph-client`, an
 * IdentityError, a fetch failure) and performs no I/O.
 */
export function mapGraphError(error: unknown, context: GraphErrorContext = {}): ProviderError {
  if (isProviderError(error)) return error;

  if (error instanceof IdentityError || (isObject(error) && typeof error.oauthError === 'string')) {
    const e = error as IdentityError;
    const make = (kind: ProviderError['kind'], message: string, retryAfterMs: number | null = null) =>
      new ProviderError(kind, message, {
        provider: PROVIDER,
        status: e.status,
        retryAfterMs,
        cause: summaryOf(e, context.call ?? 'identity.token'),
      });
    if (REAUTH_ERRORS.has(e.oauthError))
      return make('auth_revoked', `Microsoft refused the refresh token (${e.oauthError}${codes(e.aadsts)})`);
    if (e.status === 429)
      return make('throttled', 'Microsoft identity platform throttled the request', retryAfterMs(e.retryAfter, context.now));
    if (e.oauthError === 'temporarily_unavailable' || e.status >= 500)
      return make('transient', `Microsoft identity platform answered ${e.status}`);
    // invalid_client (a wrong or expired client secret) and the like: configuration, not the user.
    return make('permanent', `Microsoft identity platform refused the request (${e.oauthError}${codes(e.aadsts)})`);
  }

  const status = statusOf(error);
  const code = isObject(error) && typeof error.code === 'string' ? error.code : null;
  const retryAfter = retryAfterMs(headerOf(isObject(error) ? error.headers : null, 'retry-after'), context.now);
  const make = (kind: ProviderError['kind'], message: string, wait: number | null = null) =>
    new ProviderError(kind, message, { provider: PROVIDER, status, retryAfterMs: wait, cause: summaryOf(error, context.call ?? null) });
  const label = `${status ?? 'no response'}${code ? ` ${code}` : ''}`;

  if (status === null) {
    if (isNetworkError(error)) return make('transient', `network error talking to Microsoft Graph: ${messageOf(error)}`);
    return make('permanent', `unexpected error calling Microsoft Graph: ${messageOf(error)}`);
  }
  // A success whose body would not parse (the graph client reports it as an error with the
  // 2xx status and code SyntaxError): the answer was cut short on the way. Ask again.
  if (status >= 200 && status < 300) return make('transient', `Microsoft Graph's answer could not be read (${label}); cut short?`);
  if (status === 429 || status === 509) return make('throttled', `Microsoft Graph throttled the request (${label})`, retryAfter);
  if (status === 503) {
    // Graph sends Retry-After with 503 when the service is shedding load: wait as told.
    return retryAfter !== null
      ? make('throttled', `Microsoft Graph is unavailable for now (${label})`, retryAfter)
      : make('transient', `Microsoft Graph answered ${label}`);
  }
  if (context.call && DELTA_CALLS.has(context.call) && (status === 410 || (code !== null && RESYNC_CODES.has(code.toLowerCase())))) {
    return make('cursor_expired', `Microsoft Graph delta token is no longer valid (${label}); a full sync is required`);
  }
  if (status === 401) {
    return context.afterRefresh
      ? make('auth_revoked', `Microsoft Graph rejected a freshly refreshed access token (${label})`)
      : make('transient', `Microsoft Graph rejected the access token (${label}); a retry refreshes it`);
  }
  if (TRANSIENT_STATUSES.has(status)) return make('transient', `Microsoft Graph answered ${label}`);
  return make('permanent', `Microsoft Graph answered ${label}`);
}

/** GraphError puts -1 (or nothing) in statusCode when there was no response. */
function statusOf(error: unknown): number | null {
  if (!isObject(error)) return null;
  const status = error.statusCode ?? error.status;
  return typeof status === 'number' && status >= 100 ? status : null;
}

function isNetworkError(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; isObject(e) && depth < 5; e = e.cause, depth++) {
    if (typeof e.name === 'string' && NETWORK_NAMES.has(e.name)) return true;
    if (typeof e.code === 'string' && (NETWORK_NAMES.has(e.code) || /^(E[A-Z]+|UND_ERR_[A-Z_]+)$/.test(e.code))) return true;
  }
  return false;
}

/**
 * The cause kept on the ProviderError: status, Graph code and call only. A GraphError's body
 * and headers, or a token request, never travel into logs this way.
 */
function summaryOf(error: unknown, call: GraphCall | null): Error {
  return Object.assign(new Error(messageOf(error)), {
    name: 'MicrosoftApiError',
    status: statusOf(error),
    code:
      isObject(error) && typeof error.code === 'string'
        ? error.code
        : isObject(error) && typeof error.oauthError === 'string'
          ? error.oauthError
          : null,
    call,
  });
}

/** Retry-After is either delta-seconds or an HTTP-date (RFC 9110 §10.2.3). */
function retryAfterMs(value: string | null, now = Date.now()): number | null {
  if (value === null) return null;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** A fetch `Headers`, or a plain object of headers. */
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

function codes(aadsts: number[]): string {
  return aadsts.length ? `, AADSTS${aadsts.join(', AADSTS')}` : '';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
