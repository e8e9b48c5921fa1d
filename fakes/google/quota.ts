/**
 * Per-user quota over a rolling 60-second window, the way Gmail (units) and Calendar
 * (requests) count it. A request that would take the window past the limit is refused and
 * not charged; the refusal says when enough of the window will have drained.
 */
import type { ApiMethod, MethodUsage, QuotaUsage } from './emulator-types.ts';

const WINDOW_MS = 60_000;

/** Gmail's published cost of each method rekindle calls. */
export const GMAIL_UNITS: Partial<Record<ApiMethod, number>> = {
  'gmail.users.getProfile': 1,
  'gmail.users.messages.list': 5,
  'gmail.users.messages.get': 5,
  'gmail.users.history.list': 2,
};

class RollingWindow {
  readonly #limit: number | null;
  readonly #entries: { at: number; amount: number }[] = [];
  #sum = 0;

  constructor(limit: number | null) {
    this.#limit = limit;
  }

  /** Charges `amount` now, or returns the ms to wait before it would fit. */
  take(amount: number, now: number): { ok: true } | { ok: false; retryAfterMs: number } {
    this.#drain(now);
    if (this.#limit === null || this.#sum + amount <= this.#limit) {
      this.#entries.push({ at: now, amount });
      this.#sum += amount;
      return { ok: true };
    }
    // Walk the oldest charges until enough would have left the window.
    let freed = 0;
    for (const entry of this.#entries) {
      freed += entry.amount;
      if (this.#sum - freed + amount <= this.#limit) {
        return { ok: false, retryAfterMs: Math.max(1, entry.at + WINDOW_MS - now) };
      }
    }
    return { ok: false, retryAfterMs: WINDOW_MS };
  }

  #drain(now: number): void {
    while (this.#entries.length > 0 && this.#entries[0]!.at + WINDOW_MS <= now) {
      this.#sum -= this.#entries.shift()!.amount;
    }
  }
}

export type QuotaDecision = { ok: true } | { ok: false; retryAfterMs: number };

/** One user's quota windows and totals. */
export class UserQuota {
  readonly #gmail: RollingWindow;
  readonly #calendar: RollingWindow;
  readonly #byMethod = new Map<ApiMethod, MethodUsage>();
  #units = 0;
  #calendarRequests = 0;
  #rejected = 0;

  constructor(gmailUnitsPerMinute: number | null, calendarRequestsPerMinute: number | null) {
    this.#gmail = new RollingWindow(gmailUnitsPerMinute);
    this.#calendar = new RollingWindow(calendarRequestsPerMinute);
  }

  /** Admits (and charges) one call of `method`, or refuses it. */
  admit(method: ApiMethod, now: number = Date.now()): QuotaDecision {
    const units = GMAIL_UNITS[method] ?? 0;
    const decision =
      method === 'calendar.events.list' ? this.#calendar.take(1, now) : units > 0 ? this.#gmail.take(units, now) : ({ ok: true } as const);
    if (!decision.ok) {
      this.#rejected++;
      return decision;
    }
    this.#units += units;
    if (method === 'calendar.events.list') this.#calendarRequests++;
    const usage = this.#byMethod.get(method) ?? { calls: 0, units: 0 };
    usage.calls++;
    usage.units += units;
    this.#byMethod.set(method, usage);
    return decision;
  }

  snapshot(): QuotaUsage {
    return {
      units: this.#units,
      calendarRequests: this.#calendarRequests,
      byMethod: Object.fromEntries([...this.#byMethod].map(([m, u]) => [m, { ...u }])),
      rejected: this.#rejected,
    };
  }
}
