import { isIP } from 'node:net';
import { Agent, fetch as undiciFetch } from 'undici';
import { BlockedAddressError, guardedLookup, isPublicAddress, type NetworkPolicy } from '../../security/network-guard.ts';

/**
 * The HTTP client of one calendar source (a CalDAV server, an .ics feed): a `fetch` that tsdav
 * (and the feed reader) call, with what the global one cannot do per server:
 *
 * - trust in a self-signed certificate only when the person opted in for this server;
 * - Basic credentials sent only to the server they were given for, and to the hosts that server
 *   redirects to (iCloud sends every account to its own `pNN-caldav.icloud.com`), never over
 *   plain HTTP except to this machine;
 * - a time limit on every request;
 * - with a network policy, connections only to the addresses it allows, checked when each
 *   connection is made, redirects included (src/security/network-guard.ts);
 * - a note of what went wrong since the operation began (HTTP statuses, network error codes),
 *   so the error the person sees names it (map-caldav-error.ts) rather than tsdav's "cannot
 *   find principalUrl".
 */
export interface DavTransport {
  fetch: typeof globalThis.fetch;
  /** Failures since the last `beginOperation()`, oldest first. */
  problems(): DavProblem[];
  beginOperation(): void;
  close(): Promise<void>;
}

export interface DavProblem {
  url: string;
  /** The HTTP status of a failed answer. */
  status?: number;
  /** The network or TLS error code (`ECONNREFUSED`, `DEPTH_ZERO_SELF_SIGNED_CERT`, …). */
  code?: string;
  /** The server's `WWW-Authenticate` scheme(s) on a 401. */
  authenticate?: string;
  /** `Retry-After` of a 429 or 503, in ms. */
  retryAfterMs?: number;
}

export interface DavTransportOptions {
  /** The address the person gave. */
  url: string;
  credentials?: { user: string; password: string };
  allowUntrustedCertificate: boolean;
  timeoutMs: number;
  /** Which addresses servers may be on; absent, any (the caller checked, or it is a test's own server). */
  network?: NetworkPolicy;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/i;

export function isLoopback(hostname: string): boolean {
  return LOOPBACK.test(hostname);
}

/** A URL rekindle may send a secret to: https, or http to this machine only. */
export function insecureUrlReason(url: URL): string | null {
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:' && isLoopback(url.hostname)) return null;
  if (url.protocol === 'http:')
    return 'Without https the password would cross the network in the clear; use the https:// address (only a server on this machine may go without).';
  return `rekindle reads calendars over https, not ${url.protocol.replace(':', '')}.`;
}

export class InsecureDavUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InsecureDavUrlError';
  }
}

export function createDavTransport(options: DavTransportOptions): DavTransport {
  const network = options.network;
  const agent = new Agent({
    connect: {
      rejectUnauthorized: !options.allowUntrustedCertificate,
      timeout: options.timeoutMs,
      // Names are resolved, checked and connected to by the checked address in one step.
      ...(network ? { lookup: guardedLookup(network) } : {}),
    },
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });
  const trusted = new Set([new URL(options.url).host]);
  const authorization = options.credentials
    ? `Basic ${Buffer.from(`${options.credentials.user}:${options.credentials.password}`).toString('base64')}`
    : null;
  let problems: DavProblem[] = [];
  const note = (problem: DavProblem) => {
    problems.push(problem);
    if (problems.length > 20) problems.shift();
  };

  const davFetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const insecure = authorization ? insecureUrlReason(url) : null;
    if (insecure) throw new InsecureDavUrlError(insecure);
    // An address in the URL is never looked up, so the lookup above cannot see it: checked here.
    const literal = url.hostname.replace(/^\[|\]$/g, '');
    if (network && !network.allowPrivate && isIP(literal) && !isPublicAddress(literal)) {
      const error = new BlockedAddressError(url.hostname);
      note({ url: url.href, code: error.code });
      throw error;
    }
    const headers = new Headers(init.headers);
    if (authorization && trusted.has(url.host)) headers.set('authorization', authorization);
    headers.set('user-agent', 'rekindle (calendar metadata)');
    try {
      const response = (await undiciFetch(url, {
        ...(init as object),
        headers,
        dispatcher: agent,
        signal: init.signal ?? AbortSignal.timeout(options.timeoutMs),
      } as never)) as unknown as Response;
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location && trusted.has(url.host)) {
        // The server the person named sends us on: credentials may follow (over https).
        trusted.add(new URL(location, url).host);
      }
      if (response.status >= 400) {
        note({
          url: url.href,
          status: response.status,
          authenticate: response.headers.get('www-authenticate') ?? undefined,
          retryAfterMs: retryAfter(response.headers.get('retry-after')),
        });
      }
      return response;
    } catch (error) {
      note({ url: url.href, code: errorCode(error) });
      throw error;
    }
  };

  return {
    fetch: davFetch as typeof globalThis.fetch,
    problems: () => [...problems],
    beginOperation: () => {
      problems = [];
    },
    close: () => agent.close(),
  };
}

/** `Retry-After: 120` or an HTTP date, in ms from now. */
function retryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** The code of a network failure: undici wraps it as `TypeError('fetch failed', { cause })`. */
function errorCode(error: unknown): string {
  let current: unknown = error;
  let innermost = 'network error';
  for (let depth = 0; depth < 4 && current; depth++) {
    const e = current as { code?: unknown; name?: unknown; cause?: unknown; message?: unknown };
    if (typeof e.code === 'string') return e.code;
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'ETIMEDOUT';
    if (typeof e.message === 'string' && e.message) innermost = e.message;
    current = e.cause;
  }
  return innermost;
}
