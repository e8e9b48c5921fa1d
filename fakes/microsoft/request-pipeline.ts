/**
 * How one HTTP request travels through the emulator. Identity platform: `/{tenant}/oauth2/v2.0/
 * token|authorize`. Graph (`/v1.0/…`): route → bearer token (401) → per-mailbox concurrency
 * (429 MailboxConcurrency) → permission (403) → injected fault → per-mailbox request budget
 * (429) → handler. Every request is logged, and every answer waits the configured latency.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { parsePrefer, type GraphAnswer, type GraphRoute, type MailboxAccount } from './api-route.ts';
import { calendarRoutes } from './calendar-routes.ts';
import type { GraphMethod, RequestRecord } from './emulator-types.ts';
import type { FaultList } from '../shared/fault-list.ts';
import { queryRecord, readBody, sendAnswer, simulateLatency, type Answer as HttpAnswer } from '../shared/http.ts';
import {
  faultBody,
  graphError,
  invalidToken,
  mailboxConcurrency,
  mailboxRequests,
  resourceNotFound,
  accessDenied,
} from './graph-errors.ts';
import type { IdentityGrants } from './identity-grants.ts';
import { handleAuthorize, handleToken, type IdentityClient } from './identity-routes.ts';
import { mailRoutes } from './mail-routes.ts';

const ROUTES: GraphRoute[] = [...mailRoutes, ...calendarRoutes];
const TOKEN_PATH = /^\/([A-Za-z0-9._-]+)\/oauth2\/v2\.0\/token$/;
const AUTHORIZE_PATH = /^\/([A-Za-z0-9._-]+)\/oauth2\/v2\.0\/authorize$/;
const MAX_FORM_BYTES = 64 * 1024;
const JSON_CONTENT_TYPE = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

export interface PipelineDeps {
  client: IdentityClient;
  grants: IdentityGrants;
  faults: FaultList;
  accounts: Map<string, MailboxAccount>;
  log: RequestRecord[];
  latencyMs: { min: number; max: number } | null;
  /** The emulator's own root URL (Graph and identity platform share it). */
  baseUrl(): string;
}

interface Answer extends HttpAnswer {
  errorCode?: string | null;
}

export async function serveRequest(req: IncomingMessage, res: ServerResponse, deps: PipelineDeps): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const preferHeader = req.headers.prefer;
  const record: RequestRecord = {
    method: 'unknown',
    path: url.pathname,
    query: queryRecord(url.searchParams),
    prefer: Array.isArray(preferHeader) ? preferHeader.join(', ') : (preferHeader ?? null),
    user: null,
    status: 0,
    errorCode: null,
    served: [],
    removed: [],
    startedAt: Date.now(),
    finishedAt: 0,
  };
  deps.log.push(record);
  let answer: Answer;
  try {
    if (TOKEN_PATH.test(url.pathname)) answer = await serveToken(req, record, deps);
    else if (AUTHORIZE_PATH.test(url.pathname) && req.method === 'GET') answer = await serveAuthorize(url, record, deps);
    else if (url.pathname.startsWith('/v1.0/')) answer = await serveGraph(req, url, record, deps);
    else answer = { status: 404, body: graphError('BadRequest', 'Invalid version.') };
  } catch (error) {
    answer = { status: 500, body: graphError('generalException', 'An unspecified error has occurred.') };
    console.error('Graph emulator: request failed', error);
  }
  record.status = answer.status;
  record.errorCode ??= answer.errorCode ?? errorCodeOf(answer.body);
  if (answer.wire) record.fault = answer.wire;
  sendAnswer(res, answer, JSON_CONTENT_TYPE);
  record.finishedAt = Date.now();
}

