/**
 * What the "same mailbox, same answer" tests compare between two sides (one provider each, its
 * own database and worker): contact summaries, the reconnect list and a preview's context. Each
 * side is read the same way, so any difference is the provider's.
 */
import { loadIdentityDecisions } from '../src/contact-store/identity-decisions.ts';
import { loadInteractions } from '../src/contact-store/load-interactions.ts';
import { computeContacts } from '../src/contacts/compute-contacts.ts';
import { selectReconnects } from '../src/contacts/select-reconnects.ts';
import type { ContactSummary } from '../src/contacts/types.ts';
import type { WorkerHandle } from '../src/workers/start-worker.ts';
import type { TestDatabase } from './test-database.ts';

export interface Side {
  database: TestDatabase;
  worker: WorkerHandle;
  userId: string;
}

/**
 * The comparison is of inference, so no digest may go out meanwhile: a weekly digest sent
 * mid-sync on one side only (its timing follows the machine's load) would rest its people there
 * and change that side's preview. So the user exists, paused, before the mailbox connects.
 */
export async function createPausedUser(database: TestDatabase, email: string): Promise<void> {
  await database.sql`insert into users (email, digest_paused_at, digest_paused_reason) values (${email}, now(), 'user')`;
}

/** A contact without what is only a provider's name for things (thread and conversation ids). */
export function comparable(contact: ContactSummary) {
  const { lastThreadKey: _threadKey, ...rest } = contact;
  return rest;
}

/** The side's contacts, computed from its stored interactions and identity decisions. */
export async function computedContacts(side: Side, asOf: Date): Promise<ContactSummary[]> {
  return computeContacts(await loadInteractions(side.database.sql, side.userId), {
    asOf,
    identities: await loadIdentityDecisions(side.database.sql, side.userId),
  });
}

/** The side's reconnect list of five, with each person's score and reason. */
export async function reconnectList(side: Side, asOf: Date) {
  return selectReconnects(await computedContacts(side, asOf), new Map(), { asOf, budget: 5 }).map((c) => ({
    contact: c.contact.key,
    score: c.score,
    reason: c.reason,
    daysSinceLastContact: c.daysSinceLastContact,
    expectedGapDays: c.expectedGapDays,
  }));
}

/** How many people of a preview (JSON) come with a meeting shared, and with a mutual connection. */
export function previewContext(preview: string): { meetings: number; mutuals: number } {
  const items = JSON.parse(preview).items as { lastSharedMeeting: unknown; mutualConnection: unknown }[];
  return { meetings: items.filter((i) => i.lastSharedMeeting).length, mutuals: items.filter((i) => i.mutualConnection).length };
}
