/**
 * Scenario 5, contact recompute: a user with about 100,000 interactions. A full recompute
 * (everything read), then a small sync (a few new messages) followed by an incremental
 * recompute, which must read only the people who changed; the naive baseline rebuilds every
 * contact from every interaction after the same small sync, one row written at a time.
 */
import { refreshContacts } from '../../src/contact-store/recompute-contacts.ts';
import { createOwner } from '../../src/contacts/owner.ts';
import { ensureLocalAccount } from '../../src/import/local-account.ts';
import { ingestMail } from '../../src/sync/ingest-mail.ts';
import { createBenchDatabase } from '../bench-env.ts';
import { round } from '../measure.ts';
import { naiveRecompute } from '../naive.ts';
import { seedToMeta } from '../seed-meta.ts';
import { syntheticMailbox } from '../synthetic-mailbox.ts';

export interface RecomputeOptions {
  messages: number;
  smallSync: number;
}

export async function contactRecompute(options: RecomputeOptions) {
  const database = await createBenchDatabase('recompute');
  try {
    const { sql } = database;
    const owner = 'recompute@example.com';
    const account = await ensureLocalAccount(sql, owner);
    const target = { userId: account.userId, accountId: account.accountId, owner: createOwner(account.addresses), storeSubjects: true };
    const end = new Date('2026-01-01T00:00:00Z');
    const seed = syntheticMailbox({ owner, messages: options.messages + options.smallSync, end });
    // The newest messages arrive last, as a small incremental sync would bring them.
    const history = seed.messages.slice(options.smallSync).map(seedToMeta);
    const fresh = seed.messages.slice(0, options.smallSync).map(seedToMeta);
    for (let i = 0; i < history.length; i += 2_000) await ingestMail(sql, target, history.slice(i, i + 2_000), []);
    const [{ interactions }] = await sql<
      [{ interactions: number }]
    >`select count(*)::int as interactions from interactions where user_id = ${account.userId}`;
    await sql`vacuum analyze interactions`;

    const asOf = new Date(end.getTime() - 3_600_000);
    let t = performance.now();
    const full = await refreshContacts(sql, account.userId, { asOf, full: true });
    const fullSeconds = (performance.now() - t) / 1000;

    await ingestMail(sql, target, fresh, []);
    const later = new Date(end.getTime() + 3_600_000);
    t = performance.now();
    const incremental = await refreshContacts(sql, account.userId, { asOf: later });
    const incrementalSeconds = (performance.now() - t) / 1000;
    const incrementalTable = await sql`
      select contact, strength, last_contact_at, sent_count, received_count, cadence_days from contacts
       where user_id = ${account.userId} order by contact collate "C"`;

    // The same state from scratch: the incremental result must be exactly it.
    t = performance.now();
    await refreshContacts(sql, account.userId, { asOf: later, full: true });
    const fullAgainSeconds = (performance.now() - t) / 1000;
    const fullTable = await sql`
      select contact, strength, last_contact_at, sent_count, received_count, cadence_days from contacts
       where user_id = ${account.userId} order by contact collate "C"`;

    t = performance.now();
    await naiveRecompute(sql, account.userId, later);
    const naiveSeconds = (performance.now() - t) / 1000;

    return {
      interactions,
      contacts: full.contacts,
      fullSeconds: round(fullSeconds, 3),
      fullSecondsAfterSmallSync: round(fullAgainSeconds, 3),
      smallSyncMessages: options.smallSync,
      incrementalSeconds: round(incrementalSeconds, 3),
      incrementalInteractionsRead: incremental.interactionsRead,
      incrementalAddresses: incremental.addresses,
      incrementalRolledForward: incremental.rolledForward,
      incrementalEqualsFull: JSON.stringify(incrementalTable) === JSON.stringify(fullTable),
      naiveSeconds: round(naiveSeconds, 3),
      speedupIncrementalVsNaive: round(naiveSeconds / incrementalSeconds, 1),
      speedupFullVsNaive: round(naiveSeconds / fullSeconds, 2),
      target: { fullSeconds: 1 },
    };
  } finally {
    await database.drop();
  }
}
