/**
 * `rekindle serve` in production with an http:// PUBLIC_URL starts (it works) but says so in
 * its log, naming the variable: sessions, OAuth callbacks and digest links would travel
 * unencrypted and cookies lose `Secure`.
 */
import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../testkit/test-database.ts';
import { createTestPrefix, redisUrl } from '../../testkit/test-redis.ts';

const cli = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));

describe('rekindle serve in production on http://', () => {
  let database: TestDatabase | undefined;
  let child: ChildProcess | undefined;
  const queue = createTestPrefix('serve-warn');

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await database?.drop();
    await queue.cleanup();
  });

  it('logs a warning naming PUBLIC_URL, then serves', { timeout: 60_000 }, async () => {
    database = await createTestDatabase();
    child = spawn(process.execPath, [cli, 'serve'], {
      env: {
        ...process.env,
        NODE_ENV: 'production',
        LOG_LEVEL: 'info',
        DATABASE_URL: database.url,
        REDIS_URL: redisUrl,
        QUEUE_PREFIX: queue.prefix,
        HOST: '127.0.0.1',
        PORT: '0',
        PUBLIC_URL: 'http://rekindle.example.com',
        LINK_SECRETS: randomBytes(32).toString('hex'),
        TOKEN_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: { msg: string; variable?: string; level: number }[] = [];
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    await new Promise<void>((resolve, reject) => {
      let rest = '';
      child!.stdout!.on('data', (chunk: Buffer) => {
        const parts = (rest + chunk.toString()).split('\n');
        rest = parts.pop()!;
        for (const part of parts) {
          if (!part.startsWith('{')) continue;
          const line = JSON.parse(part) as { msg: string; level: number };
          lines.push(line);
          if (line.msg === 'web server listening') resolve();
        }
      });
      child!.once('exit', (code) => reject(new Error(`serve exited (${code}) before listening: ${JSON.stringify(lines)}`)));
    });
    const warning = lines.find((l) => l.variable === 'PUBLIC_URL');
    expect(warning?.level).toBe(40);
    expect(warning?.msg).toMatch(/^PUBLIC_URL is http:\/\/ in production/);
    child.kill('SIGTERM');
    await exited;
  });
});
