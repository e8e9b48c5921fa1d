/**
 * `rekindle demo --keep-running`: after the story it stays up and serves the web app beside the
 * workers and the reply listener, on the emulator, so a person can click through: sign in
 * ("Connect Google", the emulator's consent), status, settings and the printed digest's links.
 * Meanwhile a second demo on the same database is refused and changes nothing, and SIGTERM
 * stops the whole of it: exit 0, nothing left listening.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { adminConnection, serverUrl, TEST_DATABASE_PREFIX } from '../../testkit/test-database.ts';
import { redisUrl } from '../../testkit/test-redis.ts';

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

interface Demo {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** The first stderr line matching, once it is written (an event, not a clock); null if it exits first. */
  line(pattern: RegExp): Promise<RegExpExecArray | null>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startDemo(env: NodeJS.ProcessEnv): Demo {
  const child = spawn(process.execPath, [cli, 'demo', '--keep-running'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters: { pattern: RegExp; resolve: (m: RegExpExecArray | null) => void }[] = [];
  const check = () => {
    for (const w of [...waiters]) {
      const m = w.pattern.exec(err);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  };
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
    check();
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => {
      for (const w of waiters.splice(0)) w.resolve(null);
      resolve({ code, signal });
    }),
  );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exit,
    line: (pattern) =>
      new Promise((resolve) => {
        waiters.push({ pattern, resolve });
        check();
      }),
  };
}

/** A browser's cookie jar, as much of it as one site needs. */
class Jar {
  private readonly cookies = new Map<string, string>();
  take(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      if (/max-age=0/i.test(line)) this.cookies.delete(pair!.slice(0, eq));
      else this.cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

/** Follows redirects as a browser does, keeping the site's cookies (the emulator sets none). */
async function browse(url: string, jar: Jar, site: string): Promise<Response> {
  let next = url;
  for (let hop = 0; hop < 10; hop++) {
    const response = await fetch(next, { redirect: 'manual', headers: next.startsWith(site) ? { cookie: jar.header() } : {} });
    if (next.startsWith(site)) jar.take(response);
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || !location) return response;
    next = new URL(location, next).toString();
  }
  throw new Error('too many redirects');
}

describe('rekindle demo --keep-running', () => {
  const name = `${TEST_DATABASE_PREFIX}${Math.floor(Date.now() / 1000)}_${randomBytes(4).toString('hex')}`;
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'error', PORT: '0', REDIS_URL: redisUrl };
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  env.DATABASE_URL = url.toString();
  delete env.SMTP_URL;
  delete env.LINK_SECRETS;
  const running: ChildProcess[] = [];

  afterAll(async () => {
    for (const child of running) if (child.exitCode === null) child.kill('SIGKILL');
    const admin = adminConnection();
    await admin.unsafe(`drop database if exists "${name}_demo" with (force)`);
    await admin.end();
    // The demo's queues, named for its database.
    const redis = new Redis(redisUrl);
    const keys = await redis.keys(`${name.replaceAll('_', '-')}-demo:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('serves the web app, the workers and the listener until SIGTERM; a second demo on the same database is refused', {
    timeout: 240_000,
  }, async () => {
    const demo = startDemo(env);
    running.push(demo.child);
    const ready = await demo.line(/^rekindle demo ready: (http:\/\/127\.0\.0\.1:(\d+)\/)/m);
    expect(ready, demo.stderr()).not.toBeNull();
    const site = ready![1]!;
    const port = Number(ready![2]);
    expect(demo.stderr()).toMatch(
      new RegExp(`^Web app: ${site.replace(/[.]/g, '\\.')} — press "Connect Google" to sign in as sam@example\\.com`, 'm'),
    );
    expect(demo.stderr()).toMatch(/^Created the demo database rekindle_test_\w+_demo /m);

    // The digest it printed links to this web app; the link opens the person's page.
    const link = /^ {3}Mark as done, snooze or never: (\S+)$/m.exec(demo.stdout())?.[1];
    expect(link?.startsWith(`${site}d/`)).toBe(true);
    const page = await fetch(link!);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<input type="hidden" name="do" value="done">');

    // Another demo on the same database is refused before it touches anything.
    const second = startDemo(env);
    running.push(second.child);
    expect((await second.exit).code).toBe(1);
    expect(second.stderr()).toMatch(
      /another rekindle demo is running on this server with the database rekindle_test_\w+_demo; it was left alone/,
    );
    expect((await fetch(link!)).status).toBe(200);

    // Sign in as a person would: Connect Google, the emulator's consent, back to the status page.
    const jar = new Jar();
    const landing = await browse(site, jar, site);
    expect(await landing.text()).toContain(`href="/connect/google"`);
    const status = await browse(`${site}connect/google`, jar, site);
    expect(status.status).toBe(200);
    const statusPage = await status.text();
    expect(statusPage).toContain('sam@example.com');
    expect(statusPage).toMatch(/id="sync-state">(synced|syncing)</);
    const settings = await browse(`${site}settings`, jar, site);
    expect(settings.status).toBe(200);
    expect(await settings.text()).toContain('id="settings-form"');

    demo.child.kill('SIGTERM');
    expect(await demo.exit).toEqual({ code: 0, signal: null });
    expect(demo.stderr()).toMatch(/^SIGTERM: stopping the web app, the workers and the listener\.$/m);
    expect(await listening(port)).toBe(false);
    // Its lock went with it: the database is free for the next demo.
    const admin = adminConnection();
    const [free] = await admin<{ ok: boolean }[]>`select pg_try_advisory_lock(hashtext(${`rekindle demo ${name}_demo`})) as ok`;
    await admin.end();
    expect(free?.ok).toBe(true);
  });
});
