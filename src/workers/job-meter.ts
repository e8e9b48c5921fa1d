/**
 * Worker CPU per job kind, measured by the worker process itself (process.cpuUsage), so the
 * cost of a sync job or a digest is known even on a machine busy with other work, where wall
 * time says little.
 *
 * Jobs of one process run interleaved on one thread, so a job's own CPU cannot be read off
 * the clock around it. Instead, at every job start and end the CPU the process used since the
 * previous such moment is split evenly among the jobs that were running: exact while one kind
 * runs alone (a Monday of digests), an even share when kinds overlap. CPU with no job running
 * (the scheduler's passes, BullMQ's polling, timers) is counted apart, as `outside`.
 *
 * The totals go to Redis (`<QUEUE_PREFIX>:worker-cpu:<worker>`, a hash of cumulative values,
 * kept a week), where the bench, or an operator, adds up every worker of a deployment.
 */
import type { Redis } from 'ioredis';

export interface KindTotals {
  jobs: number;
  /** What the jobs counted (messages or events synced, interactions read, digests sent; a scheduler pass, the due items it handed to the queues). */
  units: number;
  cpuMicros: number;
}

export interface MeterSnapshot {
  kinds: Record<string, KindTotals>;
  /** CPU with no job running. */
  outsideMicros: number;
  /** CPU since the meter started, all of it: the kinds, outside, and jobs still running. */
  totalMicros: number;
}

interface Running {
  kind: string;
  cpuMicros: number;
}

const KEEP_SECONDS = 7 * 24 * 3600;

export class JobMeter {
  readonly #kinds = new Map<string, KindTotals>();
  readonly #running = new Set<Running>();
  readonly #started: number;
  #last: number;
  #outside = 0;

  constructor() {
    this.#started = cpuMicros();
    this.#last = this.#started;
  }

  /** Wraps a processor: its jobs are counted under `kind(job)`, with `units(result)` units each. */
  metered<J, R>(
    processor: (job: J) => Promise<R>,
    kind: (job: J) => string,
    units: (result: R) => number = () => 1,
  ): (job: J) => Promise<R> {
    return async (job) => {
      const running = this.#begin(kind(job));
      let counted = 0;
      try {
        const result = await processor(job);
        counted = units(result);
        return result;
      } finally {
        this.#end(running, counted);
      }
    };
  }

  snapshot(): MeterSnapshot {
    this.#account();
    return {
      kinds: Object.fromEntries([...this.#kinds].map(([kind, totals]) => [kind, { ...totals }])),
      outsideMicros: Math.round(this.#outside),
      totalMicros: this.#last - this.#started,
    };
  }

  /** Writes the totals so far to Redis under `key` (cumulative values: writing twice is harmless). */
  async flush(redis: Redis, key: string): Promise<void> {
    const { kinds, outsideMicros, totalMicros } = this.snapshot();
    const fields: Record<string, string> = { outsideMicros: String(outsideMicros), totalMicros: String(totalMicros) };
    for (const [kind, totals] of Object.entries(kinds)) {
      fields[`${kind}.jobs`] = String(totals.jobs);
      fields[`${kind}.units`] = String(totals.units);
      fields[`${kind}.cpuMicros`] = String(Math.round(totals.cpuMicros));
    }
    await redis.multi().hset(key, fields).expire(key, KEEP_SECONDS).exec();
  }

  #begin(kind: string): Running {
    this.#account();
    const running = { kind, cpuMicros: 0 };
    this.#running.add(running);
    return running;
  }

  #end(running: Running, units: number): void {
    this.#account();
    this.#running.delete(running);
    const totals = this.#kinds.get(running.kind) ?? { jobs: 0, units: 0, cpuMicros: 0 };
    totals.jobs++;
    totals.units += units;
    totals.cpuMicros += running.cpuMicros;
    this.#kinds.set(running.kind, totals);
  }

  /** Splits the CPU used since the last moment among the jobs running in between. */
  #account(): void {
    const now = cpuMicros();
    const used = now - this.#last;
    this.#last = now;
    if (this.#running.size === 0) {
      this.#outside += used;
      return;
    }
    const share = used / this.#running.size;
    for (const running of this.#running) running.cpuMicros += share;
  }
}

/** The key a worker's totals are kept under. */
export function meterKey(prefix: string, worker: string): string {
  return `${prefix}:worker-cpu:${worker}`;
}

function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}
