/**
 * Test support for Microsoft accounts: a worker config pointed at the Graph emulator, connecting
 * its mailbox as the OAuth callback would, and counting what the emulator served.
 */
import { accountTokenStore } from '../src/accounts/account-token-store.ts';
import { connectAccount } from '../src/accounts/connect-account.ts';
import { loadConfig, type Config } from '../src/config/env.ts';
import type { GraphEmulator } from '../fakes/microsoft/index.ts';
import type { TestDatabase } from './test-database.ts';
import { redisUrl } from './test-redis.ts';

/** Config for a worker of this test file: its own database, queue prefix and the Graph emulator. */
export function microsoftTestConfig(
  database: TestDatabase,
  prefix: string,
  emulator: GraphEmulator,
  overrides: Record<string, string> = {},
): Config {
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: database.url,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: prefix,
    MICROSOFT_CLIENT_ID: emulator.clientId,
    MICROSOFT_CLIENT_SECRET: emulator.clientSecret,
    MICROSOFT_GRAPH_URL: emulator.graphUrl,
    MICROSOFT_LOGIN_URL: emulator.loginUrl,
    SCHEDULER_TICK_SECONDS: '0.2',
    SYNC_LEASE_SECONDS: '5',
    ...overrides,
  });
}

/** The environment of a `rekindle work` process pointed at the Graph emulator. */
export function microsoftWorkerEnv(emulator: GraphEmulator): Record<string, string> {
  return {
    MICROSOFT_CLIENT_ID: emulator.clientId,
    MICROSOFT_CLIENT_SECRET: emulator.clientSecret,
    MICROSOFT_GRAPH_URL: emulator.graphUrl,
    MICROSOFT_LOGIN_URL: emulator.loginUrl,
  };
}

/** Connects the emulator's mailbox for a user, exactly as the OAuth callback would. */
export async function connectEmulatedMicrosoft(database: TestDatabase, emulator: GraphEmulator, email: string) {
  return connectAccount(database.sql, {
    userEmail: email,
    provider: 'microsoft',
    accountEmail: email,
    refreshToken: emulator.issueRefreshToken(email),
  });
}

/** How many times the emulator served each message (in delta pages or GETs), by id. */
export function servesPerMessage(emulator: GraphEmulator, user: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of emulator.requests(user)) {
    if (r.status !== 200 || (r.method !== 'graph.messages.delta' && r.method !== 'graph.messages.get')) continue;
    for (const id of r.served) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

/** The refresh token an account has stored now (decrypted). */
export async function storedRefreshToken(database: TestDatabase, accountId: string): Promise<string> {
  return (await accountTokenStore(database.sql, accountId).load()).refreshToken;
}
