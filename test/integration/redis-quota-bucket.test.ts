import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { bucketShape, createRedisBucket } from '../../src/sync/quota-bucket.ts';
import { createTestPrefix, redisUrl } from '../../testkit/test-redis.ts';

describe('redis quota bucket', () => {
  const { prefix, cleanup } = createTestPrefix('bucket');
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  afterAll(async () => {
    await cleanup();
    redis.disconnect();
  });

  it('lets the burst through, then queues reservations at the paced rate', async () => {
    const shape = bucketShape(600);
    const bucket = createRedisBucket(redis, `${prefix}:a`, shape);
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) waits.push(await bucket.reserve(5));
    expect(waits.slice(0, 2)).toEqual([0, 0]);
    // Each further 5 units waits about 5 / rate ms longer than the one before.
    const step = 5 / shape.rate;
    for (let i = 3; i < 6; i++) expect(waits[i]! - waits[i - 1]!).toBeGreaterThan(step * 0.8);
  });

  it('is shared by every holder of the same key (another worker process)', async () => {
    const shape = bucketShape(600);
    const first = createRedisBucket(redis, `${prefix}:b`, shape);
    const otherConnection = new Redis(redisUrl);
    const second = createRedisBucket(otherConnection, `${prefix}:b`, shape);
    expect(await first.reserve(shape.burst)).toBe(0);
    expect(await second.reserve(5)).toBeGreaterThan(0);
    otherConnection.disconnect();
  });

  it('holds every reservation back while paused', async () => {
    const bucket = createRedisBucket(redis, `${prefix}:c`, bucketShape(6_000));
    await bucket.pause(3_000);
    expect(await bucket.reserve(1)).toBeGreaterThan(2_000);
  });
});
