/**
 * Paying ahead: the request gate buys quota from the bucket a few requests at a time (each purchase is a
 * Redis round trip), but never lets a request out before the bucket allows it, and forgets
 * what it bought ahead as soon as the provider says to back off.
 */
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/providers/provider-error.ts';
import type { QuotaBucket } from '../../src/sync/quota-bucket.ts';
import { createRequestGate, PREPAY_REQUESTS } from '../../src/sync/request-gate.ts';

function recordingBucket(waits: number[] = []) {
  const reservations: number[] = [];
  let pausedUntil = 0;
  const bucket: QuotaBucket = {
    async reserve(cost) {
      reservations.push(cost);
      return Math.max(waits.shift() ?? 0, pausedUntil - Date.now());
    },
    async pause(ms) {
      pausedUntil = Math.max(pausedUntil, Date.now() + ms);
    },
  };
  return { bucket, reservations };
}

describe('request gate: paying ahead', () => {
  it('pays for several requests with one reservation, and never for fewer units than it spends', async () => {
    const { bucket, reservations } = recordingBucket();
    const gate = createRequestGate({ bucket, concurrency: 10 });
    await Promise.all(Array.from({ length: 40 }, () => gate.run(5, async () => 'ok')));
    expect(gate.spent).toBe(200);
    expect(reservations.length).toBe(40 / PREPAY_REQUESTS);
    expect(reservations.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(200);
  });

  it('lets no request out before the bucket allows its units', async () => {
    const { bucket } = recordingBucket([120]);
    const gate = createRequestGate({ bucket, concurrency: 4 });
    const started = Date.now();
    const sentAt = await Promise.all(Array.from({ length: 4 }, () => gate.run(5, async () => Date.now())));
    for (const at of sentAt) expect(at - started).toBeGreaterThanOrEqual(115);
  });

  it('forgets units bought ahead when the provider says to back off, and waits the pause out', async () => {
    const { bucket, reservations } = recordingBucket();
    const gate = createRequestGate({ bucket, concurrency: 8 });
    await gate.run(5, async () => 'first');
    expect(reservations).toHaveLength(1);
    let calls = 0;
    let throttledAt: number | undefined;
    const retriedAt = await gate.run(5, async () => {
      calls++;
      throttledAt ??= Date.now();
      if (calls === 1) throw new ProviderError('throttled', 'slow down', { provider: 'google', retryAfterMs: 150 });
      return Date.now();
    });
    expect(calls).toBe(2);
    // The retry bought again (and was told to wait) instead of using what was left.
    expect(reservations).toHaveLength(2);
    expect(retriedAt - throttledAt!).toBeGreaterThanOrEqual(145);
  });
});
