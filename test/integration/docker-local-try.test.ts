/**
 * `docker compose up --build` with no .env: the Dockerfile's environment (NODE_ENV=production)
 * and the compose file's (the secrets left empty, SECRETS_FILE on a shared volume) taken
 * together, as a container gets them. No Docker engine here: the files are read, and the very
 * entrypoint the image runs (`node src/cli.ts <command>`) runs with that environment — only the
 * addresses of Postgres and Redis (compose's service names) and the web port are swapped for
 * this machine's, and the volume's folder for a temporary one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/env.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/test-database.ts';
import { redisUrl } from '../../testkit/test-redis.ts';

const root = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const cli = root('src/cli.ts');
const HANG = 90_000;

interface Service {
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
}
const compose = parse(readFileSync(root('docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};
const dockerfile = readFileSync(root('Dockerfile'), 'utf8');

/** The final stage's `ENV a=b c=d` lines. */
function dockerfileEnv(): Record<string, string> {
  const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  const env: Record<string, string> = {};
  for (const [, line] of finalStage.matchAll(/^ENV (.+)$/gm)) {
    for (const pair of line!.trim().split(/\s+/)) {
      const eq = pair.indexOf('=');
      env[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
  }
  return env;
}

/** A service's environment with no .env: `${VAR:-default}` takes its default. */
function composeEnv(name: string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(compose.services[name]!.environment ?? {}).map(([k, v]) => [k, String(v).replace(/\$\{[A-Z0-9_]+:-([^}]*)\}/g, '$1')]),
  );
}

const running = new Set<ChildProcess>();

interface Run {
  child: ChildProcess;
  out: () => string;
  /** Resolves with the first line (stdout or stderr) matching `pattern`: an event, not a clock. */
  line(pattern: RegExp): Promise<string>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function start(args: string[], env: Record<string, string>): Run {
  // Only what a container has: the image's and compose's variables, and a PATH.
  const child = spawn(process.execPath, [cli, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let text = '';
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  const take = (chunk: string) => {
    text += chunk;
    for (const w of [...waiters]) {
      const found = text.split('\n').find((l) => w.pattern.test(l));
      if (found !== undefined) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(found);
      }
    }
  };
  child.stdout!.setEncoding('utf8').on('data', take);
  child.stderr!.setEncoding('utf8').on('data', take);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
      for (const w of waiters) w.resolve(`(exited ${code}) ${text}`);
    }),
  );
  return {
    child,
    out: () => text,
    exit,
    line: (pattern) =>
      new Promise((resolve) => {
        waiters.push({ pattern, resolve });
        take('');
      }),
  };
}