async function serveGraph(req: IncomingMessage, url: URL, record: RequestRecord, deps: PipelineDeps): Promise<Answer> {
  const path = url.pathname.slice('/v1.0'.length);
  const found = matchRoute(path);
  if (!found) {
    await simulateLatency(deps.latencyMs);
    return { status: 400, body: resourceNotFound(path) };
  }
  const { route, params } = found;
  record.method = route.method;
  if (req.method !== 'GET') {
    await simulateLatency(deps.latencyMs);
    return { status: 405, body: graphError('Request_BadRequest', 'Specified HTTP method is not allowed for the request target.') };
  }
  const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
  const grant = bearer ? deps.grants.authenticate(bearer) : null;
  const account = grant ? deps.accounts.get(grant.email) : undefined;
  if (!grant || !account) {
    await simulateLatency(deps.latencyMs);
    return {
      status: 401,
      body: invalidToken(),
      headers: {
        'www-authenticate':
          'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"',
      },
    };
  }
  record.user = account.email;
  const admission = account.limits.enter();
  try {
    await simulateLatency(deps.latencyMs);
    if (!admission.ok) return throttled(admission.retryAfterMs, mailboxConcurrency());
    if (!route.scopes.some((s) => grant.scopes.has(s))) {
      return {
        status: 403,
        body:
          route.method === 'graph.me'
            ? graphError('Authorization_RequestDenied', 'Insufficient privileges to complete the operation.')
            : accessDenied(),
      };
    }
    const faulted = await applyFault(route.method, account.email, deps);
    if (faulted && faulted !== TRUNCATE) return faulted;
    const charged = account.limits.charge();
    if (!charged.ok) return throttled(charged.retryAfterMs, mailboxRequests());

    const answer: GraphAnswer = route.handle({
      account,
      grant,
      query: url.searchParams,
      params,
      prefer: parsePrefer(req.headers.prefer),
      baseUrl: deps.baseUrl(),
    });
    if (answer.status < 400) account.limits.served(route.method);
    record.served = answer.served ?? [];
    record.removed = answer.removed ?? [];
    return faulted === TRUNCATE ? { ...answer, wire: 'truncate' } : answer;
  } finally {
    account.limits.leave();
  }
}

function throttled(retryAfterMs: number, body: unknown): Answer {
  return { status: 429, body, headers: { 'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) } };
}

async function serveToken(req: IncomingMessage, record: RequestRecord, deps: PipelineDeps): Promise<Answer> {
  record.method = 'identity.token';
  if (req.method !== 'POST') {
    await simulateLatency(deps.latencyMs);
    return { status: 405, body: { error: 'invalid_request', error_description: 'AADSTS900561: The endpoint only accepts POST requests.' } };
  }
  const form = new URLSearchParams(await readBody(req, MAX_FORM_BYTES));
  const refreshToken = form.get('refresh_token');
  record.user = refreshToken ? deps.grants.ownerOf(refreshToken) : null;
  await simulateLatency(deps.latencyMs);
  const faulted = await applyFault('identity.token', record.user, deps);
  // Microsoft keeps a rotated refresh token working for a while, so a client that lost the
  // answer can redeem the old one again; this emulator refuses it at once (to catch reuse).
  // An answer lost after the rotation would be fatal here and harmless there: a token request
  // is therefore broken before it is processed, as a connection reset.
  if (faulted === TRUNCATE) return { status: 0, body: null, wire: 'reset' };
  if (faulted) return faulted;
  const answer = handleToken(form, req.headers.authorization, deps.client, deps.grants, deps.baseUrl());
  record.user = answer.user;
  return answer;
}

async function serveAuthorize(url: URL, record: RequestRecord, deps: PipelineDeps): Promise<Answer> {
  record.method = 'identity.authorize';
  await simulateLatency(deps.latencyMs);
  const answer = handleAuthorize(url.searchParams, deps.client, deps.grants, [...deps.accounts.keys()]);
  record.user = answer.user;
  return answer;
}

/** The request is served, and its answer cut short on the wire. */
const TRUNCATE = 'truncate' as const;

/** Holds and/or fails the request when an injected fault matches it. */
async function applyFault(method: GraphMethod, user: string | null, deps: PipelineDeps): Promise<Answer | typeof TRUNCATE | null> {
  const fault = deps.faults.take(method, user);
  if (!fault) return null;
  if (fault.delayMs) await sleep(fault.delayMs);
  if (fault.wire === 'truncate') return TRUNCATE;
  if (fault.wire) return { status: 0, body: null, wire: fault.wire, ...(fault.holdMs !== undefined ? { holdMs: fault.holdMs } : {}) };
  if (fault.status === undefined) return null;
  const body =
    fault.body ??
    (method === 'identity.token'
      ? { error: fault.status >= 500 ? 'temporarily_unavailable' : 'invalid_request', error_description: 'AADSTS90000: Injected fault.' }
      : faultBody(fault.status));
  return {
    status: fault.status,
    body,
    ...(fault.retryAfterSeconds !== undefined ? { headers: { 'retry-after': String(fault.retryAfterSeconds) } } : {}),
  };
}

function matchRoute(path: string): { route: GraphRoute; params: string[] } | null {
  for (const route of ROUTES) {
    const match = route.pattern.exec(path);
    if (!match) continue;
    try {
      return {
        route,
        params: match
          .slice(1)
          .filter((p): p is string => p !== undefined)
          .map((p) => decodeURIComponent(p)),
      };
    } catch {
      return null;
    }
  }
  return null;
}

function errorCodeOf(body: unknown): string | null {
  if (typeof body !== 'object' || body === null || !('error' in body)) return null;
  const error = (body as { error: unknown }).error;
  if (typeof error === 'string') return error;
  if (typeof error === 'object' && error !== null && 'code' in error) return String((error as { code: unknown }).code);
  return null;
}
