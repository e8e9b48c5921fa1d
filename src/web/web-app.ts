/**
 * The web app on top of the health and unsubscribe routes: sign-up and OAuth, status and
 * settings, who is due, the digest's signed links, the undo links of confirmations, /metrics and the queue dashboard. Its routes live in
 * their own Fastify scope with an urlencoded form parser (HTML forms post nothing else).
 */
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { pino, type Logger } from 'pino';
import { requireLinkSecrets, type Config } from '../config/env.ts';
import type { Sql } from '../db/client.ts';
import { CONTACTS_QUEUE, DIGEST_QUEUE, SYNC_QUEUE } from '../queue/queues.ts';
import { tokenCipherFor } from '../security/token-cipher.ts';
import { registerAccountRemovalRoutes } from './account-removal-routes.ts';
import { registerActionRoutes } from './action-routes.ts';
import { registerAdminRoutes } from './admin-routes.ts';
import { registerDueRoutes } from './due-routes.ts';
import { registerHomeRoutes } from './home-routes.ts';
import { createMetrics } from './metrics.ts';
import { registerImapConnectRoutes } from './imap-connect-routes.ts';
import { registerOAuthRoutes } from './oauth-routes.ts';
import { registerSettingsRoutes } from './settings-routes.ts';
import { registerStatusRoute } from './status-route.ts';
import { registerUndoRoute } from './undo-route.ts';
import { PROVIDER_LABEL, PROVIDERS, providerConfigured, type WebDeps } from './web-deps.ts';

export function registerWebApp(app: FastifyInstance, options: { sql: Sql; redis: Redis; config: Config; logger?: Logger }): void {
  const { config } = options;
  const logger = options.logger ?? pino({ level: 'silent' });
  // Outside production a first local run works without LINK_SECRETS: a random secret for this
  // process only (sessions and links die with it, and the worker's digests carry no links).
  let keys: { secrets: string[] };
  if (config.LINK_SECRETS || config.NODE_ENV === 'production') keys = requireLinkSecrets(config);
  else {
    keys = { secrets: [randomBytes(32).toString('hex')] };
    logger.warn('LINK_SECRETS is not set: using a random secret until this process stops (set it for sessions and links that last)');
  }
  for (const provider of PROVIDERS.filter((p) => !providerConfigured(config, p))) {
    const prefix = provider === 'google' ? 'GOOGLE' : 'MICROSOFT';
    logger.warn(
      { provider },
      `${prefix}_CLIENT_ID and ${prefix}_CLIENT_SECRET are not both set: the web app offers no ${PROVIDER_LABEL[provider]} sign-in (docs/providers.md)`,
    );
  }
  const deps: WebDeps = {
    sql: options.sql,
    config,
    keys,
    cipher: tokenCipherFor(config),
    logger,
    session: { keys, publicUrl: config.PUBLIC_URL },
  };

  // Read-only handles for the dashboard and job counts; the workers own the queues' work.
  const queues = [SYNC_QUEUE, CONTACTS_QUEUE, DIGEST_QUEUE].map(
    (name) => new Queue(name, { connection: options.redis, prefix: config.QUEUE_PREFIX }),
  );
  // Each queue relays its connection's errors, which whoever owns the connection already
  // hears (`serve` logs Redis's state changes); unheard, BullMQ would print each with its stack.
  for (const queue of queues) queue.on('error', () => undefined);
  app.addHook('onClose', async () => {
    await Promise.all(queues.map((q) => q.close()));
  });
  registerAdminRoutes(app, { password: config.ADMIN_PASSWORD, queues, metrics: createMetrics({ sql: options.sql, queues }) });

  // Logged by route pattern only: URLs hold link tokens and OAuth codes.
  app.addHook('onError', async (request, _reply, error) => {
    // A refused flood is the limit working, not a failure; logging each would flood the logs too.
    if (error.statusCode === 429) return;
    logger.error({ route: request.routeOptions.url, method: request.method, err: error.message }, 'request failed');
  });

  void app.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16_384 }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(String(body))));
    });
    registerHomeRoutes(scope, deps);
    registerStatusRoute(scope, deps);
    registerSettingsRoutes(scope, deps);
    registerAccountRemovalRoutes(scope, deps);
    registerDueRoutes(scope, deps);
    registerOAuthRoutes(scope, deps);
    registerImapConnectRoutes(scope, deps);
    registerActionRoutes(scope, deps);
    registerUndoRoute(scope, deps);
  });
}
