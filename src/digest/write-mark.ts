/**
 * A person's mark on a contact (done / snoozed / never), as replies and digest links write it
 * and as their undo records keep it: timestamps as ISO strings, so a before/after pair can be
 * stored as JSON and written back exactly.
 */
import type { TransactionSql } from 'postgres';
import type { MarkStatus } from '../db/schema.ts';

export interface StoredMark {
  status: MarkStatus;
  markedAt: string;
  until: string | null;
}

/** Sets the mark, or removes it (`null`: the contact is active again). */
export async function writeMark(tx: TransactionSql, userId: string, contact: string, mark: StoredMark | null): Promise<void> {
  if (!mark) {
    await tx`delete from contact_marks where user_id = ${userId} and contact = ${contact}`;
    return;
  }
  await tx`
    insert into contact_marks (user_id, contact, status, marked_at, until)
    values (${userId}, ${contact}, ${mark.status}, ${mark.markedAt}, ${mark.until})
    on conflict (user_id, contact) do update set status = excluded.status, marked_at = excluded.marked_at, until = excluded.until`;
}
