import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Sql } from 'postgres';
import type { Config } from '../config/env.ts';
import { DASHBOARD_PATH } from './admin-routes.ts';
import { sendMessage } from './html.ts';
import { registerInboundWebhook, type InboundWebhookDeps } from './inbound-webhook-route.ts';
import { registerRateLimits } from './rate-limits.ts';
import { registerReplyConfirmRoutes, type ReplyConfirmDeps } from './reply-confirm-route.ts';
import { registerSecurityHeaders } from './security-headers.ts';
import { registerUnsubscribe } from './unsubscribe-route.ts';
import { registerWebApp } from './web-app.ts';

/** How long `/readyz` waits for Postgres and Redis each (at once), so it answers within a second. */
const READY_CHECK_MS = 900;

export interface ServerDeps {
  sql: Sql;
  redis: Redis;
  /**
   * With a config (needs LINK_SECRETS) the app also serves the web app: sign-up and OAuth,
   * status, settings, the digest's signed links, /metrics and the queue dashboard.
   */
  config?: Config;
  logger?: Logger;
  /** Replies: the confirmation links of held replies, and the inbound webhook (when INBOUND_WEBHOOK_SECRET is set). */
  replies?: { confirm?: ReplyConfirmDeps; webhook?: InboundWebhookDeps };
  /** Prefix of the rate limits' Redis keys when there is no config (its QUEUE_PREFIX otherwise). */
  keyPrefix?: string;
}

/**
 * The HTTP app: liveness and readiness for orchestrators and the compose file; the digest's
 * one-click unsubscribe; with a config, the web app (src/web/web-app.ts).
 */
export function buildServer(deps: ServerDeps): FastifyInstance {
  // Signed link tokens travel as path parameters (about 200 characters).
  // Behind a proxy, TRUST_PROXY makes request.ip the client's, which the rate limits count.
  const proxies = deps.config?.TRUST_PROXY;
  const trustProxy =
    proxies === undefined ? false : typeof proxies === 'number' ? (_address: string, hop: number) => hop < proxies : proxies;
  // Forms are tiny; the webhook sets its own (INBOUND_MAX_BYTES) limit for raw mail.
  const app = Fastify({ logger: false, routerOptions: { maxParamLength: 512 }, trustProxy, bodyLimit: 65_536 });
  registerSecurityHeaders(app, { publicUrl: deps.config?.PUBLIC_URL, dashboardPath: DASHBOARD_PATH });
  registerRateLimits(app, { redis: deps.redis, keyPrefix: deps.config?.QUEUE_PREFIX ?? deps.keyPrefix ?? 'rekindle' });

  // A failure's message (a SQL error, a host name) is for the log; the client learns only that
  // it failed. Client errors (400s: a body too big, a bad content type, a rate limit) keep theirs.
  // People get a page in the app's style; machines (and clients asking for JSON) get JSON.
  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    // (The rate limit's refusal is a plain object carrying its statusCode.)
    if (status < 500) {
      if (wantsJson(request)) return reply.code(status).send(error);
      const [title, message] = CLIENT_ERRORS[status] ?? [
        'Not accepted',
        `${error.message || 'This request was refused'}. Nothing was changed.`,
      ];
      return sendMessage(reply, status, title, message, HOME);
    }
    // The web app's own onError hook logs it (src/web/web-app.ts); without it, this does.
    if (!deps.config) deps.logger?.error({ route: request.routeOptions.url, method: request.method, err: error.message }, 'request failed');
    const message = 'Something went wrong on our side; nothing was changed. Please try again.';
    if (wantsJson(request)) return reply.code(status).send({ statusCode: status, error: 'Internal Server Error', message });
    return sendMessage(reply, status, 'Something went wrong', message, HOME);
  });

  app.setNotFoundHandler((request, reply) => {
    if (wantsJson(request)) {
      return reply
        .code(404)
        .send({ statusCode: 404, error: 'Not Found', message: `Route ${request.method}:${request.url.split('?')[0]} not found` });
    }
    return sendMessage(
      reply,
      404,
      'Page not found',
      'There is no page at this address. It may have moved, or the link was cut short.',
      HOME,
    );
  });

  app.get('/healthz', async () => ({ status: 'ok' }));

  // Anyone can ask: the answer says what is down, and only the log says why (host names, ports
  // and database names stay inside). Within a second whatever the servers do: a check that
  // has not answered by then counts as down (a hung server, or one still reconnecting).
  app.get('/readyz', async (_request, reply) => {
    const failed = (component: string) => (e: Error) => {
      deps.logger?.warn({ component, err: e.message }, 'not ready');
      return 'unavailable';
    };
    const checks = await Promise.all([
      within(READY_CHECK_MS, deps.sql`select 1`).then(() => 'ok', failed('postgres')),
      within(READY_CHECK_MS, deps.redis.ping()).then(() => 'ok', failed('redis')),
    ]);
    const [postgres, redis] = checks;
    const ready = checks.every((c) => c === 'ok');
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable', postgres, redis });
  });

  registerUnsubscribe(app, deps.sql);
  if (deps.config) registerWebApp(app, { sql: deps.sql, redis: deps.redis, config: deps.config, logger: deps.logger });
  if (deps.replies?.confirm) registerReplyConfirmRoutes(app, deps.replies.confirm);
  if (deps.replies?.webhook) registerInboundWebhook(app, deps.replies.webhook);

  return app;
}

const HOME = '<p><a class="button" href="/">Home</a></p>';

const CLIENT_ERRORS: Record<number, [string, string]> = {
  413: ['Too large', 'What was sent is larger than this page accepts. Nothing was changed.'],
  415: ['Not accepted', 'This form was sent in a way this page does not take. Nothing was changed.'],
  429: ['Too many tries', 'Too many requests from here in a short while. Please wait a minute, then try again.'],
};

/** Routes for machines: health, metrics, the queue dashboard (and its API), the inbound webhook. */
const MACHINE_PATHS = /^\/(healthz|readyz|metrics|inbound|admin)(\/|$)/;

/** JSON for machine routes and for clients that ask for JSON rather than a page. */
export function wantsJson(request: FastifyRequest): boolean {
  if (MACHINE_PATHS.test(request.url.split('?')[0]!)) return true;
  const accept = String(request.headers.accept ?? '');
  return /application\/json/i.test(accept) && !/text\/html/i.test(accept);
}

/** The promise's outcome, or a rejection once `ms` have passed without one. */
function within<T>(ms: number, promise: PromiseLike<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([Promise.resolve(promise), timeout]).finally(() => clearTimeout(timer));
}
