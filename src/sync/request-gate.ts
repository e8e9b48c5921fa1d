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
  // Units bought from the bucket ahead of use, and the instant they may be used from: one
  // reservation (a Redis round trip) covers several requests. Dropped on a Retry-After.
  const prepayRequests = Math.max(1, Math.min(PREPAY_REQUESTS, options.concurrency));
  let prepaid = 0;
  let readyAt = 0;
  let buying: Promise<void> | null = null;

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
    const bucket = options.bucket;
    if (!bucket) return;
    while (prepaid < cost) {
      buying ??= (async () => {
        const units = cost * prepayRequests;
        const wait = await bucket.reserve(units);
        prepaid += units;
        readyAt = Math.max(readyAt, Date.now() + wait);
      })().finally(() => {
        buying = null;
      });
      await buying;
    }
    prepaid -= cost;
    const wait = readyAt - Date.now();
    if (wait > 0) await sleep(wait);
  }

  function forgetPrepaid(pauseMs: number): void {
    prepaid = 0;
    readyAt = Math.max(readyAt, Date.now() + pauseMs);
  }

  return {
    get spent() {
      return spent;
    },
    pauseFor(ms) {
      forgetPrepaid(ms);
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
            if (options.bucket && wait <= maxWaitMs) {
              forgetPrepaid(wait);
              await options.bucket.pause(wait);
            }
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

/**
 * Requests paid for by one reservation. Each reservation is a Redis round trip that costs
 * the worker about as much CPU as a tenth of the request itself; a reservation is only ever
 * ahead of the pace (units are used no earlier than the bucket allows), and what is left
 * when a job ends is at most this many requests' worth of one account's quota.
 */
export const PREPAY_REQUESTS = 8;

/** Exponential backoff with full jitter: 0.5 s, 1 s, 2 s … capped at 30 s. */
function backoff(attempt: number): number {
  const cap = Math.min(30_000, 500 * 2 ** (attempt - 1));
  return Math.round(cap / 2 + Math.random() * (cap / 2));
}
