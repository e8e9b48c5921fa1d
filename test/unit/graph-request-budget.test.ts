/**
 * Microsoft Graph's budget is 10,000 requests per mailbox per rolling 10 minutes: the quota
 * bucket, shaped for that window, must never exceed it and still use nearly all of it.
 */
import { describe, expect, it } from 'vitest';
import { bucketShape, createLocalBucket, windowBucketShape } from '../../src/sync/quota-bucket.ts';

const WINDOW = 10 * 60_000;

async function simulate(limit: number, requests: number): Promise<number[]> {
  let clock = 0;
  const bucket = createLocalBucket(windowBucketShape(limit, WINDOW), () => clock);
  const sentAt: number[] = [];
  for (let i = 0; i < requests; i++) {
    const wait = await bucket.reserve(1);
    clock += wait;
    sentAt.push(clock);
  }
  return sentAt;
}

function maxInAnyWindow(sentAt: number[]): number {
  let max = 0;
  let start = 0;
  for (let end = 0; end < sentAt.length; end++) {
    while (sentAt[end]! - sentAt[start]! >= WINDOW) start++;
    max = Math.max(max, end - start + 1);
  }
  return max;
}

describe('graph request budget', () => {
  it.each([10_000, 600])('never sends more than %i requests in any rolling 10 minutes, yet uses over 95%% of them', async (limit) => {
    const sentAt = await simulate(limit, limit * 3);
    expect(maxInAnyWindow(sentAt)).toBeLessThanOrEqual(limit);
    const windows = sentAt.at(-1)! / WINDOW;
    expect(sentAt.length / windows / limit).toBeGreaterThan(0.95);
  });

  it('keeps the per-minute shape Gmail uses unchanged', () => {
    expect(bucketShape(6_000)).toEqual(windowBucketShape(6_000, 60_000));
    expect(bucketShape(6_000).burst).toBe(30);
  });
});
