/**
 * Per-address limits on the routes an attacker can hammer without an account: starting a
 * connect flow, the OAuth callback (each one costs a token exchange with the provider), the
 * inbound webhook, and failed passwords at /admin and /metrics. Counted in Redis
 * (@fastify/rate-limit's store, under `<QUEUE_PREFIX>:rate-limit:`), so every `serve` process
 * shares one count; keyed by the client address (IPv6 by its /64, as one host or household gets
 * a whole prefix). Behind a reverse proxy set TRUST_PROXY, or every client is the proxy.
 *
 * One signed-in form is limited too: POST /connect/imap, as each one makes rekindle connect to a
 * server the person names (a signed-in user could otherwise probe hosts and ports at will). It is
 * counted twice: per client address, and per signed-in user (perUserLimit), so a user who
 * hops between addresses gets no more checks than one who stays.
 *
 * Deliberately left out: limits on other signed-in pages and digest links. They need a session or an
 * unguessable token, and a limit there would only let one busy address lock people out.
 * A Redis outage lets requests through (skipOnError) rather than take sign-in down with it.
 */
import rateLimit, { type RateLimitPluginOptions } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';

interface Limit {
  max: number;
  timeWindow: number;
}

const MINUTE = 60_000;

export const RATE_LIMITS = {
  /** GET /connect/:provider — a person clicks it a few times at most. */
  connect: { max: 30, timeWindow: MINUTE },
  /** GET /oauth/:provider/callback — each one is a code exchange with Google or Microsoft. */
  callback: { max: 30, timeWindow: MINUTE },
  /** POST /connect/imap — each one makes rekindle connect to a server the person names. */
  imapCheck: { max: 10, timeWindow: MINUTE },
  /** POST /connect/imap per signed-in user, whatever their address: enough to fix a typo many times over. */
  imapCheckPerUser: { max: 20, timeWindow: 15 * MINUTE },
  /** POST /inbound/email — a relay posts every reply from one address, so this is generous. */
  webhook: { max: 300, timeWindow: MINUTE },
  /** Wrong passwords (or secrets) at /admin, /metrics and the webhook, before that address is refused outright. */
  authFailures: { max: 10, timeWindow: 15 * MINUTE },
} as const satisfies Record<string, Limit>;

export interface RateLimitRoutes {
  /** For a route's `config: { rateLimit }`. */
  connect: Limit;
  callback: Limit;
  webhook: Limit;
}

/** Registers the plugin (no global limit: only routes that ask are limited). Call before the routes. */
export function registerRateLimits(app: FastifyInstance, options: { redis: Redis; keyPrefix: string }): void {
  const settings: RateLimitPluginOptions = {
    global: false,
    redis: options.redis,
    nameSpace: `${options.keyPrefix}:rate-limit:`,
    skipOnError: true,
    errorResponseBuilder: (_request, context) => ({
      statusCode: 429,
      error: 'Too Many Requests',
      message: `Too many requests from your address; try again in ${context.after}.`,
    }),
  };
  void app.register(rateLimit, settings);
}

/**
 * Counts failed passwords per address; a request from an address over the limit is refused
 * before its password is even compared. Successful sign-ins do not count, so an operator's
 * dashboard (which polls) never trips it.
 */
export function authFailureGuard(
  app: FastifyInstance,
  name: string,
): {
  refused: (request: FastifyRequest, reply: FastifyReply) => Promise<boolean>;
  failed: (request: FastifyRequest) => Promise<void>;
} {
  type Check = (request: FastifyRequest, options?: { increment?: boolean }) => Promise<{ remaining?: number; ttlInSeconds?: number }>;
  let check: Check | null = null;
  const limiter = (): Check => {
    // The plugin's decorator exists once the server is ready, which it is by the first request.
    check ??= (app as unknown as { createRateLimit: (o: object) => Check }).createRateLimit({
      ...RATE_LIMITS.authFailures,
      keyGenerator: (request: FastifyRequest) => `${name}:${addressKey(request.ip)}`,
    });
    return check;
  };
  return {
    refused: async (request, reply) => {
      // Read without counting: only a wrong password counts. `remaining` is 0 once `max` failed.
      const state = await limiter()(request, { increment: false });
      if (state.remaining !== 0) return false;
      await reply
        .code(429)
        .header('retry-after', String(state.ttlInSeconds ?? 60))
        .type('text/plain')
        .send('Too many failed attempts from your address; try again later.');
      return true;
    },
    failed: async (request) => {
      await limiter()(request);
    },
  };
}

/**
 * A limit counted per signed-in user rather than per address. `over` counts the request and
 * says whether the user is past the limit (and for how long); a Redis outage lets it through,
 * as the plugin's own limits do.
 */
export function perUserLimit(
  app: FastifyInstance,
  name: string,
  limit: Limit,
): { over: (request: FastifyRequest, userId: string) => Promise<{ over: false } | { over: true; retryAfterSeconds: number }> } {
  type Check = (request: FastifyRequest) => Promise<{ isExceeded?: boolean; ttlInSeconds?: number }>;
  const users = new WeakMap<FastifyRequest, string>();
  let check: Check | null = null;
  return {
    over: async (request, userId) => {
      check ??= (app as unknown as { createRateLimit: (o: object) => Check }).createRateLimit({
        ...limit,
        keyGenerator: (r: FastifyRequest) => `${name}:user:${users.get(r) ?? 'none'}`,
      });
      users.set(request, userId);
      const state = await check(request);
      return state.isExceeded ? { over: true, retryAfterSeconds: state.ttlInSeconds ?? 60 } : { over: false };
    },
  };
}

/** An IPv4 address as it is; an IPv6 one as its /64 (one host can use the whole prefix). */
export function addressKey(ip: string): string {
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (v4) return v4[1]!;
  if (!ip.includes(':')) return ip;
  const [head = '', tail] = ip.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

export type PerUserLimit = ReturnType<typeof perUserLimit>;
