/**
 * Every command that starts something stops on its own when start-up fails: a configuration
 * error exits 78 naming the variable, before anything opens (the Docker image's environment,
 * NODE_ENV=production with the secrets left empty, used to print the error and then hang on
 * the connections already open), and a failure later in start-up (a port already taken, once
 * Postgres and Redis connections are open) exits 1 instead of hanging.
 *
 * "On its own": the test waits for the child's exit event and never signals it, so a process
 * that hangs fails the test by its timeout.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../testkit/test-database.ts';
import { redisUrl } from '../../testkit/test-redis.ts';

const cli = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
/** A hung child fails its test by this timeout, not by a clock the test reads. */
const HANG = 90_000;

/** The Dockerfile's NODE_ENV with compose's empty secrets. */
const DOCKER_WITHOUT_SECRETS = { NODE_ENV: 'production', LINK_SECRETS: '', TOKEN_ENCRYPTION_KEYS: '' };

const running = new Set<ChildProcess>();

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  const child = spawn(process.execPath, [cli, ...args], {
    env: { ...process.env, LOG_LEVEL: 'error', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  running.add(child);
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    // 'close': exited, and stderr read to its end.
    child.once('close', (code, signal) => {
      running.delete(child);
      resolve({ code, signal, stderr });
    });
  });
}

describe('rekindle start-up errors', () => {
  let database: TestDatabase;
  let env: Record<string, string>;
  let holder: Server;
  let heldPort: number;

  beforeAll(async () => {
    database = await createTestDatabase();
    env = { DATABASE_URL: database.url, REDIS_URL: redisUrl, QUEUE_PREFIX: `cli-startup-${process.pid}` };
    holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    heldPort = (holder.address() as { port: number }).port;
  });

  afterEach(() => {
    // Only after a failed test: a child that hung is not left behind.
    for (const child of running) child.kill('SIGKILL');
    running.clear();
  });

  afterAll(async () => {
    await new Promise((resolve) => holder?.close(resolve));
    await database?.drop();
  });

  it.each([
    ['serve', ['serve'], ['LINK_SECRETS', 'TOKEN_ENCRYPTION_KEYS']],
    ['work', ['work'], ['TOKEN_ENCRYPTION_KEYS']],
    ['demo', ['demo'], ['TOKEN_ENCRYPTION_KEYS']],
    ['tokens', ['tokens', 'reencrypt'], ['TOKEN_ENCRYPTION_KEYS']],
  ])('%s in production without its secrets exits 78 naming them', { timeout: HANG }, async (_name, args, variables) => {
    const result = await run(args, { ...env, ...DOCKER_WITHOUT_SECRETS });
    expect(result.stderr).toMatch(/Invalid configuration/);
    for (const variable of variables) expect(result.stderr).toMatch(new RegExp(`^  ${variable}: required`, 'm'));
    expect(result).toMatchObject({ code: 78, signal: null });
  });

  it('inbound with half of its STARTTLS and DKIM settings exits 78 naming what is missing', { timeout: HANG }, async () => {
    const result = await run(['inbound'], {
      ...env,
      INBOUND_SMTP_PORT: '0',
      INBOUND_SMTP_TLS_KEY: '/nonexistent/key.pem',
      DKIM_DOMAIN: 'example.com',
    });
    expect(result.stderr).toMatch(/^  INBOUND_SMTP_TLS_CERT: STARTTLS needs/m);
    expect(result.stderr).toMatch(/^  DKIM_SELECTOR: DKIM signing needs/m);
    expect(result.stderr).toMatch(/^  DKIM_PRIVATE_KEY: DKIM signing needs/m);
    expect(result).toMatchObject({ code: 78, signal: null });
  });

  it('work with an unreadable DKIM key exits 78 naming DKIM_PRIVATE_KEY', { timeout: HANG }, async () => {
    const notAKey = join(tmpdir(), `rekindle-not-a-key-${process.pid}.pem`);
    await writeFile(notAKey, 'not a key\n');
    const result = await run(['work'], { ...env, DKIM_DOMAIN: 'example.com', DKIM_SELECTOR: 'rk1', DKIM_PRIVATE_KEY: notAKey });
    expect(result.stderr).toMatch(/^  DKIM_PRIVATE_KEY: /m);
    expect(result).toMatchObject({ code: 78, signal: null });
  });

  it('migrate with a DATABASE_URL that is not Postgres exits 78 naming it', { timeout: HANG }, async () => {
    const result = await run(['migrate'], { ...env, DATABASE_URL: 'mysql://root@127.0.0.1/rekindle' });
    expect(result.stderr).toMatch(/^  DATABASE_URL: /m);
    expect(result).toMatchObject({ code: 78, signal: null });
  });

  it('serve whose port is taken exits 1 on its own, its database and Redis connections open', { timeout: HANG }, async () => {
    const result = await run(['serve'], { ...env, HOST: '127.0.0.1', PORT: String(heldPort) });
    expect(result.stderr).toMatch(new RegExp(`rekindle serve: .*EADDRINUSE.*${heldPort}.*another port`));
    expect(result).toMatchObject({ code: 1, signal: null });
  });

  it('inbound whose SMTP port is taken exits 1 on its own, its database connection open', { timeout: HANG }, async () => {
    const result = await run(['inbound'], { ...env, INBOUND_SMTP_HOST: '127.0.0.1', INBOUND_SMTP_PORT: String(heldPort) });
    expect(result.stderr).toMatch(new RegExp(`rekindle inbound: .*EADDRINUSE.*${heldPort}.*another port`));
    expect(result).toMatchObject({ code: 1, signal: null });
  });
});
