/**
 * The web app with only the inbound webhook on (the third reply channel), in front of a reply
 * world's pipeline, for `app.inject`. Its rate limits count in Redis under the test's own keys.
 */
import type { LightMyRequestResponse } from 'fastify';
import { createRedis } from '../src/queue/connection.ts';
import { buildServer } from '../src/web/server.ts';
import type { ReplyWorld } from './reply-world.ts';
import { testLogger } from './sync-harness.ts';
import { createTestPrefix, redisUrl } from './test-redis.ts';

export const WEBHOOK_SECRET = 'webhook-secret-0123456789abcdef0123456789abcdef';

export interface WebhookApp {
  /** POSTs raw MIME to /inbound/email; `headers` default to the right secret. */
  post(raw: Buffer, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/** `name`: the test's own Redis key prefix. */
export function startWebhookApp(world: ReplyWorld, name: string): WebhookApp {
  const keys = createTestPrefix(name);
  const redis = createRedis(redisUrl);
  const app = buildServer({
    sql: world.database.sql,
    redis,
    keyPrefix: keys.prefix,
    replies: { webhook: { secret: WEBHOOK_SECRET, maxBytes: 100_000, logger: testLogger(), handle: world.handle } },
  });
  return {
    post: (raw, headers = { authorization: `Bearer ${WEBHOOK_SECRET}` }) =>
      app.inject({ method: 'POST', url: '/inbound/email', headers: { 'content-type': 'message/rfc822', ...headers }, payload: raw }),
    async close() {
      await app.close();
      redis.disconnect();
      await keys.cleanup();
    },
  };
}
