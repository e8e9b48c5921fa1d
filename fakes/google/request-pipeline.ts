/**
 * How one HTTP request travels through the emulator, in the order Google applies the same
 * checks: route → credentials (401) → scope (403) → injected fault → per-user quota (429/403)
 * → handler. Every request is logged, and every answer waits the configured latency.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiResponse, ApiRoute, UserAccount } from './api-route.ts';
import { calendarRoutes } from './calendar-routes.ts';
import type { ApiMethod, RequestRecord } from './emulator-types.ts';
import type { FaultList } from '../shared/fault-list.ts';
import { queryRecord, readBody, sendAnswer, simulateLatency, type Answer } from '../shared/http.ts';
import { gmailRoutes } from './gmail-routes.ts';
import { faultBody, insufficientScopes, invalidCredentials, notFound, rateLimited, type ApiStyle } from './google-errors.ts';
import type { OAuthGrants } from './oauth-grants.ts';
import { handleAuthorize, handleToken, parseTokenRequest, type OAuthClient } from './oauth-routes.ts';

export const TOKEN_PATH = '/token';
/** Beside the token endpoint, as Google has it (oauth2.googleapis.com/token and /revoke). */
export const REVOKE_PATH = '/revoke';
export const AUTHORIZE_PATH = '/o/oauth2/v2/auth';

const ROUTES: ApiRoute[] = [...gmailRoutes, ...calendarRoutes];
const MAX_FORM_BYTES = 64 * 1024;
const JSON_CONTENT_TYPE = 'application/json; charset=UTF-8';

export interface PipelineDeps {
  client: OAuthClient;
  grants: OAuthGrants;
  faults: FaultList;
  accounts: Map<string, UserAccount>;
  log: RequestRecord[];
  quotaErrorStatus: 429 | 403;
  latencyMs: { min: number; max: number } | null;
  historyPageSize: number;
}

export async function serveRequest(req: IncomingMessage, res: ServerResponse, deps: PipelineDeps): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const record: RequestRecord = {
    method: 'unknown',
    path: url.pathname,
    query: queryRecord(url.searchParams),
    user: null,
    status: 0,
    startedAt: Date.now(),
    finishedAt: 0,
  };
  deps.log.push(record);
  let answer: Answer;
  try {
    if (url.pathname === TOKEN_PATH) answer = await serveToken(req, record, deps);
    else if (url.pathname === REVOKE_PATH) answer = await serveRevoke(req, url, record, deps);
    else if (url.pathname === AUTHORIZE_PATH && req.method === 'GET') answer = await serveAuthorize(url, record, deps);
    else answer = await serveApi(req, url, record, deps);
  } catch (error) {
    answer = { status: 500, body: faultBody('gmail', 500) };
    console.error('Google emulator: request failed', error);
  }
  record.status = answer.status;
  if (answer.wire) record.fault = answer.wire;
  sendAnswer(res, answer, JSON_CONTENT_TYPE);
  record.finishedAt = Date.now();
}

async function serveApi(req: IncomingMessage, url: URL, record: RequestRecord, deps: PipelineDeps): Promise<Answer> {
  const found = req.method === 'GET' ? matchRoute(url.pathname) : null;
  if (!found) {
    await simulateLatency(deps.latencyMs);
    return { status: 404, body: notFound('gmail') };
  }
  const { route, params } = found;
  record.method = route.method;
  if (route.method === 'gmail.users.messages.get') record.messageId = params[1];

  const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
  const grant = bearer ? deps.grants.authenticate(bearer) : null;
  const account = grant ? deps.accounts.get(grant.email) : undefined;
  if (!grant || !account) {
    await simulateLatency(deps.latencyMs);
    return {
      status: 401,
      body: invalidCredentials(route.style),
      headers: { 'www-authenticate': 'Bearer realm="https://accounts.google.com/", error="invalid_token"' },
    };
  }
  record.user = account.email;
  account.inFlight++;
  account.maxInFlight = Math.max(account.maxInFlight, account.inFlight);
  try {
    await simulateLatency(deps.latencyMs);
    if (!route.scopes.some((s) => grant.scopes.includes(s))) return { status: 403, body: insufficientScopes(route.style) };

    const faulted = await applyFault(route.method, route.style, account.email, deps);
    if (faulted && faulted !== TRUNCATE) return faulted;

    const admitted = account.quota.admit(route.method);
    if (!admitted.ok) {
      const retryAfter = Math.ceil(admitted.retryAfterMs / 1000);
      return {
        status: deps.quotaErrorStatus,
        body: rateLimited(route.style, deps.quotaErrorStatus, new Date(Date.now() + admitted.retryAfterMs)),
        headers: { 'retry-after': String(retryAfter) },
      };
    }
    const response: ApiResponse = route.handle({
      account,
      grant,
      query: url.searchParams,
      params,
      historyPageSize: deps.historyPageSize,
    });
    return faulted === TRUNCATE ? { ...response, wire: 'truncate' } : response;
  } finally {
    account.inFlight--;
  }
}

