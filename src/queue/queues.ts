/**
 * Queue names, for every part that names a queue: the workers that run them (src/workers/,
 * one file per queue with its payload schema and job options), the web app's queue dashboard
 * and metrics, and chaos. Queues are nouns, jobs are verbs; payloads carry ids only.
 */
export const SYNC_QUEUE = 'sync';
export const CONTACTS_QUEUE = 'contacts';
export const DIGEST_QUEUE = 'digest';
