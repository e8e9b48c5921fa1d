import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

export const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A key prefix of this test file's own; `cleanup()` deletes every key under it. */
export function createTestPrefix(label = 'test') {
  const prefix = `rk-${label}-${randomBytes(4).toString('hex')}`;
  return {
    prefix,
    async cleanup() {
      const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
      try {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
          cursor = next;
          if (keys.length > 0) await redis.del(...keys);
        } while (cursor !== '0');
      } finally {
        redis.disconnect();
      }
    },
  };
}
