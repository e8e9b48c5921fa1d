import { describe, expect, it } from 'vitest';
import { bucketShape, createLocalBucket } from '../../src/sync/quota-bucket.ts';

/** Replays reservations on a simulated clock; returns the time each request is sent. */
async function simulate(unitsPerMinute: number, requests: number, cost: number): Promise<number[]> {
  let clock = 0;
  const bucket = createLocalBucket(bucketShape(unitsPerMinute), () => clock);
  const sentAt: number[] = [];
  for (let i = 0; i < requests; i++) {
    const wait = await bucket.reserve(cost);
    sentAt.push(clock + wait);
    // The next caller arrives when this one is sent (a single busy client).
    clock += wait;
  }
  return sentAt;
}

function maxInAnyMinute(sentAt: number[], cost: number): number {
  let max = 0;
  let start = 0;
  for (let end = 0; end < sentAt.length; end++) {
    while (sentAt[end]! - sentAt[start]! >= 60_000) start++;
    max = Math.max(max, (end - start + 1) * cost);
  }
  return max;
}

describe('quota bucket', () => {
  it.each([600, 6_000, 60_000])('never exceeds %i units in any rolling minute, yet uses over 95%% of it', async (limit) => {
    const sentAt = await simulate(limit, (limit / 5) * 3, 5);
    expect(maxInAnyMinute(sentAt, 5)).toBeLessThanOrEqual(limit);
    const minutes = sentAt.at(-1)! / 60_000;
    const achieved = (sentAt.length * 5) / minutes;
    expect(achieved / limit).toBeGreaterThan(0.95);
  });

  it('holds every request back while paused', async () => {
    let clock = 1_000;
    const bucket = createLocalBucket(bucketShape(6_000), () => clock);
    await bucket.pause(2_500);
    expect(await bucket.reserve(5)).toBe(2_500);
    clock += 1_000;
    expect(await bucket.reserve(5)).toBe(1_500);
  });
});
