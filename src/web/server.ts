import Fastify, { type FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Sql } from 'postgres';
import { registerUnsubscribe } from './unsubscribe-route.ts';

export interface ServerDeps {
  sql: Sql;
  redis: Redis;
}

/** The HTTP app: liveness and readiness for orchestrators and the compose file; the digest's one-click unsubscribe. */
export function buildServer(deps: ServerDeps): FastifyInstance {
  const app = Fastify({ logger: false });

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const checks = await Promise.all([
      deps.sql`select 1`.then(() => 'ok', (e: Error) => e.message),
      deps.redis.ping().then(() => 'ok', (e: Error) => e.message),
    ]);
    const [postgres, redis] = checks;
    const ready = checks.every((c) => c === 'ok');
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable', postgres, redis });
  });

  registerUnsubscribe(app, deps.sql);

  return app;
}
