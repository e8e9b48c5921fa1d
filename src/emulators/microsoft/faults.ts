/**
 * Injected faults: the next matching requests are held, or answered with an error, a given
 * number of times. Faults are consumed in the order they were injected; a request takes at
 * most one.
 */
import type { Fault, GraphMethod } from './emulator-types.ts';

interface ActiveFault {
  fault: Fault;
  remaining: number;
}

export class FaultList {
  #active: ActiveFault[] = [];

  add(fault: Fault): void {
    const times = fault.times ?? 1;
    if (!Number.isInteger(times) || times < 1) throw new Error('Graph emulator: fault.times must be a positive integer');
    if (fault.status === undefined && fault.delayMs === undefined) {
      throw new Error('Graph emulator: a fault needs a status, a delayMs, or both');
    }
    this.#active.push({ fault, remaining: times });
  }

  clear(): void {
    this.#active = [];
  }

  /** The fault this request takes, if any (and uses one of its times up). */
  take(method: GraphMethod, user: string | null): Fault | null {
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
