import type { Queue } from 'bullmq';
import type { RecomputeContactsJob } from './contacts.ts';
import type { SendDigestJob } from './digest.ts';
import type { SyncStreamJob } from './sync.ts';

/** The queues a worker produces onto, each typed by its job payload. */
export interface Queues {
  sync: Queue<SyncStreamJob>;
  contacts: Queue<RecomputeContactsJob>;
  digest: Queue<SendDigestJob>;
}
