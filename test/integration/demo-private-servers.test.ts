/**
 * `rekindle demo` on a machine where nothing answers at DATABASE_URL and REDIS_URL (nothing
 * installed is running): it starts a private PostgreSQL and Redis from the installed binaries,
 * says so in one line, runs the whole demo on them, and removes them when it ends.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../testkit/chaos/private-servers.ts';
import { adminConnection, TEST_DATABASE_PREFIX } from '../../testkit/test-database.ts';

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
    // Not a terminal: the first sync's progress as plain lines, the last one complete; no bar redrawn in place.
    expect(stderr).toMatch(/^Syncing: mail (\d+)\/\1 messages, calendar \d+ events$/m);
    expect(stderr).not.toMatch(/\r|\[#*-*\]/);

    const [, privatePg, folder, privateRedis] = /PostgreSQL on 127\.0\.0\.1:(\d+) \(in (\S+)\) and Redis on 127\.0\.0\.1:(\d+)/.exec(
      stderr,
    )!;
    expect(existsSync(folder!)).toBe(false);
    expect(await listening(Number(privatePg))).toBe(false);
    expect(await listening(Number(privateRedis))).toBe(false);
  });

  it('on a terminal, draws the first sync as a bar redrawn in place', { timeout: 300_000 }, async () => {
    // `script` gives the demo a pseudo-terminal, as a person running it would have. The demo's own
    // database (`<name>_demo`) and queues keep it apart from anything else on these servers.
    const name = `${TEST_DATABASE_PREFIX}${Math.floor(Date.now() / 1000)}_tty`;
    const env = { ...process.env, LOG_LEVEL: 'error', DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${name}` };
    const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(cli)} demo`;
    const admin = adminConnection();
    let output: string;
    try {
      output = await new Promise<string>((resolve) =>
        execFile('script', ['-qfec', command, '/dev/null'], { env, maxBuffer: 16 * 1024 * 1024 }, (_error, stdout) => resolve(stdout)),
      );
    } finally {
      await admin.unsafe(`drop database if exists ${name}_demo with (force)`);
      await admin.end();
    }
    expect(output).toMatch(/=== The weekly digest, as sent over SMTP/);
    // The bar ends full, on the line that says every message was read.
    expect(output).toMatch(/\r\[#{24}\] Syncing: mail (\d+)\/\1 messages/);
    expect(output).toMatch(/\r\[#{0,23}-+\] Syncing: mail \d+\/\d+ messages/);
  });
});
