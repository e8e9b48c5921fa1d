/**
 * Outlook's per-mailbox limits as Graph enforces them: a number of requests over a rolling
 * 10 minutes, and a number of requests in flight at once. A request over either limit is
 * refused with 429 and not charged; the budget refusal says when enough of the window drains.
 */
import type { GraphMethod, MailboxUsage } from './emulator-types.ts';

const WINDOW_MS = 10 * 60_000;

export type Admission = { ok: true } | { ok: false; limit: 'concurrency' | 'budget'; retryAfterMs: number };

export class MailboxLimits {
  readonly #budget: number | null;
  readonly #concurrency: number | null;
  readonly #concurrencyRetryMs: number;
  readonly #window: number[] = [];
  readonly #byMethod = new Map<GraphMethod, { calls: number }>();
  #inFlight = 0;
  #maxInFlight = 0;
  #requests = 0;
  #budgetRejections = 0;
  #concurrencyRejections = 0;

  constructor(budget: number | null, concurrency: number | null, concurrencyRetryMs: number) {
    this.#budget = budget;
    this.#concurrency = concurrency;
    this.#concurrencyRetryMs = concurrencyRetryMs;
  }

  get maxInFlight(): number {
    return this.#maxInFlight;
  }

  /** A request arrives: it is in flight until `leave()`, whatever the answer. */
  enter(): Admission {
    this.#inFlight++;
    this.#maxInFlight = Math.max(this.#maxInFlight, this.#inFlight);
    if (this.#concurrency !== null && this.#inFlight > this.#concurrency) {
      this.#concurrencyRejections++;
      return { ok: false, limit: 'concurrency', retryAfterMs: this.#concurrencyRetryMs };
    }
    return { ok: true };
  }

  leave(): void {
    this.#inFlight--;
  }

  /** Charges one request to the budget, or refuses it. */
  charge(now = Date.now()): Admission {
    while (this.#window.length > 0 && this.#window[0]! + WINDOW_MS <= now) this.#window.shift();
    if (this.#budget !== null && this.#window.length >= this.#budget) {
      this.#budgetRejections++;
      const freeAt = this.#window[this.#window.length - this.#budget]! + WINDOW_MS;
      return { ok: false, limit: 'budget', retryAfterMs: Math.max(1, freeAt - now) };
    }
    this.#window.push(now);
    this.#requests++;
    return { ok: true };
  }

  /** A request the handler answered. */
  served(method: GraphMethod): void {
    const usage = this.#byMethod.get(method) ?? { calls: 0 };
    usage.calls++;
    this.#byMethod.set(method, usage);
  }

  snapshot(): MailboxUsage {
    return {
      requests: this.#requests,
      budgetRejections: this.#budgetRejections,
      concurrencyRejections: this.#concurrencyRejections,
      byMethod: Object.fromEntries([...this.#byMethod].map(([m, u]) => [m, { ...u }])),
    };
  }
}
