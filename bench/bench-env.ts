/**
 * What every benchmark scenario needs: a scratch database of its own (never `rekindle` or
 * `rekindle_demo`), a Redis key prefix of its own, both removed afterwards, and a worker
 * configuration pointed at them and at an emulator process.
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { connectAccount } from '../src/accounts/connect-account.ts';
import { loadConfig, type Config } from '../src/config/env.ts';
import { createDatabase, type Database } from '../src/db/client.ts';
import { runMigrations } from '../src/db/migrate.ts';
import { createTestPrefix, redisUrl } from '../testkit/test-redis.ts';
import type { EmulatorEndpoints } from './emulator-host.ts';

export const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export { redisUrl };
/** Scratch databases are named so; a bench killed half-way leaves one that the next run sweeps. */
export const BENCH_DATABASE_PREFIX = 'rekindle_bench_';

export interface BenchDatabase extends Database {
  url: string;
  name: string;
  drop(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

function admin() {
  return postgres(withDatabase(serverUrl, 'postgres'), { max: 1, onnotice: () => {} });
}

export async function createBenchDatabase(label: string, pool = 10): Promise<BenchDatabase> {
  const name = `${BENCH_DATABASE_PREFIX}${label}_${process.pid}_${randomBytes(3).toString('hex')}`;
  const url = withDatabase(serverUrl, name);
  await runMigrations(url);
  const database = createDatabase(url, { max: pool });
  return {
    ...database,
    url,
    name,
    async drop() {
      await database.close();
      const sql = admin();
      try {
        await sql.unsafe(`drop database if exists ${name} with (force)`);
      } finally {
        await sql.end();
      }
    },
  };
}

/** Drops scratch databases of earlier runs whose process is gone. */
export async function sweepBenchDatabases(): Promise<void> {
  const sql = admin();
  try {
    const rows = await sql<{ datname: string }[]>`select datname from pg_database where datname like ${BENCH_DATABASE_PREFIX + '%'}`;
    for (const { datname } of rows) {
      const pid = Number(datname.split('_').at(-2));
      if (Number.isInteger(pid) && pid !== process.pid && !alive(pid)) await sql.unsafe(`drop database if exists ${datname} with (force)`);
    }
  } finally {
    await sql.end();
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A Redis key prefix of the bench's own (`rk-bench-…`); `cleanup()` deletes every key under it. */
export function createBenchPrefix(label: string) {
  return createTestPrefix(`bench-${label}`);
}

/** The environment of a worker pointed at this database, prefix and emulator. */
export function workerEnv(
  database: BenchDatabase,
  prefix: string,
  endpoints: EmulatorEndpoints | null,
  extra: Record<string, string> = {},
): Record<string, string> {
  const provider: Record<string, string> =
    endpoints === null
      ? {}
      : endpoints.provider === 'google'
        ? {
            GOOGLE_CLIENT_ID: endpoints.clientId,
            GOOGLE_CLIENT_SECRET: endpoints.clientSecret,
            GOOGLE_API_URL: endpoints.apiUrl!,
            GOOGLE_TOKEN_URL: endpoints.tokenUrl!,
          }
        : {
            MICROSOFT_CLIENT_ID: endpoints.clientId,
            MICROSOFT_CLIENT_SECRET: endpoints.clientSecret,
            MICROSOFT_GRAPH_URL: endpoints.graphUrl!,
            MICROSOFT_LOGIN_URL: endpoints.loginUrl!,
          };
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent',
    DATABASE_URL: database.url,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: prefix,
    SCHEDULER_TICK_SECONDS: '0.2',
    // e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` for a profile of every worker process.
    ...(process.env.BENCH_WORKER_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_WORKER_NODE_OPTIONS } : {}),
    ...provider,
    ...extra,
  };
}

export function workerConfig(
  database: BenchDatabase,
  prefix: string,
  endpoints: EmulatorEndpoints | null,
  extra: Record<string, string> = {},
): Config {
  return loadConfig(workerEnv(database, prefix, endpoints, extra));
}

/** Connects mailboxes as the OAuth callback would, a few at a time; returns account ids by owner. */
export async function connectMailboxes(
  database: BenchDatabase,
  provider: 'google' | 'microsoft',
  refreshTokens: Record<string, string>,
): Promise<Map<string, { userId: string; accountId: string }>> {
  const owners = Object.keys(refreshTokens);
  const result = new Map<string, { userId: string; accountId: string }>();
  let next = 0;
  const lane = async () => {
    while (next < owners.length) {
      const owner = owners[next++]!;
      result.set(
        owner,
        await connectAccount(database.sql, { userEmail: owner, provider, accountEmail: owner, refreshToken: refreshTokens[owner]! }),
      );
    }
  };
  await Promise.all(Array.from({ length: 8 }, lane));
  return result;
}
