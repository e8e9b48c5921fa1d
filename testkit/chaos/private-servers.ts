/**
 * A throwaway PostgreSQL cluster and Redis server of the chaos run's own, on free loopback
 * ports in a temporary directory. The chaos run restarts and flushes these; the shared
 * servers other tests and engineers use are never touched.
 *
 * Postgres refuses to run as root, so under root the cluster belongs to the `postgres` user
 * (created by the Debian package) and is driven through `runuser`.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import postgres from 'postgres';

const run = promisify(execFile);

export interface PrivateServers {
  /** `postgres://postgres@127.0.0.1:<port>/<database>` */
  databaseUrl(database: string): string;
  redisUrl: string;
  createDatabase(name: string): Promise<string>;
  /** An immediate (crash) shutdown and a start: recovery replays the WAL, every connection breaks. */
  restartPostgres(): Promise<void>;
  /** FLUSHALL: every queue, job, lock and quota bucket is gone. */
  flushRedis(): Promise<void>;
  /**
   * An outage, not a crash: the server is stopped (its data kept) until `end` is called, then
   * started again with that data. Only private servers have these; shared ones are never stopped.
   */
  redisOutage?(): Promise<{ end(): Promise<void> }>;
  postgresOutage?(): Promise<{ end(): Promise<void> }>;
  stop(): Promise<void>;
}

export async function startPrivateServers(): Promise<PrivateServers> {
  const bin = postgresBin();
  const dir = mkdtempSync(join(tmpdir(), 'rekindle-chaos-'));
  const data = join(dir, 'pg');
  const asRoot = userInfo().uid === 0;
  if (asRoot) chownSync(dir, ...postgresIds());
  const pg = (tool: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]) : run(join(bin, tool), args);

  const pgPort = await freePort();
  const redisPort = await freePort();
  await pg('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8']);
  const options = `-p ${pgPort} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
  const startPg = () => pg('pg_ctl', ['start', '-D', data, '-w', '-t', '60', '-l', join(dir, 'postgres.log'), '-o', options]);
  await startPg();

  const redis = await startRedisServer({ port: redisPort, dir });

  const url = (database: string) => `postgres://postgres@127.0.0.1:${pgPort}/${database}`;
  let stopped = false;
  const servers: PrivateServers = {
    databaseUrl: url,
    redisUrl: `redis://127.0.0.1:${redisPort}`,
    async createDatabase(name) {
      const admin = postgres(url('postgres'), { max: 1, onnotice: () => {} });
      try {
        await admin.unsafe(`create database ${name}`);
      } finally {
        await admin.end();
      }
      return url(name);
    },
    async restartPostgres() {
      await pg('pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w']);
      await startPg();
    },
    async flushRedis() {
      const client = new Redis(servers.redisUrl, { maxRetriesPerRequest: 3 });
      client.on('error', () => undefined);
      try {
        await client.flushall();
      } finally {
        client.disconnect();
      }
    },
    async redisOutage() {
      await redis.stop();
      return { end: () => redis.start() };
    },
    async postgresOutage() {
      // A clean stop (`fast`: sessions are ended, the data is kept), as a maintenance or a
      // failing host would take it away; started again by `end`.
      await pg('pg_ctl', ['stop', '-D', data, '-m', 'fast', '-w']);
      return { end: async () => void (await startPg()) };
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await redis.close();
      await pg('pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w']).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  // Also when the run is interrupted: a leftover cluster would hold its port and directory.
  const onExit = () => void servers.stop().finally(() => process.exit(130));
  process.once('SIGINT', onExit);
  process.once('SIGTERM', onExit);
  return servers;
}

/** A `redis-server` of a test's or the chaos run's own, on a free loopback port. */
export interface RedisServer {
  url: string;
  port: number;
  /** SHUTDOWN SAVE: the process ends and connections are refused; its data is kept in a dump on disk. */
  stop(): Promise<void>;
  /** Starts it again on the same port with the data it had. */
  start(): Promise<void>;
  /** SIGSTOP: connections stay open but nothing answers (a hung server, a black-holed network). */
  freeze(): void;
  /** SIGCONT after `freeze`. */
  thaw(): void;
  /** Stops it for good and removes its directory (when it made one). */
  close(): Promise<void>;
}

/**
 * Starts a redis-server that keeps its data across `stop`/`start` (an RDB dump written at
 * shutdown, in `dir` or a temporary directory of its own): an outage, not a flush. A server
 * that dies on its own (not stopped here) is started again, as a supervisor would.
 */
export async function startRedisServer(options: { port?: number; dir?: string } = {}): Promise<RedisServer> {
  const port = options.port ?? (await freePort());
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'rekindle-redis-'));
  let child: ChildProcess | null = null;
  let wanted = false;
  const spawnServer = () => {
    const started = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--dbfilename', `redis-${port}.rdb`, '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    started.once('exit', () => {
      if (child === started) child = null;
      if (wanted) spawnServer();
    });
    child = started;
  };
  const server: RedisServer = {
    url: `redis://127.0.0.1:${port}`,
    port,
    async start() {
      wanted = true;
      if (!child) spawnServer();
      await waitForRedis(port);
    },
    async stop() {
      wanted = false;
      const running = child;
      if (!running) return;
      const gone = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGCONT');
      // Saved on the way down (no save points are configured, so a plain SIGTERM would not),
      // so `start` finds every key again.
      const client = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => null });
      client.on('error', () => undefined);
      await client.call('SHUTDOWN', 'SAVE').catch(() => undefined);
      client.disconnect();
      await gone;
    },
    freeze() {
      child?.kill('SIGSTOP');
    },
    thaw() {
      child?.kill('SIGCONT');
    },
    async close() {
      wanted = false;
      const running = child;
      if (running) {
        const gone = new Promise((resolve) => running.once('exit', resolve));
        running.kill('SIGKILL');
        await gone;
      }
      if (!options.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}

async function waitForRedis(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.ping();
      return;
    } catch {
      await sleep(100);
    } finally {
      client.disconnect();
    }
  }
  throw new Error(`chaos: redis-server on port ${port} did not start`);
}

/** The newest installed PostgreSQL's binaries (Debian layout). */
function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  for (const version of versions) {
    const bin = join(root, version, 'bin');
    if (existsSync(join(bin, 'initdb'))) return bin;
  }
  throw new Error('chaos: no PostgreSQL server binaries under /usr/lib/postgresql (apt-get install postgresql)');
}

function postgresIds(): [number, number] {
  const line = readPasswd().find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error('chaos: running as root needs a "postgres" user to own the throwaway cluster');
  const [, , uid, gid] = line.split(':');
  return [Number(uid), Number(gid)];
}

function readPasswd(): string[] {
  return readFileSync('/etc/passwd', 'utf8').split('\n');
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