describe('the Docker image with the compose file and no .env', () => {
  let database: TestDatabase;
  let folder: string;
  let secretsFile: string;
  /** What differs from a container: where Postgres and Redis are, the web port, the volume's folder. */
  let here: Record<string, string>;

  beforeAll(async () => {
    database = await createTestDatabase();
    folder = mkdtempSync(join(tmpdir(), 'rekindle-secrets-'));
    secretsFile = join(folder, 'secrets.env');
    here = {
      DATABASE_URL: database.url,
      REDIS_URL: redisUrl,
      QUEUE_PREFIX: `docker-try-${process.pid}`,
      HOST: '127.0.0.1',
      PORT: '0',
      SECRETS_FILE: secretsFile,
      LOG_LEVEL: 'info',
    };
  });

  afterEach(() => {
    for (const child of running) child.kill('SIGKILL');
    running.clear();
  });

  afterAll(async () => {
    rmSync(folder, { recursive: true, force: true });
    await database?.drop();
  });

  it('is production (the image) with empty secrets and a secrets file on one volume every rekindle service mounts', () => {
    expect(dockerfileEnv().NODE_ENV).toBe('production');
    const path = composeEnv('app').SECRETS_FILE!;
    expect(path).toMatch(/^\//);
    // The image makes the volume's folder and gives it to the user the services run as.
    expect(dockerfile).toContain(`RUN mkdir -p ${dirname(path)} && chown node:node ${dirname(path)}`);
    expect(dockerfile.indexOf('chown node:node')).toBeLessThan(dockerfile.indexOf('USER node'));
    const ours = Object.entries(compose.services).filter(([, s]) => s.build === '.');
    expect(ours.map(([name]) => name).sort()).toEqual(['app', 'demo', 'inbound', 'worker']);
    const mounts = new Set<string>();
    for (const [name, service] of ours) {
      const env = composeEnv(name);
      expect(env.LINK_SECRETS, name).toBe('');
      expect(env.TOKEN_ENCRYPTION_KEYS, name).toBe('');
      expect(env.SECRETS_FILE, name).toBe(path);
      const mount = service.volumes?.find((v) => v.endsWith(`:${dirname(path)}`));
      expect(mount, `${name} mounts ${dirname(path)}`).toBeDefined();
      mounts.add(mount!.split(':')[0]!);
    }
    expect(mounts.size).toBe(1);
    expect(Object.keys(compose.volumes)).toContain([...mounts][0]);
  });

  it('serve and work start together: one generates the secrets once, loudly, the other reads the same; both run and stop on SIGTERM', {
    timeout: HANG,
  }, async () => {
    const serve = start(['serve'], { ...dockerfileEnv(), ...composeEnv('app'), ...here });
    const work = start(['work'], { ...dockerfileEnv(), ...composeEnv('worker'), ...here });
    const listening = await serve.line(/web server listening/);
    await work.line(/worker started/);
    const notices = [serve.out(), work.out()].map((text) => text.split('\n').find((l) => l.startsWith('rekindle: ')) ?? '');
    // Exactly one made the file; both name what they took and from where.
    expect(notices.filter((n) => n.includes('GENERATED them once into')).length).toBe(1);
    expect(notices.filter((n) => n.includes(`taken from ${secretsFile}`)).length).toBe(1);
    for (const notice of notices) expect(notice).toMatch(/LINK_SECRETS and TOKEN_ENCRYPTION_KEYS/);

    expect(statSync(secretsFile).mode & 0o777).toBe(0o600);
    const fromFile = Object.fromEntries(
      readFileSync(secretsFile, 'utf8')
        .split('\n')
        .filter((l) => /^[A-Z_]+=/.test(l))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    const config = loadConfig({ NODE_ENV: 'production', ...fromFile });
    expect(config.LINK_SECRETS![0]).toHaveLength(64);
    expect(config.TOKEN_ENCRYPTION_KEYS![0]!.key).toHaveLength(32);

    const url = JSON.parse(listening).url as string;
    expect((await fetch(`${url}/readyz`)).status).toBe(200);

    serve.child.kill('SIGTERM');
    work.child.kill('SIGTERM');
    expect(await serve.exit).toEqual({ code: 0, signal: null });
    expect(await work.exit).toEqual({ code: 0, signal: null });

    // A restart keeps them: the file is read, not made again.
    const before = readFileSync(secretsFile, 'utf8');
    const migrate = start(['migrate'], { ...dockerfileEnv(), ...composeEnv('app'), ...here });
    expect(await migrate.exit).toEqual({ code: 0, signal: null });
    expect(migrate.out()).toMatch(/taken from/);
    expect(readFileSync(secretsFile, 'utf8')).toBe(before);
  });

  it('secrets set in the environment win: the file is neither read nor made', { timeout: HANG }, async () => {
    const elsewhere = join(folder, 'unused', 'secrets.env');
    const env = {
      ...dockerfileEnv(),
      ...composeEnv('app'),
      ...here,
      SECRETS_FILE: elsewhere,
      LINK_SECRETS: 'x'.repeat(40),
      TOKEN_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
    };
    const migrate = start(['migrate'], env);
    expect(await migrate.exit).toEqual({ code: 0, signal: null });
    expect(migrate.out()).not.toMatch(/^rekindle: /m);
  });

  it('stays strict without SECRETS_FILE: serve exits 78 naming both secrets', { timeout: HANG }, async () => {
    const { SECRETS_FILE: _, ...withoutFile } = { ...dockerfileEnv(), ...composeEnv('app'), ...here };
    const serve = start(['serve'], withoutFile);
    expect(await serve.exit).toEqual({ code: 78, signal: null });
    expect(serve.out()).toMatch(/^ {2}LINK_SECRETS: required/m);
    expect(serve.out()).toMatch(/^ {2}TOKEN_ENCRYPTION_KEYS: required/m);
  });

  it('a secrets file that cannot be written exits 78 naming SECRETS_FILE', { timeout: HANG }, async () => {
    const work = start(['work'], {
      ...dockerfileEnv(),
      ...composeEnv('worker'),
      ...here,
      SECRETS_FILE: join(folder, 'no-such-volume', 's.env'),
    });
    expect(await work.exit).toEqual({ code: 78, signal: null });
    expect(work.out()).toMatch(/^ {2}SECRETS_FILE: .*no-such-volume.*cannot write beside it/m);
  });
});
