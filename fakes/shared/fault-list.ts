/**
 * Injected faults, shared by the emulators: the next matching requests are held, or answered
 * with an error, a given number of times. Faults are consumed in the order they were injected;
 * a request takes at most one.
 *
 * Besides those scripted faults, a random share of requests can fail (`setRandomFaults`), the
 * way a real provider fails under load: 5xx, 429 with Retry-After, a connection reset, an
 * answer cut short, or no answer at all. The wire-level kinds (`reset`, `truncate`, `timeout`)
 * are carried out by the emulator's HTTP layer (`sendAnswer`).
 */

/** How a faulted request is broken on the wire rather than answered with an error status. */
export type WireFault =
  /** The connection is reset (TCP RST) before any answer: the client sees ECONNRESET. */
  | 'reset'
  /** The real answer's JSON is cut in the middle, sent with a Content-Length that matches the cut. */
  | 'truncate'
  /** No answer until the client gives up (or `holdMs` passes, then the connection is dropped). */
  | 'timeout';

export interface Fault {
  /** Which requests it hits; an absent field matches everything (token requests included). */
  match: { method?: string; user?: string };
  /** Answer with this status and the API's own error body (or `body`). */
  status?: number;
  /** Sent as the Retry-After header with `status`. */
  retryAfterSeconds?: number;
  /** Held this long before answering (the normal answer when no `status` is given). */
  delayMs?: number;
  /** Broken on the wire instead of answered (see WireFault); `status` is then ignored. */
  wire?: WireFault;
  /** How long a `timeout` holds the connection at most. Default 120 s. */
  holdMs?: number;
  /** How many matching requests it hits. Default 1. */
  times?: number;
  /** Replaces the default error body. */
  body?: unknown;
}

/** The kinds a random fault is drawn from. */
export type RandomFaultKind = '5xx' | '429' | WireFault;

export const RANDOM_FAULT_KINDS: readonly RandomFaultKind[] = ['5xx', '429', 'timeout', 'reset', 'truncate'];

export interface RandomFaults {
  /** Share of matching requests that fail, 0..1. */
  rate: number;
  /** Drawn with equal weight. Default: all of RANDOM_FAULT_KINDS. */
  kinds?: readonly RandomFaultKind[];
  /** Which requests may fail; absent fields match everything. */
  match?: { method?: string; user?: string };
  /** Retry-After of the 429s. Default 1. */
  retryAfterSeconds?: number;
  /** How long a `timeout` holds the connection at most. Default 120 s. */
  holdMs?: number;
  /** Seed of the draws, for a reproducible run. Default: Math.random. */
  seed?: number;
}

interface ActiveFault {
  fault: Fault;
  remaining: number;
}

const SERVER_ERRORS = [500, 502, 503, 504];

export class FaultList {
  readonly #emulator: string;
  #active: ActiveFault[] = [];
  #random: { options: RandomFaults; next: () => number } | null = null;
  readonly #injected = new Map<string, number>();

  /** `emulator` names it in error messages ("Google emulator"). */
  constructor(emulator: string) {
    this.#emulator = emulator;
  }

  add(fault: Fault): void {
    const times = fault.times ?? 1;
    if (!Number.isInteger(times) || times < 1) throw new Error(`${this.#emulator}: fault.times must be a positive integer`);
    if (fault.status === undefined && fault.delayMs === undefined && fault.wire === undefined) {
      throw new Error(`${this.#emulator}: a fault needs a status, a delayMs, a wire fault, or a combination`);
    }
    this.#active.push({ fault, remaining: times });
  }

  /** Fails a random share of requests from now on; null stops it. */
  setRandomFaults(options: RandomFaults | null): void {
    if (options === null) {
      this.#random = null;
      return;
    }
    if (!(options.rate >= 0 && options.rate <= 1)) throw new Error(`${this.#emulator}: random fault rate must be between 0 and 1`);
    const kinds = options.kinds ?? RANDOM_FAULT_KINDS;
    if (kinds.length === 0 || kinds.some((k) => !RANDOM_FAULT_KINDS.includes(k))) {
      throw new Error(`${this.#emulator}: random fault kinds must be some of ${RANDOM_FAULT_KINDS.join(', ')}`);
    }
    this.#random = { options: { ...options, kinds }, next: options.seed === undefined ? Math.random : seeded(options.seed) };
  }

  clear(): void {
    this.#active = [];
    this.#random = null;
  }

  /** Faults handed out so far, by kind: `status:503`, `wire:reset`, `delay`. */
  injected(): Record<string, number> {
    return Object.fromEntries([...this.#injected].sort(([a], [b]) => a.localeCompare(b)));
  }

  /** The fault this request takes, if any (and uses one of its times up). */
  take(method: string, user: string | null): Fault | null {
    const fault = this.#takeScripted(method, user) ?? this.#draw(method, user);
    if (fault) {
      const kind = fault.wire ? `wire:${fault.wire}` : fault.status !== undefined ? `status:${fault.status}` : 'delay';
      this.#injected.set(kind, (this.#injected.get(kind) ?? 0) + 1);
    }
    return fault;
  }

  #takeScripted(method: string, user: string | null): Fault | null {
    const index = this.#active.findIndex(({ fault: { match } }) => matches(match, method, user));
    if (index < 0) return null;
    const active = this.#active[index]!;
    if (--active.remaining === 0) this.#active.splice(index, 1);
    return active.fault;
  }

  #draw(method: string, user: string | null): Fault | null {
    if (!this.#random) return null;
    const { options, next } = this.#random;
    if (!matches(options.match ?? {}, method, user) || next() >= options.rate) return null;
    const kinds = options.kinds!;
    const kind = kinds[Math.floor(next() * kinds.length)]!;
    const match = {};
    switch (kind) {
      case '5xx':
        return { match, status: SERVER_ERRORS[Math.floor(next() * SERVER_ERRORS.length)]! };
      case '429':
        return { match, status: 429, retryAfterSeconds: options.retryAfterSeconds ?? 1 };
      default:
        return { match, wire: kind, ...(options.holdMs !== undefined ? { holdMs: options.holdMs } : {}) };
    }
  }
}

function matches(match: { method?: string; user?: string }, method: string, user: string | null): boolean {
  if (match.method !== undefined && match.method !== method) return false;
  if (match.user !== undefined && match.user.toLowerCase() !== user) return false;
  return true;
}

/** A small deterministic generator (mulberry32): the same seed draws the same faults. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
