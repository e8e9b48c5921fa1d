/**
 * `rekindle work` while its Redis (a redis-server of this test's own, never the shared one)
 * goes away, comes back and goes away again: one log line per change through the logger —
 * not a line per failed reconnect, and no stack trace on stdout or stderr — and after SIGTERM
 * it exits by WORKER_SHUTDOWN_SECONDS although Redis never returns.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServer } from '../../testkit/chaos/private-servers.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/test-database.ts';

const cli = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));

interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/** The worker's output, line by line, and a way to wait for the line a test expects next. */
function follow(child: ChildProcess) {
  const lines: LogLine[] = [];
  const raw: string[] = [];
  const waiters: { match: (line: LogLine) => boolean; resolve: () => void }[] = [];
  const take = (stream: 'stdout' | 'stderr') => {
    let rest = '';
    child[stream]!.on('data', (chunk: Buffer) => {
      const parts = (rest + chunk.toString()).split('\n');
      rest = parts.pop()!;
      for (const text of parts) {
        if (!text.trim()) continue;
        raw.push(`${stream}: ${text}`);
        let line: LogLine;
        try {
          line = JSON.parse(text) as LogLine;
        } catch {
          continue;
        }
        lines.push(line);
        for (const waiter of waiters.splice(0)) waiter.match(line) ? waiter.resolve() : waiters.push(waiter);
      }
    });
  };
  take('stdout');
  take('stderr');
  const count = (msg: string) => lines.filter((l) => l.msg.startsWith(msg)).length;
  return {
    lines,
    raw,
    count,
    /** Resolves once the `n`th line starting with `msg` has been logged. */
    until(msg: string, n = 1): Promise<void> {
      if (count(msg) >= n) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ match: () => count(msg) >= n, resolve }));
    },
  };
}

describe('a worker whose Redis goes away', () => {
  let database: TestDatabase | undefined;
  let redis: RedisServer | undefined;
  let child: ChildProcess | undefined;

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await redis?.close();
    await database?.drop();
  });

  it('logs one line when Redis goes and one when it is back, and exits by its deadline after SIGTERM', { timeout: 120_000 }, async () => {
    database = await createTestDatabase();
    redis = await startRedisServer();
    child = spawn(process.execPath, [cli, 'work'], {
      env: {
        ...process.env,
        NODE_ENV: 'test',
        LOG_LEVEL: 'info',
        DATABASE_URL: database.url,
        REDIS_URL: redis.url,
        QUEUE_PREFIX: 'outage-worker',
        SCHEDULER_TICK_SECONDS: '0.2',
        WORKER_SHUTDOWN_SECONDS: '2',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child!.once('exit', (code, signal) => resolve({ code, signal })),
    );
    const log = follow(child);
    await log.until('worker started');

    await redis.stop();
    await log.until('redis unreachable');
    await redis.start();
    await log.until('redis reachable again');
    await redis.stop();
    await log.until('redis unreachable', 2);

    child.kill('SIGTERM');
    const { code, signal } = await exited;
    // Ended by its own deadline (not by the signal's default action, nor a graceful stop that
    // could not happen while Redis was gone).
    expect(signal).toBeNull();
    expect(code).toBe(1);
    expect(log.count('not stopped within WORKER_SHUTDOWN_SECONDS')).toBe(1);

    expect(log.count('redis unreachable')).toBe(2);
    expect(log.count('redis reachable again')).toBe(1);
    // Every line is a log record; none is a stack trace or an error printed around the logger.
    expect(log.raw.filter((line) => !line.startsWith('stdout: {'))).toEqual([]);
    expect(log.raw.filter((line) => /\n?\s+at .+:\d+:\d+/.test(line) || line.includes('"stack"'))).toEqual([]);
    expect(log.lines.filter((line) => line.level >= 50 && !/^(redis unreachable|not stopped within)/.test(line.msg))).toEqual([]);
  });
});
