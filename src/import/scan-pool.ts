import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ScannedMessage } from './scan-headers.ts';
import { scanJob, type ScanJob } from './scan-job.ts';

/** Messages per hand-off to a thread: large enough that posting costs little next to the work. */
const CHUNK = 256;
const YOUNG_GENERATION_MB = 16;
const OLD_GENERATION_MB = 256;
/**
 * Chunks in flight per thread: about one import batch (2,000 messages) ahead, so the
 * threads keep scanning while the main thread waits on Postgres for the batch before.
 * With two, they sat idle through every write (end to end 4,200 → 6,100 messages/s).
 */
const IN_FLIGHT_PER_THREAD = 8;

export interface ScanPool {
  readonly threads: number;
  /** Reads and scans every job, spread over the threads, and yields the results in job order. */
  scan(jobs: AsyncIterable<ScanJob> | Iterable<ScanJob>): AsyncGenerator<ScannedMessage>;
  close(): Promise<void>;
}

/**
 * One thread per core but one: the main thread has work of its own (walking folders,
 * turning metadata into interactions, writing to Postgres), and on two cores a second
 * scanner thread only competes with it (measured: 19 µs more CPU per message, no faster).
 */
export function defaultScanThreads(): number {
  return Math.max(1, Math.min(8, availableParallelism() - 1));
}

/**
 * Header scanning spread over worker threads: reading a header block and turning it into
 * metadata is pure CPU and file reads, the same for every message, so N threads scan N
 * times as fast while the main thread walks folders and writes to Postgres. Results come
 * back in the order of the jobs, so an import reads the same on every run (sent folders
 * first, progress in file order). Memory is bounded by the chunks in flight, whatever the
 * number of messages. With 0 threads, scans in the calling thread.
 */
export function createScanPool(threads = defaultScanThreads()): ScanPool {
  const workers = Array.from({ length: threads }, () => startThread());
  let next = 0;
  return {
    threads,
    async *scan(jobs) {
      if (threads === 0) {
        for await (const job of jobs) yield scanJob(job);
        return;
      }
      const pending: Promise<ScannedMessage[]>[] = [];
      let chunk: ScanJob[] = [];
      const send = () => {
        pending.push(workers[next++ % threads]!.run(chunk));
        chunk = [];
      };
      try {
        for await (const job of jobs) {
          chunk.push(job);
          if (chunk.length < CHUNK) continue;
          send();
          if (pending.length >= threads * IN_FLIGHT_PER_THREAD) yield* await pending.shift()!;
        }
        if (chunk.length > 0) send();
        while (pending.length > 0) yield* await pending.shift()!;
      } finally {
        // Stopped early (an error, a limit): the chunks still out are dropped, not left to reject unseen.
        for (const p of pending) p.catch(() => {});
      }
    },
    async close() {
      await Promise.all(workers.map((w) => w.stop()));
    },
  };
}

function startThread() {
  // Heap limits of its own: a scanner's garbage dies young (each header block and its parse)
  // and its live set is one chunk, but V8's defaults on a big machine let every thread grow
  // its heap with the allocation rate: most of an import's peak RSS (600 MB at 100,000
  // messages without them, 340 with). A thread that runs out stops the import with an error.
  const worker = new Worker(new URL('./scan-worker.ts', import.meta.url), {
    resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB, maxOldGenerationSizeMb: OLD_GENERATION_MB },
  });
  const waiting = new Map<number, { resolve: (r: ScannedMessage[]) => void; reject: (e: Error) => void }>();
  let ids = 0;
  let failure: Error | null = null;
  const failAll = (error: Error) => {
    failure = error;
    for (const w of waiting.values()) w.reject(error);
    waiting.clear();
  };
  worker.on('message', (reply: { id: number; json?: string; error?: string }) => {
    const w = waiting.get(reply.id);
    if (!w) return;
    waiting.delete(reply.id);
    if (reply.error !== undefined) w.reject(new Error(reply.error));
    else w.resolve(revive(JSON.parse(reply.json!) as ScannedMessage[]));
  });
  worker.on('error', failAll);
  worker.on('exit', (code) => failAll(new Error(`a scanner thread stopped (exit code ${code})`)));
  return {
    run(jobs: ScanJob[]): Promise<ScannedMessage[]> {
      if (failure) return Promise.reject(failure);
      const id = ids++;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        worker.postMessage({ id, jobs });
      });
    },
    async stop() {
      await worker.terminate();
    },
  };
}

/** JSON gave the dates back as text: the only Date of the metadata is the message's own. */
function revive(results: ScannedMessage[]): ScannedMessage[] {
  for (const scanned of results) if ('message' in scanned.result) scanned.result.message.date = new Date(scanned.result.message.date);
  return results;
}
