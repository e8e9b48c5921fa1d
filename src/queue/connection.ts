import { Redis } from 'ioredis';

/**
 * A Redis connection as BullMQ wants it: commands wait through reconnects instead of
 * failing (`maxRetriesPerRequest: null`), so a Redis restart pauses work rather than losing it.
 */
export function createRedis(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true });
}
