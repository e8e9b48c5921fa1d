import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMigrations } from '../../src/db/migrate.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/test-database.ts';

describe('migrations', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });

  it('create every table and can run again without change', async () => {
    await runMigrations(database.url);
    const tables = await database.sql<{ tablename: string }[]>`
      select tablename from pg_tables where schemaname = 'public' order by tablename`;
    expect(tables.map((t) => t.tablename)).toEqual([
      'accounts',
      'address_evidence',
      'calendar_events',
      'contact_addresses',
      'contact_marks',
      'contact_state',
      'contacts',
      'digest_items',
      'digests',
      'dirty_contacts',
      'identity_decisions',
      'inbound_replies',
      'interactions',
      'mail_messages',
      'pending_interactions',
      'sync_streams',
      'user_addresses',
      'users',
      'verdict_journal',
    ]);
  });
});
