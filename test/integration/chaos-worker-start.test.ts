/**
 * `rekindle work` started while Postgres is down (restarting with the host, a failover, a
 * supervisor bringing both up at once) waits for it instead of exiting: found by `npm run
 * chaos`, where workers restarted during a Postgres restart died on their migration and the
 * sync stopped for good.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection, createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../testkit/chaos/private-servers.ts';
import { waitFor } from '../../testkit/sync-harness.ts';
import { createTestDatabase, serverUrl, type TestDatabase } from '../../testkit/test-database.ts';
import { createTestPrefix, redisUrl } from '../../testkit/test-redis.ts';

const cli = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));

describe('a worker started before Postgres is up', () => {
  let database: TestDatabase | undefined;
  let child: ChildProcess | undefined;
  let proxy: Server | undefined;
  const queue = createTestPrefix('chaos-start');

  afterAll(async () => {
    child?.kill('SIGKILL');
    proxy?.close();
    await database?.drop();
    await queue.cleanup();
  });

  it('waits for it, then migrates and starts', { timeout: 60_000 }, async () => {
    database = await createTestDatabase();
    const port = await freePort();
    const url = new URL(database.url);
    url.port = String(port);
    let output = '';
    child = spawn(process.execPath, [cli, 'work'], {
      env: {
        ...process.env,
        NODE_ENV: 'test',
        LOG_LEVEL: 'info',
        DATABASE_URL: url.toString(),
        REDIS_URL: redisUrl,
        QUEUE_PREFIX: queue.prefix,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    // Postgres "comes up" once the worker has found it down at least once.
    await waitFor('a failed first migration', async () => output.includes('trying again'), 30_000);
    expect(child.exitCode).toBeNull();
    const target = new URL(serverUrl);
    proxy = createServer((socket) => {
      const upstream = createConnection({ host: target.hostname, port: Number(target.port || 5432) });
      socket.pipe(upstream).pipe(socket);
      socket.on('error', () => upstream.destroy());
      upstream.on('error', () => socket.destroy());
    });
    await new Promise<void>((resolve) => proxy!.listen(port, '127.0.0.1', resolve));
    await waitFor('the worker to start', async () => output.includes('worker started'), 45_000).catch((error: Error) => {
      throw new Error(`${error.message}\n${output}`);
    });
    expect(child.exitCode).toBeNull();
  });
});
