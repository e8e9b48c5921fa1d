import postgres from 'postgres';

export type Sql = postgres.Sql;

export interface Database {
  sql: Sql;
  close(timeoutSeconds?: number): Promise<void>;
}

/**
 * The postgres.js pool every query goes through. Queries are plain tagged SQL; drizzle
 * describes the schema (src/db/schema.ts) and generates the migrations, but stays out of the
 * runtime: loading its query builder costs over a second of start-up for every command.
 */
export function createDatabase(url: string, options: { max?: number } = {}): Database {
  const sql = postgres(url, { max: options.max ?? 10, onnotice: () => {} });
  return {
    sql,
    async close(timeout = 5) {
      await sql.end({ timeout });
    },
  };
}
