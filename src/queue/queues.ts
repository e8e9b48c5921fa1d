/**
 * Queue names and job payloads. Queues are nouns, jobs are verbs; payloads carry ids only
 * (never tokens or addresses) and are checked when a worker picks them up.
 */
import { z } from 'zod';

export const SYNC_QUEUE = 'sync';
export const CONTACTS_QUEUE = 'contacts';
export const DIGEST_QUEUE = 'digest';

export const syncStreamJob = z.object({
  accountId: z.uuid(),
  stream: z.enum(['mail', 'calendar']),
});
export type SyncStreamJob = z.infer<typeof syncStreamJob>;

export const recomputeContactsJob = z.object({ userId: z.uuid() });
export type RecomputeContactsJob = z.infer<typeof recomputeContactsJob>;

export const sendDigestJob = z.object({ digestId: z.uuid() });
export type SendDigestJob = z.infer<typeof sendDigestJob>;

export interface JobsByName {
  'sync-stream': SyncStreamJob;
  'recompute-contacts': RecomputeContactsJob;
  'send-digest': SendDigestJob;
}
