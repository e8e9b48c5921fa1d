/**
 * Injected faults, shared by the emulators: the next matching requests are held, or answered
 * with an error, a given number of times. Faults are consumed in the order they were injected;
 * a request takes at most one.
 */

export interface Fault {
  /** Which requests it hits; an absent field matches everything (token requests included). */
  match: { method?: string; user?: string };
  /** Answer with this status and the API's own error body (or `body`). */
  status?: number;
  /** Sent as the Retry-After header with `status`. */
  retryAfterSeconds?: number;
  /** Held this long before answering (the normal answer when no `status` is given). */
  delayMs?: number;
  /** How many matching requests it hits. Default 1. */
  times?: number;
  /** Replaces the default error body. */
  body?: unknown;
}

interface ActiveFault {
  fault: Fault;
  remaining: number;
}

export class FaultList {
  readonly #emulator: string;
  #active: ActiveFault[] = [];

  /** `emulator` names it in error messages ("Google emulator"). */
  constructor(emulator: string) {
    this.#emulator = emulator;
  }

  add(fault: Fault): void {
    const times = fault.times ?? 1;
    if (!Number.isInteger(times) || times < 1) throw new Error(`${this.#emulator}: fault.times must be a positive integer`);
    if (fault.status === undefined && fault.delayMs === undefined) {
      throw new Error(`${this.#emulator}: a fault needs a status, a delayMs, or both`);
    }
    this.#active.push({ fault, remaining: times });
  }

  clear(): void {
    this.#active = [];
  }

  /** The fault this request takes, if any (and uses one of its times up). */
  take(method: string, user: string | null): Fault | null {
    const index = this.#active.findIndex(({ fault: { match } }) => {
      if (match.method !== undefined && match.method !== method) return false;
      if (match.user !== undefined && match.user.toLowerCase() !== user) return false;
      return true;
    });
    if (index < 0) return null;
    const active = this.#active[index]!;
    if (--active.remaining === 0) this.#active.splice(index, 1);
    return active.fault;
  }
}
