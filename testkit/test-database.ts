import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { createDatabase, type Database } from '../src/db/client.ts';
import { runMigrations } from '../src/db/migrate.ts';

/** The server tests use; each test file gets its own database on it. */
export const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export const TEST_DATABASE_PREFIX = 'rekindle_test_';

export interface TestDatabase extends Database {
  url: string;
  drop(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export function adminConnection() {
  return postgres(withDatabase(serverUrl, 'postgres'), { max: 1, onnotice: () => {} });
}

/** Creates and migrates a fresh database; `drop()` removes it. */
export async function createTestDatabase(): Promise<TestDatabase> {
  // The creation time in the name lets the global setup sweep databases of killed runs.
  const name = `${TEST_DATABASE_PREFIX}${Math.floor(Date.now() / 1000)}_${randomBytes(4).toString('hex')}`;
  const admin = adminConnection();
  await admin.unsafe(`create database ${name}`);
  const url = withDatabase(serverUrl, name);
  await runMigrations(url);
  const database = createDatabase(url, { max: 5 });
  return {
    ...database,
    url,
    async drop() {
      await database.close();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}
