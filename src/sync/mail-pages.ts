import type { Logger } from 'pino';
import type { Sql } from 'postgres';
import type { MailPage, MessageRef, ProviderAccount } from '../providers/types.ts';
import type { MessageMeta, SkippedMessage } from '../mail/types.ts';
import { ingestMail, unseenRefs, type MailIngestTarget } from './ingest-mail.ts';

/** One page, committed: the engine may now store its cursor. */
export interface CommittedPage {
  items: number;
  oldest: Date | null;
  caughtUp: boolean;
  phase: 'backfill' | 'incremental';
  cursor: unknown;
}

export interface MailPagesOptions {
  sql: Sql;
  provider: ProviderAccount;
  target: MailIngestTarget;
  logger: Logger;
  /** Pages to read at most. */
  maxPages: number;
  /** Messages committed together; a crash loses at most this much fetched work (plus what is in flight). */
  commitBatch: number;
}

/**
 * Reads mail pages as a pipeline, so the provider quota never idles: the next page is listed
 * while this one is fetched, its messages join the same request gate as soon as they are
 * known, and fetched messages are committed in small batches as they arrive. Pages are still
 * yielded strictly in order and only once everything they listed is committed, so a cursor
 * never runs ahead of its data.
 */
export async function* readMailPages(cursor: unknown, options: MailPagesOptions): AsyncGenerator<CommittedPage> {
  const { provider, logger } = options;
  // Refs already fetched (or being fetched) by this job: Gmail lists every sent message again
  // in all mail, and history repeats messages; the database only knows committed ones.
  const dispatched = new Set<string>();
  // Every batch of fetches started and not yet yielded, for the finally below.
  const outstanding = new Set<Promise<Committed>>();
  let listing: Promise<MailPage> | null = provider.mail.nextPage(cursor);
  let listed = 0;
  let previous: { page: MailPage; committed: Promise<Committed> } | null = null;
  try {
    while (listing) {
      let page: MailPage;
      try {
        page = await listing;
      } catch (error) {
        // Keep what the previous page achieved before giving up on the listing.
        if (previous) yield await finish(previous, outstanding);
        throw error;
      }
      listed++;
      const fresh = (await unseenRefs(options.sql, options.target.accountId, page.refs)).filter((r) => !dispatched.has(r.providerId));
      for (const ref of fresh) dispatched.add(ref.providerId);
      // The next listing goes through the gate before this page's fetches, not behind them:
      // it is then back long before they run out, and the quota never waits on a listing.
      listing = !page.caughtUp && listed < options.maxPages ? provider.mail.nextPage(page.cursor) : null;
      listing?.catch(() => {}); // awaited at the top of the loop
      const committed = fetchAndCommit(fresh, options);
      outstanding.add(committed);
      committed.catch(() => {}); // awaited in order below
      const ready = previous;
      previous = { page, committed };
      if (ready) yield await finish(ready, outstanding);
    }
    if (previous) yield await finish(previous, outstanding);
  } finally {
    // Stopped early (lease lost, an error): let fetches in flight land, so their quota is not wasted.
    const results = await Promise.allSettled(outstanding);
    for (const r of results) if (r.status === 'rejected') logger.debug({ err: r.reason }, 'an in-flight batch failed');
  }
}

interface Committed {
  items: number;
  oldest: Date | null;
}

async function finish(
  entry: { page: MailPage; committed: Promise<Committed> },
  outstanding: Set<Promise<Committed>>,
): Promise<CommittedPage> {
  const { items, oldest } = await entry.committed;
  outstanding.delete(entry.committed);
  const { page } = entry;
  return { items, oldest, caughtUp: page.caughtUp, phase: page.phase, cursor: page.cursor };
}

/** Fetches refs (all at once; the gate bounds and paces them) and commits them in batches as they arrive. */
async function fetchAndCommit(refs: MessageRef[], options: MailPagesOptions): Promise<Committed> {
  const { sql, provider, target, logger, commitBatch } = options;
  const messages: MessageMeta[] = [];
  const skipped: SkippedMessage[] = [];
  let items = 0;
  let oldest: Date | null = null;
  let writes: Promise<void> = Promise.resolve();

  const flush = () => {
    const batch = messages.splice(0);
    const skips = skipped.splice(0);
    if (batch.length === 0 && skips.length === 0) return;
    items += batch.length;
    for (const m of batch) if (!oldest || m.date < oldest) oldest = m.date;
    writes = writes.then(async () => {
      const { malformed, pending } = await ingestMail(sql, target, batch, skips);
      for (const m of malformed) logger.warn({ providerId: m.providerId, reason: m.reason }, 'skipped a malformed message');
      // Mailboxes written without an address (Exchange DNs, bare names) that this mailbox has not yet shown: kept, counted.
      if (pending > 0)
        logger.info({ pending }, 'interactions wait until the mailbox shows who their Exchange or display-name-only address is');
    });
  };
  const take = (result: { messages: MessageMeta[]; skipped: SkippedMessage[] }) => {
    messages.push(...result.messages);
    skipped.push(...result.skipped);
    if (messages.length + skipped.length >= commitBatch) flush();
  };

  for (const ref of refs) if (ref.meta) take({ messages: [ref.meta], skipped: [] });
  const settled = await Promise.allSettled(refs.filter((r) => !r.meta).map((ref) => provider.mail.hydrate([ref]).then(take)));
  flush();
  await writes;
  const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  // Everything that did arrive is committed; now report what did not.
  if (failure) throw failure.reason;
  return { items, oldest };
}
