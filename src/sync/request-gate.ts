import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { isProviderError } from '../providers/provider-error.ts';
import type { RequestGate } from '../providers/types.ts';
import type { QuotaBucket } from './quota-bucket.ts';

export interface GateOptions {
  /** Paces units under the provider's quota; omit for no pacing. */
  bucket?: QuotaBucket;
  /** Requests in flight at once. */
  concurrency: number;
  /** Attempts per request for throttled and transient failures. */
  attempts?: number;
  /** A Retry-After longer than this ends the job instead (the account is rescheduled). */
  maxWaitMs?: number;
  logger?: Logger;
}

/**
 * The one place an account's provider requests pass through: it paces them under the quota,
 * bounds how many are in flight, and retries what is worth retrying. A `throttled` answer
 * pauses every request of the account (not just the one that got it) for the Retry-After.
 */
export function createRequestGate(options: GateOptions): RequestGate {
  const attempts = options.attempts ?? 5;
  const maxWaitMs = options.maxWaitMs ?? 60_000;
  let inFlight = 0;
  const waiting: (() => void)[] = [];
  let spent = 0;

  async function acquireSlot(): Promise<void> {
    if (inFlight < options.concurrency) {
      inFlight++;
      return;
    }
    await new Promise<void>((resolve) => waiting.push(resolve));
  }

  function releaseSlot(): void {
    const next = waiting.shift();
    if (next) next();
    else inFlight--;
  }

  async function pace(cost: number): Promise<void> {
    if (!options.bucket) return;
    const wait = await options.bucket.reserve(cost);
    if (wait > 0) await sleep(wait);
  }

  return {
    get spent() {
      return spent;
    },
    pauseFor(ms) {
      void options.bucket?.pause(ms);
    },
    async run(cost, request) {
      for (let attempt = 1; ; attempt++) {
        await acquireSlot();
        let error: unknown;
        let wait = 0;
        try {
          await pace(cost);
          spent += cost;
          return await request();
        } catch (e) {
          error = e;
          if (isProviderError(error, 'throttled')) {
            wait = error.retryAfterMs ?? backoff(attempt);
            // Record the pause before giving the slot up, so no queued request slips past it.
            if (options.bucket && wait <= maxWaitMs) await options.bucket.pause(wait);
          }
        } finally {
          releaseSlot();
        }
        if (!isProviderError(error) || attempt >= attempts) throw error;
        if (error.kind === 'throttled') {
          if (wait > maxWaitMs) throw error;
          options.logger?.debug({ wait, attempt }, 'provider throttled; pausing the account');
          // With a bucket the next pace() waits the pause out; without one, wait here.
          if (!options.bucket) await sleep(wait);
        } else if (error.kind === 'transient') {
          await sleep(backoff(attempt));
        } else {
          throw error;
        }
      }
    },
  };
}

/** Exponential backoff with full jitter: 0.5 s, 1 s, 2 s … capped at 30 s. */
function backoff(attempt: number): number {
  const cap = Math.min(30_000, 500 * 2 ** (attempt - 1));
  return Math.round(cap / 2 + Math.random() * (cap / 2));
}
