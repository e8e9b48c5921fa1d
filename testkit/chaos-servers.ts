/**
 * The chaos scenarios' view of Postgres and Redis (testkit/chaos/private-servers.ts), on the shared
 * test servers instead of private ones — for the fast versions in `npm test`. Nothing shared
 * is restarted or flushed: "restarting Postgres" ends every connection to this run's own
 * databases, and "flushing Redis" deletes this run's own key prefix.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { PrivateServers } from './chaos/private-servers.ts';
import { adminConnection, serverUrl, TEST_DATABASE_PREFIX } from './test-database.ts';
import { redisUrl } from './test-redis.ts';

export interface SharedChaosServers extends PrivateServers {
  /** The one key prefix the run's queues must use (what flushRedis clears). */
  prefix(label: string): string;
}

export function sharedChaosServers(): SharedChaosServers {
  const databases: string[] = [];
  const prefixes: string[] = [];
  const url = (database: string) => {
    const u = new URL(serverUrl);
    u.pathname = `/${database}`;
    return u.toString();
  };
  // One Lua script, so the wipe is atomic like FLUSHALL: a worker never sees half the
  // run's keys gone (a SCAN-and-DEL loop would let it recreate some midway).
  const deletePrefixes = async () => {
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
    try {
      for (const prefix of prefixes) {
        await redis.eval(
          "local keys = redis.call('KEYS', ARGV[1]) for i = 1, #keys, 500 do redis.call('DEL', unpack(keys, i, math.min(i + 499, #keys))) end return #keys",
          0,
          `${prefix}*`,
        );
      }
    } finally {
      redis.disconnect();
    }
  };
  return {
    databaseUrl: url,
    redisUrl,
    prefix(label) {
      const prefix = `rk-${label}-${randomBytes(4).toString('hex')}`;
      prefixes.push(prefix);
      return prefix;
    },
    async createDatabase() {
      // Named like every test database, so the global setup sweeps it after a killed run.
      const name = `${TEST_DATABASE_PREFIX}${Math.floor(Date.now() / 1000)}_${randomBytes(4).toString('hex')}`;
      const admin = adminConnection();
      try {
        await admin.unsafe(`create database ${name}`);
      } finally {
        await admin.end();
      }
      databases.push(name);
      return url(name);
    },
    async restartPostgres() {
      const admin = adminConnection();
      try {
        await admin`select pg_terminate_backend(pid) from pg_stat_activity where datname = any(${databases}) and pid <> pg_backend_pid()`;
      } finally {
        await admin.end();
      }
    },
    flushRedis: deletePrefixes,
    async stop() {
      await deletePrefixes();
      const admin = adminConnection();
      try {
        for (const name of databases) await admin.unsafe(`drop database if exists ${name} with (force)`);
      } finally {
        await admin.end();
      }
    },
  };
}
