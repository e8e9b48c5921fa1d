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
import { once } from 'node:events';
import { tmpdir, userInfo } from 'node:os';
import { delimiter, join } from 'node:path';
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
  const postgresServer = await startPrivatePostgres('rekindle-chaos-');
  const redisServer = await startRedisServer().catch(async (error: unknown) => {
    await postgresServer.stop();
    throw error;
  });
  const url = postgresServer.url;
  let stopped = false;
  const servers: PrivateServers = {
    databaseUrl: url,
    redisUrl: redisServer.url,
    async createDatabase(name) {
      const admin = postgres(url('postgres'), { max: 1, onnotice: () => {} });
      try {
        await admin.unsafe(`create database ${name}`);
      } finally {
        await admin.end();
      }
      return url(name);
    },
    restartPostgres: () => postgresServer.restart(),
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
      await redisServer.stop();
      return { end: () => redisServer.start() };
    },
    postgresOutage: () => postgresServer.outage(),
    async stop() {
      if (stopped) return;
      stopped = true;
      await redisServer.close();
      await postgresServer.stop();
    },
  };
  // Also when the run is interrupted: a leftover cluster would hold its port and directory.
  const onExit = () => void servers.stop().finally(() => process.exit(130));
  process.once('SIGINT', onExit);
  process.once('SIGTERM', onExit);
  return servers;
}

export interface PrivatePostgres {
  /** The temporary directory that holds the cluster (and is removed by `stop()`). */
  dir: string;
  port: number;
  /** `postgres://postgres@127.0.0.1:<port>/<database>` */
  url(database: string): string;
  /** An immediate (crash) shutdown and a start: recovery replays the WAL, every connection breaks. */
  restart(): Promise<void>;
  /** A clean stop (sessions ended, data kept), as maintenance or a failing host takes it away; `end` starts it again. */
  outage(): Promise<{ end(): Promise<void> }>;
  /** Stops the cluster and removes its directory. */
  stop(): Promise<void>;
}

/** A PostgreSQL cluster of its own from the installed server binaries, in a new temporary directory. */
export async function startPrivatePostgres(prefix: string): Promise<PrivatePostgres> {
  const bin = postgresBin();
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const data = join(dir, 'pg');
  const asRoot = userInfo().uid === 0;
  const pg = (tool: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]) : run(join(bin, tool), args);
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
  const start = () => pg('pg_ctl', ['start', '-D', data, '-w', '-t', '60', '-l', join(dir, 'postgres.log'), '-o', options]);
  try {
    if (asRoot) chownSync(dir, ...postgresIds());
    await pg('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8']);
    await start();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  let stopped = false;
  return {
    dir,
    port,
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    async restart() {
      await pg('pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w']);
      await start();
    },
    async outage() {
      await pg('pg_ctl', ['stop', '-D', data, '-m', 'fast', '-w']);
      return { end: async () => void (await start()) };
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await pg('pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w']).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A `redis-server` of a test's, the demo's or the chaos run's own, on a free loopback port. */
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
  /** Stops it for good and removes its directory. */
  close(): Promise<void>;
}

/**
 * Starts a redis-server that keeps its data across `stop`/`start` (an RDB dump written at
 * shutdown, in a temporary directory of its own): an outage, not a flush. A server that dies
 * on its own (not stopped here) is started again, as a supervisor would. Started is its own
 * "Ready to accept connections" line.
 */
export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'rekindle-redis-'));
  let child: ChildProcess | null = null;
  let wanted = false;
  const spawnServer = (): Promise<void> => {
    // A process group of its own, as pg_ctl gives the postmaster: a terminal's Ctrl-C reaches the
    // program that started it, which stops it in order, not the server behind its back.
    const started = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--dbfilename', 'dump.rdb', '--save', '', '--appendonly', 'no'],
      { stdio: ['ignore', 'pipe', 'ignore'], detached: true },
    );
    child = started;
    let output = '';
    return new Promise((resolve, reject) => {
      started.once('error', (error) =>
        reject(new Error(`redis-server could not be started (${error.message}); install Redis (Debian: apt-get install redis-server)`)),
      );
      started.once('exit', (code, signal) => {
        if (child === started) child = null;
        reject(new Error(`redis-server on port ${port} ended (${signal ?? code}) before it was ready:\n${output}`));
        if (wanted) void spawnServer().catch(() => undefined);
      });
      // Read to the end, so its log never fills the pipe.
      started.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        if (output.length < 65_536) output += chunk;
        if (/Ready to accept connections/.test(output)) resolve();
      });
    });
  };
  const server: RedisServer = {
    url: `redis://127.0.0.1:${port}`,
    port,
    async start() {
      wanted = true;
      if (!child) await spawnServer();
    },
    async stop() {
      wanted = false;
      const running = child;
      if (!running) return;
      const gone = once(running, 'exit');
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
      if (running && running.exitCode === null && running.signalCode === null) {
        const gone = once(running, 'exit');
        running.kill('SIGKILL');
        await gone;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}

/** The newest installed PostgreSQL's server binaries: Debian's layout, else the first on PATH (Homebrew). */
function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const candidates = [
    ...versions.map((version) => join(root, version, 'bin')),
    ...(process.env.PATH ?? '').split(delimiter).filter(Boolean),
  ];
  const bin = candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')));
  if (!bin)
    throw new Error(
      'no PostgreSQL server binaries (initdb, pg_ctl) under /usr/lib/postgresql or on PATH: install PostgreSQL (Debian: apt-get install postgresql)',
    );
  return bin;
}

function postgresIds(): [number, number] {
  const line = readPasswd().find((l) => l.startsWith('postgres:'));
  if (!line)
    throw new Error('running as root needs a "postgres" user to own the throwaway cluster (Debian\'s postgresql package creates it)');
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
