/**
 * Scenario 3, memory: the peak resident set of one worker process (`rekindle work`)
 * backfilling one Gmail mailbox of 50k, 100k and 200k messages with the quota out of the way,
 * so pages come as fast as the worker takes them. Streaming pages means the peak must not
 * grow with the mailbox. The baseline is the same process idle (started, nothing to do yet):
 * what the runtime and libraries cost before any mail.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { connectMailboxes, createBenchDatabase, createBenchPrefix, workerEnv } from '../bench-env.ts';
import { startEmulatorProcess } from '../emulator-process.ts';
import { memoryOf, round, until } from '../measure.ts';
import { startWorkerProcess } from '../worker-process.ts';
import { NO_QUOTA, syncedAndComputed } from './throughput.ts';

export interface MemoryOptions {
  sizes: number[];
  progress?: (line: string) => void;
}

export async function workerMemory(options: MemoryOptions) {
  const runs = [];
  for (const size of options.sizes) {
    options.progress?.(`memory: one worker process syncing ${size} messages`);
    runs.push(await oneMailbox(size));
  }
  const peaks = runs.map((r) => r.peakRssMb);
  // V8 sizes its heap to the allocation rate: at full speed it keeps freed pages for the next
  // burst. The largest mailbox again under a heap cap shows how much of the peak is that.
  const largest = options.sizes.at(-1)!;
  options.progress?.(`memory: ${largest} messages again with --max-old-space-size=${HEAP_CAP_MB}`);
  const capped = await oneMailbox(largest, { NODE_OPTIONS: `--max-old-space-size=${HEAP_CAP_MB}` });
  return {
    runs,
    largestWithHeapCap: { maxOldSpaceSizeMb: HEAP_CAP_MB, ...capped },
    peakRssMb: Math.max(...peaks),
    /** Peak of the largest mailbox over the smallest's: 1.0 is flat. */
    growthLargestOverSmallest: round(peaks.at(-1)! / peaks[0]!, 2),
    target: { peakRssMb: 300 },
  };
}

const HEAP_CAP_MB = 256;

async function oneMailbox(messages: number, extraEnv: Record<string, string> = {}) {
  const owner = `memory-${messages}@example.com`;
  const emulator = await startEmulatorProcess({ provider: 'google', quota: null, mailboxes: [{ owner, messages, events: 0 }] });
  const database = await createBenchDatabase('memory', 4);
  const queue = createBenchPrefix('memory');
  try {
    const worker = startWorkerProcess(
      workerEnv(database, queue.prefix, emulator.endpoints, { ...NO_QUOTA, SYNC_LEASE_SECONDS: '60', ...extraEnv }),
    );
    let idle: { rssMb: number } | null = null;
    let accountId = '';
    const started = performance.now();
    try {
      // Idle first: the process is up and polling before it has an account.
      await sleep(3_000);
      idle = memoryOf(worker.pid);
      const accounts = await connectMailboxes(database, 'google', { [owner]: emulator.refreshTokens[owner]! });
      accountId = accounts.get(owner)!.accountId;
      let peak = 0;
      await until(
        `the ${messages}-message sync`,
        async () => {
          peak = Math.max(peak, memoryOf(worker.pid)?.rssMb ?? 0);
          return syncedAndComputed(database, accountId);
        },
        60 * 60_000,
        250,
      );
      const final = memoryOf(worker.pid);
      const seconds = (performance.now() - started) / 1000 - 3;
      const [{ stored }] = await database.sql<
        [{ stored: number }]
      >`select count(*)::int as stored from mail_messages where account_id = ${accountId}`;
      return {
        messages: stored,
        seconds: round(seconds, 1),
        messagesPerSecond: Math.round(stored / seconds),
        idleRssMb: idle?.rssMb ?? null,
        // VmHWM: the kernel's own high-water mark, so no spike between two samples is missed.
        peakRssMb: final?.peakMb ?? peak,
        rssAtEndMb: final?.rssMb ?? null,
      };
    } finally {
      await worker.stop();
    }
  } finally {
    await emulator.close();
    await database.drop();
    await queue.cleanup();
  }
}
