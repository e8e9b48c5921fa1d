/**
 * Deleting a user's account: every table holding a user's data references users with
 * ON DELETE CASCADE, so one row goes and all of it goes.
 */
import type { Sql } from '../db/client.ts';

/** Rows deleted: 1, or 0 when the user was already gone. */
export async function deleteUser(sql: Sql, userId: string): Promise<number> {
  const deleted = await sql.begin(async (tx) => {
    // Replies and links lock the user's row too; this waits for them and leaves nothing behind.
    await tx`select 1 from users where id = ${userId} for update`;
    return tx`delete from users where id = ${userId} returning 1`;
  });
  return deleted.length;
}
