/**
 * The web app while Redis is away, over real HTTP to a listening server whose Redis is a
 * redis-server of this test's own (stopped, and frozen with SIGSTOP, here — never the shared
 * one): pages that need no queue answer as usual, the rate-limited routes answer instead of
 * waiting on Redis (their limits let requests through), `/readyz` says 503 and names Redis,
 * and everything is back once Redis is.
 */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.ts';
import { createWebRedis } from '../../src/queue/connection.ts';
import { buildServer } from '../../src/web/server.ts';
import { startRedisServer, type RedisServer } from '../../testkit/chaos/private-servers.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/test-database.ts';
import { ADMIN_PASSWORD, LINK_SECRET } from '../../testkit/web-harness.ts';

/** The next `event` (events.once would reject on the connection's reconnect errors). */
const when = (emitter: Redis, event: 'ready' | 'close') => new Promise<void>((resolve) => emitter.once(event, () => resolve()));

describe('the web app while Redis is unreachable', () => {
  let database: TestDatabase;
  let redisServer: RedisServer;
  let redis: Redis;
  let app: ReturnType<typeof buildServer>;
  let base = '';
  const get = (path: string, init: RequestInit = {}) => fetch(`${base}${path}`, { redirect: 'manual', ...init });

  beforeAll(async () => {
    database = await createTestDatabase();
    redisServer = await startRedisServer();
    redis = createWebRedis(redisServer.url);
    // The test listens for what `serve` would log; without a listener ioredis prints each failed reconnect.
    redis.on('error', () => undefined);
    const config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: database.url,
      REDIS_URL: redisServer.url,
      QUEUE_PREFIX: 'outage-web',
      PUBLIC_URL: 'http://rekindle.test',
      LINK_SECRETS: LINK_SECRET,
      ADMIN_PASSWORD,
      GOOGLE_CLIENT_ID: 'client-id',
      GOOGLE_CLIENT_SECRET: 'client-secret',
      GOOGLE_AUTH_URL: 'http://accounts.google.test/o/oauth2/v2/auth',
    });
    app = buildServer({ sql: database.sql, redis, config });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    if (redis.status !== 'ready') await when(redis, 'ready');
  });
  afterAll(async () => {
    redisServer?.thaw();
    await app?.close();
    redis?.disconnect();
    await redisServer?.close();
    await database?.drop();
  });

  /** What must answer, and how, whatever Redis does. */
  const expectServing = async () => {
    expect((await get('/healthz')).status).toBe(200);
    const landing = await get('/');
    expect(landing.status).toBe(200);
    expect(await landing.text()).toContain('rekindle');
    // Rate-limited: the limit cannot be counted, so the request goes through rather than wait.
    const connect = await get('/connect/google');
    expect(connect.status).toBe(302);
    expect(connect.headers.get('location')).toMatch(/^http:\/\/accounts\.google\.test\/o\/oauth2\/v2\/auth\?/);
    const callback = await get('/oauth/google/callback?code=c&state=forged');
    expect(callback.status).toBe(400);
    // A wrong admin password is refused (its failure count cannot be read, so it is not locked out either).
    const basic = `Basic ${Buffer.from('admin:wrong password!!').toString('base64')}`;
    expect((await get('/metrics', { headers: { authorization: basic } })).status).toBe(401);
  };

  it('answers while Redis is up', async () => {
    await expectServing();
    const ready = await get('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', postgres: 'ok', redis: 'ok' });
  });

  it('keeps answering, and says it is not ready, while Redis is stopped', async () => {
    const closed = when(redis, 'close');
    await redisServer.stop();
    await closed;
    await expectServing();
    const ready = await get('/readyz');
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'unavailable', postgres: 'ok', redis: 'unavailable' });
  });

  it('keeps answering while Redis is connected but answers nothing (a hung server)', async () => {
    const back = when(redis, 'ready');
    await redisServer.start();
    await back;
    expect((await get('/readyz')).status).toBe(200);
    redisServer.freeze();
    try {
      await expectServing();
      const ready = await get('/readyz');
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({ status: 'unavailable', postgres: 'ok', redis: 'unavailable' });
    } finally {
      redisServer.thaw();
    }
  });

  it('is ready again once Redis is back, with the data it had', async () => {
    await redis.set('outage-web:probe', 'kept');
    const closed = when(redis, 'close');
    await redisServer.stop();
    await closed;
    const back = when(redis, 'ready');
    await redisServer.start();
    await back;
    expect(await redis.get('outage-web:probe')).toBe('kept');
    const ready = await get('/readyz');
    expect(ready.status).toBe(200);
    await expectServing();
  });
});
