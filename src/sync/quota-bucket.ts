import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * A token bucket sized so that no rolling window of the provider's (60 s for Google, 10 min for
 * Microsoft Graph) ever holds more than its limit: `burst + window × rate ≤ limit`. Callers
 * reserve units and are told how long to wait; reservations queue up (the bucket may go
 * negative), so waiting callers are served in order without polling.
 */
export interface QuotaBucket {
  /** Reserves `cost` units; resolves to the milliseconds to wait before sending. */
  reserve(cost: number): Promise<number>;
  /** Provider said "back off": nothing is sent through this bucket for `ms`. */
  pause(ms: number): Promise<void>;
}

export interface BucketShape {
  /** Units per millisecond. */
  rate: number;
  burst: number;
}

/**
 * The shape for a per-minute quota. The provider counts a request when it arrives, ours
 * leaves when the bucket allows it; the two clocks differ by the request's latency, so a
 * window of the provider's can hold up to `burst + rate × (window + jitter)` units, where
 * jitter is how much latencies vary. With the defaults (burst 0.5 % of the limit, pace 98.5 %
 * of the rest) that stays under the limit for up to 0.9 s of jitter, and a long sync uses
 * about 98 % of the quota (`npm run bench`: 100–300 ms latencies, no quota error).
 */
export function bucketShape(unitsPerMinute: number, target = PACE): BucketShape {
  return windowBucketShape(unitsPerMinute, 60_000, target);
}

/** The share of the quota (after the burst) the bucket paces at. */
export const PACE = 0.985;

/** The same for a limit over any window: Graph allows 10,000 requests per 10 minutes per mailbox. */
export function windowBucketShape(units: number, windowMs: number, target = PACE): BucketShape {
  // A burst of a few requests lets a sync start (and resume after a pause) at full speed;
  // every unit of it is a unit the steady pace must leave unused.
  const burst = Math.max(10, Math.floor(units / 200));
  return { burst, rate: (target * (units - burst)) / windowMs };
}

/** In-process bucket: enough when one process owns the account (imports, tests). */
export function createLocalBucket(shape: BucketShape, now: () => number = Date.now): QuotaBucket {
  let tokens = shape.burst;
  let updatedAt = now();
  let pausedUntil = 0;
  return {
    async reserve(cost) {
      const t = now();
      tokens = Math.min(shape.burst, tokens + (t - updatedAt) * shape.rate) - cost;
      updatedAt = t;
      const wait = tokens >= 0 ? 0 : Math.ceil(-tokens / shape.rate);
      return Math.max(wait, pausedUntil - t);
    },
    async pause(ms) {
      pausedUntil = Math.max(pausedUntil, now() + ms);
    },
  };
}

// Redis time keeps every worker process on one clock. Returns max(wait for tokens, pause left).
const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or burst
local ts = tonumber(state[2]) or now
tokens = math.min(burst, tokens + (now - ts) * rate) - cost
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], 120000)
local wait = 0
if tokens < 0 then wait = math.ceil(-tokens / rate) end
local paused = redis.call('PTTL', KEYS[2])
if paused > wait then wait = paused end
return wait
`;

const RESERVE_SHA = createHash('sha1').update(RESERVE).digest('hex');

/**
 * Bucket shared by every worker process through Redis, so an account's pace holds across
 * jobs and processes. Losing the keys (a Redis flush) only forgets a minute of history.
 */
export function createRedisBucket(redis: Redis, key: string, shape: BucketShape): QuotaBucket {
  const pauseKey = `${key}:pause`;
  return {
    async reserve(cost) {
      // By hash: one reservation per provider request, so the script's text is sent once per Redis.
      try {
        return Number(await redis.evalsha(RESERVE_SHA, 2, key, pauseKey, shape.rate, shape.burst, cost));
      } catch (error) {
        if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error;
        return Number(await redis.eval(RESERVE, 2, key, pauseKey, shape.rate, shape.burst, cost));
      }
    },
    async pause(ms) {
      const current = await redis.pttl(pauseKey);
      if (current < ms) await redis.set(pauseKey, '1', 'PX', Math.max(1, Math.ceil(ms)));
    },
  };
}
