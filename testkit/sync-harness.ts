import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { connectAccount } from '../src/accounts/connect-account.ts';
import { loadConfig, type Config } from '../src/config/env.ts';
import type { GoogleEmulator } from '../fakes/google/index.ts';
import type { TestDatabase } from './test-database.ts';
import { redisUrl } from './test-redis.ts';

/** Config for a worker of this test file: its own database, queue prefix and the emulator. */
export function testConfig(
  database: TestDatabase,
  prefix: string,
  emulator: GoogleEmulator,
  overrides: Record<string, string> = {},
): Config {
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: database.url,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: prefix,
    GOOGLE_CLIENT_ID: emulator.clientId,
    GOOGLE_CLIENT_SECRET: emulator.clientSecret,
    GOOGLE_API_URL: emulator.url,
    GOOGLE_TOKEN_URL: emulator.tokenUrl,
    SCHEDULER_TICK_SECONDS: '0.2',
    SYNC_LEASE_SECONDS: '5',
    // The tests' Dovecot and Radicale listen on loopback.
    ALLOW_PRIVATE_SERVERS: 'true',
    ...overrides,
  });
}

export function testLogger(level = process.env.TEST_LOG_LEVEL ?? 'silent') {
  return pino({ level });
}

/** Connects the emulator's mailbox for a user, exactly as the OAuth callback would. */
export async function connectEmulatedGoogle(database: TestDatabase, emulator: GoogleEmulator, email: string) {
  return connectAccount(database.sql, {
    userEmail: email,
    provider: 'google',
    accountEmail: email,
    refreshToken: emulator.issueRefreshToken(email),
  });
}

export interface StreamRow {
  stream: 'mail' | 'calendar';
  phase: string;
  itemsSynced: number;
  quotaUnitsSpent: number;
  backfillCompletedAt: Date | null;
  fullResyncs: number;
  lastError: string | null;
  leaseOwner: string | null;
  nextRunAt: Date;
}

export async function streamsOf(database: TestDatabase, accountId: string): Promise<StreamRow[]> {
  return database.sql<StreamRow[]>`
    select stream, phase, items_synced::int as "itemsSynced", quota_units_spent::int as "quotaUnitsSpent",
           backfill_completed_at as "backfillCompletedAt", full_resyncs as "fullResyncs",
           last_error as "lastError", lease_owner as "leaseOwner", next_run_at as "nextRunAt"
      from sync_streams where account_id = ${accountId} order by stream`;
}

/** Polls until `check` returns a value other than false/undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | false | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== false && value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Both streams caught up (incremental, not leased) and the contacts recomputed since. */
export async function waitUntilSynced(database: TestDatabase, accountId: string, timeoutMs = 60_000): Promise<StreamRow[]> {
  return waitFor(
    'the account to finish syncing',
    async () => {
      const streams = await streamsOf(database, accountId);
      const done =
        streams.length === 2 &&
        streams.every((s) => s.phase === 'incremental' && s.backfillCompletedAt && !s.leaseOwner && s.nextRunAt > new Date());
      if (!done) return false;
      const [user] = await database.sql<{ fresh: boolean }[]>`
        select (contacts_computed_at is not null and contacts_computed_at >= coalesce(contacts_dirty_at, '-infinity')) as fresh
          from users u join accounts a on a.user_id = u.id where a.id = ${accountId}`;
      return user?.fresh ? streams : false;
    },
    timeoutMs,
  );
}

/** Makes every stream of an account due now (as if its interval had passed). */
export async function makeDue(database: TestDatabase, accountId: string): Promise<void> {
  await database.sql`update sync_streams set next_run_at = now() - interval '1 second', enqueued_at = null where account_id = ${accountId}`;
}

/** How many times Gmail answered messages.get for each message of a user. */
export function getsPerMessage(emulator: GoogleEmulator, user: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of emulator.requests(user)) {
    if (r.method === 'gmail.users.messages.get' && r.status === 200) counts.set(r.messageId!, (counts.get(r.messageId!) ?? 0) + 1);
  }
  return counts;
}
