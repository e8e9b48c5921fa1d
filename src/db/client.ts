import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as schema from './schema.ts';

export type Database = ReturnType<typeof createDatabase>;
export type Db = Database['db'];

/**
 * Two handles on one database: `sql`, postgres.js tagged queries (the sync engine's bulk
 * array inserts), and `db`, drizzle's typed query builder. They get separate pools because
 * drizzle rewires its client's date and JSON (de)serializers to pass strings through, which
 * would break Date values in plain postgres.js queries. Close both with `close()`.
 */
export function createDatabase(url: string, options: { max?: number } = {}) {
  const sql = postgres(url, { max: options.max ?? 10, onnotice: () => {} });
  const drizzleClient = postgres(url, { max: Math.max(1, Math.ceil((options.max ?? 10) / 4)), onnotice: () => {} });
  const db = drizzle(drizzleClient, { schema });
  return {
    sql,
    db,
    async close(timeout = 5) {
      await Promise.all([sql.end({ timeout }), drizzleClient.end({ timeout })]);
    },
  };
}
