/**
 * Worker CPU per job kind, as the worker processes measured it themselves (src/workers/
 * job-meter.ts) and left in Redis: summed over every worker of a round, so a round of two
 * processes compares with a round of one however busy the machine was.
 */
import { Redis } from 'ioredis';
import { redisUrl } from './bench-env.ts';
import { round } from './measure.ts';

export interface KindCost {
  jobs: number;
  units: number;
  cpuSeconds: number;
  cpuMsPerJob: number;
  /** Per thing the jobs counted: a synced message or event, an interaction read, a digest sent. */
  cpuMsPerUnit: number | null;
}

export interface WorkerCpu {
  workers: number;
  kinds: Record<string, KindCost>;
  /** CPU with no job running: scheduler passes, BullMQ polling, timers. */
  outsideJobsCpuSeconds: number;
  /** Everything from each worker's start to its stop, module loading aside. */
  totalCpuSeconds: number;
}

async function withRedis<T>(use: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  try {
    return await use(redis);
  } finally {
    redis.disconnect();
  }
}

async function meterKeys(redis: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}:worker-cpu:*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...found);
  } while (cursor !== '0');
  return keys;
}

/** The totals every worker under `prefix` wrote (read after they stopped: their last flush is in). */
export function readWorkerCpu(prefix: string): Promise<WorkerCpu> {
  return withRedis(async (redis) => {
    const keys = await meterKeys(redis, prefix);
    const sums = new Map<string, number>();
    for (const key of keys) {
      for (const [field, value] of Object.entries(await redis.hgetall(key))) sums.set(field, (sums.get(field) ?? 0) + Number(value));
    }
    const kinds: Record<string, KindCost> = {};
    for (const field of sums.keys()) {
      if (!field.endsWith('.jobs')) continue;
      const kind = field.slice(0, -'.jobs'.length);
      const jobs = sums.get(`${kind}.jobs`) ?? 0;
      const units = sums.get(`${kind}.units`) ?? 0;
      const micros = sums.get(`${kind}.cpuMicros`) ?? 0;
      kinds[kind] = {
        jobs,
        units,
        cpuSeconds: round(micros / 1e6, 2),
        cpuMsPerJob: round(micros / 1000 / Math.max(1, jobs), 3),
        cpuMsPerUnit: units > 0 ? round(micros / 1000 / units, 3) : null,
      };
    }
    return {
      workers: keys.length,
      kinds,
      outsideJobsCpuSeconds: round((sums.get('outsideMicros') ?? 0) / 1e6, 2),
      totalCpuSeconds: round((sums.get('totalMicros') ?? 0) / 1e6, 2),
    };
  });
}

/** Forgets the totals under `prefix`, before another round on the same prefix. */
export function clearWorkerCpu(prefix: string): Promise<void> {
  return withRedis(async (redis) => {
    const keys = await meterKeys(redis, prefix);
    if (keys.length > 0) await redis.del(...keys);
  });
}
