/**
 * What the user said about one person, as contact_marks holds it: a mark (done / snoozed /
 * never), the last day they met or called, and the rhythm they set. The verdicts module is its
 * only writer; each part is written on its own, and a row left with no part is deleted.
 */
import type { TransactionSql } from 'postgres';
import type { MarkStatus } from '../db/schema.ts';
import type { MarkState } from './journal.ts';

export interface ContactState {
  mark: MarkState | null;
  /** ISO instant. */
  metAt: string | null;
  cadenceDays: number | null;
}

export async function readContactState(tx: TransactionSql, userId: string, contact: string): Promise<ContactState> {
  const [row] = await tx<
    { status: MarkStatus | null; markedAt: Date | null; until: Date | null; metAt: Date | null; cadenceDays: number | null }[]
  >`
    select status, marked_at as "markedAt", until, met_at as "metAt", cadence_days as "cadenceDays"
      from contact_marks where user_id = ${userId} and contact = ${contact}`;
  if (!row) return { mark: null, metAt: null, cadenceDays: null };
  return {
    mark:
      row.status && row.markedAt
        ? { status: row.status, markedAt: row.markedAt.toISOString(), until: row.until?.toISOString() ?? null }
        : null,
    metAt: row.metAt?.toISOString() ?? null,
    cadenceDays: row.cadenceDays,
  };
}

/** Writes the given parts (the others stay as they are). */
export async function writeContactState(tx: TransactionSql, userId: string, contact: string, patch: Partial<ContactState>): Promise<void> {
  const next = { ...(await readContactState(tx, userId, contact)), ...patch };
  if (!next.mark && next.metAt === null && next.cadenceDays === null) {
    await tx`delete from contact_marks where user_id = ${userId} and contact = ${contact}`;
    return;
  }
  const row = {
    status: next.mark?.status ?? null,
    markedAt: next.mark?.markedAt ?? null,
    until: next.mark?.until ?? null,
    metAt: next.metAt,
    cadenceDays: next.cadenceDays,
  };
  await tx`
    insert into contact_marks (user_id, contact, status, marked_at, until, met_at, cadence_days)
    values (${userId}, ${contact}, ${row.status}, ${row.markedAt}, ${row.until}, ${row.metAt}, ${row.cadenceDays})
    on conflict (user_id, contact) do update
       set status = excluded.status, marked_at = excluded.marked_at, until = excluded.until, met_at = excluded.met_at, cadence_days = excluded.cadence_days`;
}
