import { Redis } from 'ioredis';

/**
 * A Redis connection as BullMQ wants it: commands wait through reconnects instead of
 * failing (`maxRetriesPerRequest: null`), so a Redis restart pauses work rather than losing it.
 */
export function createRedis(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true });
}

/** How long the web app waits for any Redis answer. */
export const WEB_REDIS_TIMEOUT_MS = 800;

/**
 * The web app's connection: it must answer people while Redis is away, so its commands fail
 * instead of waiting — at once while the connection is down (no offline queue), and after
 * WEB_REDIS_TIMEOUT_MS when Redis is connected but silent (a hung server, a lost network).
 * The rate limits then let requests through (skipOnError), `/readyz` says 503, and pages that
 * need no queue never notice. (BullMQ's production advice for queues used from HTTP handlers.)
 * It keeps reconnecting in the background, at most every two seconds.
 */
export function createWebRedis(url: string): Redis {
  return new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: WEB_REDIS_TIMEOUT_MS,
    connectTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
}
