/** The people of a sent digest by position, as its numbers name them (a held reply's "done 2"). */
import type { Sql } from '../db/client.ts';

export interface DigestEntryName {
  position: number;
  name: string | null;
  email: string;
}

export async function digestEntryNames(sql: Sql, digestId: string): Promise<DigestEntryName[]> {
  return sql<DigestEntryName[]>`select position, name, email from digest_items where digest_id = ${digestId} order by position`;
}
