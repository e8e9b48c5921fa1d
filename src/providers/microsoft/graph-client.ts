import {
  Client,
  HTTPMessageHandler,
  type Context,
  type GraphRequest,
  type Middleware,
  type MiddlewareOptions,
} from '@microsoft/microsoft-graph-client';
import { ProviderError } from '../provider-error.ts';

export const GRAPH_URL = 'https://graph.microsoft.com';
const VERSION = 'v1.0';

/**
 * The real `@microsoft/microsoft-graph-client`, built with our own middleware chain rather than
 * the default one (`Client.initWithMiddleware({ middleware })`). Why not the default chain with an
 * https emulator, a test CA and `customHosts`:
 *
 * - the default chain's RetryHandler resends 429/503/504 by itself (up to three times, honouring
 *   Retry-After), behind the RequestGate's back: outside the mailbox's request budget, the
 *   4-concurrent limit's accounting and the account-wide pause a Retry-After must cause. rekindle
 *   needs a chain without it in any case;
 * - the default AuthenticationHandler attaches the token only for https URLs of Graph's own
 *   hosts or `customHosts`, and GraphRequest only understands absolute https links. An https
 *   emulator needs a CA every process trusts (tests, the demo, spawned workers), for no gain in
 *   what is tested: the wire format is the same;
 * - our chain keeps the property that matters: the bearer token goes only to the configured
 *   Graph root (checked on every request), and a link (`@odata.nextLink`) from anywhere else is
 *   refused before any request is made. Plain http is accepted only for loopback hosts.
 *
 * Chain: GraphAuthMiddleware (token for the configured root only) → TimeoutMiddleware →
 * HTTPMessageHandler (the library's fetch).
 */
export interface GraphClient {
  /** A request for a Graph path (`/me/...`) or an absolute link Graph handed out. */
  request(target: string, accessToken: string): GraphRequest;
}

export function createGraphClient(options: { graphUrl?: string; timeoutMs: number }): GraphClient {
  const root = (options.graphUrl ?? GRAPH_URL).replace(/\/+$/, '');
  assertSafeUrl(root, 'Microsoft Graph URL');
  const versionRoot = `${root}/${VERSION}/`;
  const client = Client.initWithMiddleware({
    baseUrl: `${root}/`,
    defaultVersion: VERSION,
    middleware: [new GraphAuthMiddleware(versionRoot), new TimeoutMiddleware(options.timeoutMs), new HTTPMessageHandler()],
  });

  return {
    request(target, accessToken) {
      let path = target;
      if (/^https?:\/\//i.test(target)) {
        // Links are opaque: passed on as Graph wrote them, minus our own root (GraphRequest
        // parses only https links itself). A link to anywhere else never gets a request.
        if (target.slice(0, versionRoot.length).toLowerCase() !== versionRoot.toLowerCase()) {
          throw new ProviderError('cursor_expired', 'a Graph link points outside the configured Graph endpoint; starting over', {
            provider: 'microsoft',
          });
        }
        path = `/${target.slice(versionRoot.length)}`;
      }
      return client.api(path).middlewareOptions([new BearerToken(accessToken)]);
    },
  };
}

/** http only on loopback (the emulator); anything else must be https, so tokens never travel in clear. */
export function assertSafeUrl(value: string, what: string): void {
  const url = new URL(value);
  const loopback = ['127.0.0.1', 'localhost', '[::1]', '::1'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new Error(`${what} must be https (plain http only for a loopback emulator): ${url.origin}`);
  }
}

/** The access token for one request, handed to GraphAuthMiddleware through the request's options. */
class BearerToken implements MiddlewareOptions {
  readonly token: string;
  constructor(token: string) {
    this.token = token;
  }
}

class GraphAuthMiddleware implements Middleware {
  readonly #root: string;
  #next: Middleware | undefined;

  constructor(root: string) {
    this.#root = root.toLowerCase();
  }

  async execute(context: Context): Promise<void> {
    const url = typeof context.request === 'string' ? context.request : context.request.url;
    if (!url.toLowerCase().startsWith(this.#root)) {
      throw new ProviderError('permanent', `refusing to send a Microsoft token outside the Graph endpoint (${new URL(url).origin})`, {
        provider: 'microsoft',
      });
    }
    const bearer = context.middlewareControl?.getMiddlewareOptions(BearerToken) as BearerToken | undefined;
    if (bearer) setHeader(context, 'Authorization', `Bearer ${bearer.token}`);
    await this.#next!.execute(context);
  }

  setNext(next: Middleware): void {
    this.#next = next;
  }
}

class TimeoutMiddleware implements Middleware {
  readonly #timeoutMs: number;
  #next: Middleware | undefined;

  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
  }

  async execute(context: Context): Promise<void> {
    context.options = { ...context.options, signal: AbortSignal.timeout(this.#timeoutMs) };
    await this.#next!.execute(context);
  }

  setNext(next: Middleware): void {
    this.#next = next;
  }
}

function setHeader(context: Context, name: string, value: string): void {
  const options = (context.options ??= {});
  const headers = options.headers;
  if (headers instanceof Headers) headers.set(name, value);
  else if (Array.isArray(headers)) options.headers = [...headers.filter(([k]) => k.toLowerCase() !== name.toLowerCase()), [name, value]];
  else options.headers = { ...(headers as Record<string, string> | undefined), [name]: value };
}
