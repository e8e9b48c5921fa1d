/**
 * `npm run bench` at its smallest sizes, through its real path (emulator and worker
 * processes, scratch databases, the SMTP sink): every scenario reports figures, and the
 * figures that are counts hold exactly. Times are never asserted; they belong to the bench.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { redisUrl } from '../../testkit/test-redis.ts';

const bench = fileURLToPath(new URL('../../bench/run-bench.ts', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function runBench(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bench, ...args],
      { env: { ...process.env, REDIS_URL: redisUrl, BENCH_LOG_LEVEL: 'silent' }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

describe('npm run bench, smallest sizes', () => {
  let run: Run;
  let result: Json;

  beforeAll(async () => {
    run = await runBench(['--json', '--scale', '0.0001']);
    result = JSON.parse(run.stdout);
  }, 300_000);

  it('prints one JSON object on stdout, progress on stderr, and exits 0', () => {
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/quota: starting/);
    expect(Object.keys(result.scenarios)).toEqual(['quota', 'throughput', 'memory', 'users', 'recompute', 'imap', 'import']);
    for (const figures of Object.values(result.scenarios) as Json[]) expect(figures.error).toBeUndefined();
    expect(run.code).toBe(0);
  });

  it('quota: every message fetched once at 5 units, listing the only overhead, no quota error', () => {
    const quota = result.scenarios.quota;
    expect(quota.messages).toBe(result.sizes.quota.messages);
    expect(quota.quotaErrors).toBe(0);
    expect(quota.messagesFetchedTwice).toBe(0);
    expect(quota.messagesGetUnitsPerMessage).toBe(5);
    // Gmail's prices: 5 per messages.get and list, 2 per history.list, 1 per getProfile, and
    // one get per message: nothing is charged that these calls do not explain.
    const calls = quota.calls;
    expect(calls['gmail.users.messages.get']).toBe(quota.messages);
    expect(calls['gmail.users.getProfile']).toBe(1);
    expect(quota.unitsCharged).toBe(
      5 * quota.messages + 5 * quota.listCalls + 2 * (calls['gmail.users.history.list'] ?? 0) + calls['gmail.users.getProfile'],
    );
    expect(quota.peakUnitsInAnyMinute).toBeLessThanOrEqual(quota.limitUnitsPerMinute);
    expect(quota.quotaUsed).toBeGreaterThan(0);
    expect(quota.firstUsableShareOfFullSync).toBeGreaterThan(0);
    expect(quota.firstUsableShareOfFullSync).toBeLessThanOrEqual(1);
    expect(quota.naive.quotaErrors).toBe(0);
    expect(quota.naive.messages).toBeGreaterThan(0);
  });

  it('throughput: both emulators synced the whole mailbox once, and the Enron import read the corpus', () => {
    const { gmail, graph, maildir } = result.scenarios.throughput;
    for (const http of [gmail, graph]) {
      expect(http.messages).toBe(result.sizes.throughput.messages);
      expect(http.messagesFetchedTwice).toBe(0);
      expect(http.contacts).toBeGreaterThan(0);
      expect(http.messagesPerSecond).toBeGreaterThan(0);
      expect(http.naive.messages).toBeGreaterThan(0);
      expect(http.speedupVsNaive).toBeGreaterThan(0);
    }
    expect(maildir.messages).toBe(result.sizes.throughput.importLimit);
    expect(maildir.interactions).toBeGreaterThan(0);
    expect(maildir.naive.messages).toBeGreaterThan(0);
  });

  it('memory: one run per size, each with every message and a peak at or above the idle process', () => {
    const { runs } = result.scenarios.memory;
    expect(runs.map((r: Json) => r.messages)).toEqual(result.sizes.memory.sizes);
    for (const r of runs) {
      expect(r.idleRssMb).toBeGreaterThan(20);
      expect(r.peakRssMb).toBeGreaterThanOrEqual(r.idleRssMb);
    }
  });

  it('many users: every small account synced by one and by two processes; every user got one digest in every timezone, from one and from two processes', () => {
    const { sync, digests } = result.scenarios.users;
    const sizes = result.sizes.users;
    for (const run of [sync.oneWorker, sync.twoWorkers]) {
      expect(run.messagesStored).toBeGreaterThanOrEqual(sizes.accounts * sizes.messagesPerAccount);
      expect(run.smallAccountDoneSeconds.max).toBeGreaterThan(0);
    }
    expect(sync.scalingTwoOverOne).toBeGreaterThan(0);
    expect(sync.naive.accounts).toBeGreaterThan(0);
    for (const round of [digests.oneWorker, digests.twoWorkers]) {
      expect(round.outcomes).toEqual({ sent: sizes.digests });
      expect(round.smtpAccepted).toBe(sizes.digests);
      expect(round.timezonesSent).toBe(Math.min(11, sizes.digests));
      expect(round.itemsPerDigest).toBeGreaterThan(0);
      expect(round.itemsPerDigest).toBeLessThanOrEqual(5);
    }
    expect(digests.naive.digests).toBeGreaterThan(0);
  });

  it('recompute: the incremental result equals a full one and reads only the people who changed', () => {
    const recompute = result.scenarios.recompute;
    expect(recompute.interactions).toBeGreaterThan(0);
    expect(recompute.contacts).toBeGreaterThan(0);
    expect(recompute.incrementalEqualsFull).toBe(true);
    expect(recompute.incrementalInteractionsRead).toBeLessThan(recompute.interactions);
    expect(recompute.incrementalAddresses).toBeGreaterThan(0);
  });

  it('import: the baseline and the scanner read the whole corpus, and every synthetic mailbox is read and imported whole', () => {
    const local = result.scenarios.import;
    const { baseline, scannerOneThread, scannerThreads } = local.scan;
    expect(baseline.messages).toBe(26_059);
    expect(scannerOneThread.messages).toBe(baseline.messages);
    expect(scannerThreads.messages).toBe(baseline.messages);
    expect(scannerThreads.threads).toBe(local.threads);
    expect(local.scan.speedupVsBaseline).toBeGreaterThan(0);
    expect(local.endToEnd.messages).toBe(baseline.messages);
    expect(local.endToEnd.interactions).toBeGreaterThan(0);
    expect(local.memory.map((m: Json) => m.messages)).toEqual(result.sizes.import.sizes);
    for (const m of local.memory) {
      for (const run of [m.scanMaildir, m.scanMbox, m.importMaildir]) {
        expect(run.messages).toBe(m.messages);
        expect(run.peakRssMb).toBeGreaterThan(20);
      }
    }
  });
});
