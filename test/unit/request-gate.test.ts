import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/providers/provider-error.ts';
import { createRequestGate } from '../../src/sync/request-gate.ts';

const provider = 'test';
const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('request gate', () => {
  it('keeps no more than `concurrency` requests in flight', async () => {
    const gate = createRequestGate({ concurrency: 3 });
    let inFlight = 0;
    let max = 0;
    await Promise.all(
      Array.from({ length: 20 }, () =>
        gate.run(5, async () => {
          inFlight++;
          max = Math.max(max, inFlight);
          await tick();
          inFlight--;
        }),
      ),
    );
    expect(max).toBe(3);
    expect(gate.spent).toBe(100);
  });

  it('retries throttled and transient failures, counting every attempt', async () => {
    const gate = createRequestGate({ concurrency: 1 });
    const failures = [
      new ProviderError('throttled', 'slow down', { provider, retryAfterMs: 5 }),
      new ProviderError('transient', '503', { provider }),
    ];
    let calls = 0;
    const result = await gate.run(5, async () => {
      calls++;
      const failure = failures.shift();
      if (failure) throw failure;
      return 'ok';
    });
    expect(result).toBe('ok');
    expect(calls).toBe(3);
    expect(gate.spent).toBe(15);
  });

  it('gives up on permanent errors at once', async () => {
    const gate = createRequestGate({ concurrency: 1 });
    let calls = 0;
    await expect(
      gate.run(1, async () => {
        calls++;
        throw new ProviderError('permanent', 'bad request', { provider });
      }),
    ).rejects.toMatchObject({ kind: 'permanent' });
    expect(calls).toBe(1);
  });

  it('hands back a Retry-After longer than it may wait, for the job to reschedule', async () => {
    const gate = createRequestGate({ concurrency: 1, maxWaitMs: 1_000 });
    await expect(
      gate.run(1, async () => {
        throw new ProviderError('throttled', 'come back later', { provider, retryAfterMs: 60_000 });
      }),
    ).rejects.toMatchObject({ kind: 'throttled', retryAfterMs: 60_000 });
  });

  it('stops after the last attempt', async () => {
    const gate = createRequestGate({ concurrency: 1, attempts: 2 });
    let calls = 0;
    await expect(
      gate.run(1, async () => {
        calls++;
        throw new ProviderError('throttled', 'again', { provider, retryAfterMs: 1 });
      }),
    ).rejects.toMatchObject({ kind: 'throttled' });
    expect(calls).toBe(2);
  });
});
