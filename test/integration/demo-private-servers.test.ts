/**
 * `rekindle demo` on a machine where nothing answers at DATABASE_URL and REDIS_URL (nothing
 * installed is running): it starts a private PostgreSQL and Redis from the installed binaries,
 * says so in one line, runs the whole demo on them, and removes them when it ends.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../testkit/chaos/private-servers.ts';

const cli = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));

/** One connection attempt: does anything listen on the port now? */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('rekindle demo with no PostgreSQL or Redis answering', () => {
  // A generous timeout: initdb, the demo's sync and its digest, slowly on a busy machine.
  it('runs on private servers it starts, says so, and removes them at the end', { timeout: 300_000 }, async () => {
    // Free ports with nothing behind them: connections are refused at once.
    const [pgPort, redisPort] = [await freePort(), await freePort()];
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      LOG_LEVEL: 'error',
      DATABASE_URL: `postgres://postgres@127.0.0.1:${pgPort}/rekindle`,
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    };
    delete env.SMTP_URL;
    const child = spawn(process.execPath, [cli, 'demo'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.once('close', (exitCode) => resolve(exitCode)));

    expect(stderr.split('\n')[0]).toMatch(
      new RegExp(
        `^Nothing answered at DATABASE_URL \\(127\\.0\\.0\\.1:${pgPort}\\) or REDIS_URL \\(127\\.0\\.0\\.1:${redisPort}\\): ` +
          'the demo started its own PostgreSQL on 127\\.0\\.0\\.1:\\d+ \\(in \\S+\\) and Redis on 127\\.0\\.0\\.1:\\d+, removed when it ends\\.$',
      ),
    );
    expect(code).toBe(0);
    expect(stdout).toMatch(/=== The weekly digest, as sent over SMTP/);
    expect(stdout).toMatch(/=== The confirmation/);
    expect(stderr).toMatch(/The demo data went with the private PostgreSQL/);

    const [, privatePg, folder, privateRedis] = /PostgreSQL on 127\.0\.0\.1:(\d+) \(in (\S+)\) and Redis on 127\.0\.0\.1:(\d+)/.exec(
      stderr,
    )!;
    expect(existsSync(folder!)).toBe(false);
    expect(await listening(Number(privatePg))).toBe(false);
    expect(await listening(Number(privateRedis))).toBe(false);
  });
});