async function serveToken(req: IncomingMessage, record: RequestRecord, deps: PipelineDeps): Promise<Answer> {
  record.method = 'oauth.token';
  if (req.method !== 'POST') {
    await simulateLatency(deps.latencyMs);
    return { status: 405, body: { error: 'invalid_request', error_description: 'Use POST.' } };
  }
  const raw = await readBody(req, MAX_FORM_BYTES);
  const form = parseTokenRequest(req.headers['content-type'], raw);
  const refreshToken = form.get('refresh_token');
  record.user = refreshToken ? deps.grants.ownerOf(refreshToken) : null;
  await simulateLatency(deps.latencyMs);
  const faulted = await applyFault('oauth.token', 'gmail', record.user, deps);
  if (faulted && faulted !== TRUNCATE) return faulted;
  const answer = handleToken(form, req.headers.authorization, deps.client, deps.grants);
  record.user = answer.user;
  if (answer.status === 200 && answer.user) deps.accounts.get(answer.user)?.quota.admit('oauth.token');
  return faulted === TRUNCATE ? { ...answer, wire: 'truncate' } : answer;
}

/**
 * POST /revoke with `token` in the query (google-auth-library's `revokeToken`) or the form:
 * 200 `{}` when a grant ended, 400 `invalid_token` when the token is unknown or already dead.
 */
async function serveRevoke(req: IncomingMessage, url: URL, record: RequestRecord, deps: PipelineDeps): Promise<Answer> {
  record.method = 'oauth.revoke';
  if (req.method !== 'POST') {
    await simulateLatency(deps.latencyMs);
    return { status: 405, body: { error: 'invalid_request', error_description: 'Use POST.' } };
  }
  const form = parseTokenRequest(req.headers['content-type'], await readBody(req, MAX_FORM_BYTES));
  const token = url.searchParams.get('token') ?? form.get('token');
  await simulateLatency(deps.latencyMs);
  const faulted = await applyFault('oauth.revoke', 'gmail', token ? deps.grants.ownerOf(token) : null, deps);
  if (faulted && faulted !== TRUNCATE) return faulted;
  if (!token) return { status: 400, body: { error: 'invalid_request', error_description: 'Missing required parameter: token' } };
  record.user = deps.grants.revokeByToken(token);
  if (!record.user) return { status: 400, body: { error: 'invalid_token', error_description: 'Token expired or revoked' } };
  return faulted === TRUNCATE ? { status: 200, body: {}, wire: 'truncate' } : { status: 200, body: {} };
}

async function serveAuthorize(url: URL, record: RequestRecord, deps: PipelineDeps): Promise<Answer> {
  await simulateLatency(deps.latencyMs);
  const answer = handleAuthorize(url.searchParams, deps.client, deps.grants, [...deps.accounts.keys()]);
  record.user = answer.user;
  return answer;
}

/** The request is served, and its answer cut short on the wire. */
const TRUNCATE = 'truncate' as const;

/** Holds and/or fails the request when an injected fault matches it. */
async function applyFault(
  method: ApiMethod,
  style: ApiStyle,
  user: string | null,
  deps: PipelineDeps,
): Promise<Answer | typeof TRUNCATE | null> {
  const fault = deps.faults.take(method, user);
  if (!fault) return null;
  if (fault.delayMs) await sleep(fault.delayMs);
  if (fault.wire === 'truncate') return TRUNCATE;
  if (fault.wire) return { status: 0, body: null, wire: fault.wire, ...(fault.holdMs !== undefined ? { holdMs: fault.holdMs } : {}) };
  if (fault.status === undefined) return null;
  const body =
    fault.body ??
    (method.startsWith('oauth.')
      ? { error: fault.status >= 500 ? 'internal_failure' : 'invalid_request', error_description: 'Injected fault' }
      : faultBody(style, fault.status));
  return {
    status: fault.status,
    body,
    ...(fault.retryAfterSeconds !== undefined ? { headers: { 'retry-after': String(fault.retryAfterSeconds) } } : {}),
  };
}

function matchRoute(path: string): { route: ApiRoute; params: string[] } | null {
  for (const route of ROUTES) {
    const match = route.pattern.exec(path);
    if (!match) continue;
    try {
      return { route, params: match.slice(1).map((p) => decodeURIComponent(p)) };
    } catch {
      return null;
    }
  }
  return null;
}
