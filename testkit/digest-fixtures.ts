/**
 * A user with a history of two-way mail, written straight into `interactions` (as the sync
 * would), for digest and reply tests that need people to suggest but no mailbox to sync.
 */
import { connectAccount } from '../src/accounts/connect-account.ts';
import type { TestDatabase } from './test-database.ts';

export interface PersonHistory {
  email: string;
  name: string;
  /** Days between conversations. */
  everyDays: number;
  /** Days since the last conversation. */
  lastDaysAgo: number;
  conversations: number;
  subject?: string;
}

const DAY = 86_400_000;

/** Creates the user (finished first sync, contacts computed) and their history; returns ids. */
export async function seedDigestUser(
  database: TestDatabase,
  options: { email: string; name?: string; timezone?: string; people: PersonHistory[]; now?: Date },
): Promise<{ userId: string; accountId: string }> {
  const now = (options.now ?? new Date()).getTime();
  const { userId, accountId } = await connectAccount(database.sql, {
    userEmail: options.email,
    provider: 'google',
    accountEmail: options.email,
    refreshToken: 'unused',
    timezone: options.timezone,
  });
  // The first sync is over and nothing is due: these tests need no mailbox.
  await database.sql`
    update sync_streams set phase = 'incremental', backfill_completed_at = now(), next_run_at = now() + interval '1 year'
     where account_id = ${accountId}`;
  await database.sql`update users set name = ${options.name ?? null}, contacts_computed_at = now() where id = ${userId}`;
  const rows: Record<string, unknown>[] = [];
  for (const person of options.people) {
    for (let i = 0; i < person.conversations; i++) {
      const at = now - (person.lastDaysAgo + i * person.everyDays) * DAY;
      const subject = i === 0 ? (person.subject ?? `Catching up ${i}`) : `Catching up ${i}`;
      for (const [kind, offset] of [
        ['received', 0],
        ['sent', -3_600_000],
      ] as const) {
        rows.push({
          user_id: userId,
          source_key: `mid:<${kind}-${i}-${person.email}>`,
          contact: person.email,
          address: person.email,
          kind,
          account_id: accountId,
          occurred_at: new Date(at + offset),
          weight: 1,
          contact_name: person.name,
          participants: 1,
          thread_key: `thread-${person.email}-${i}`,
          subject,
        });
      }
    }
  }
  if (rows.length > 0) await database.sql`insert into interactions ${database.sql(rows)}`;
  return { userId, accountId };
}
