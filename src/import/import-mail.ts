import type { Sql } from 'postgres';
import { addUserAliases } from '../accounts/connect-account.ts';
import { createOwner } from '../contacts/owner.ts';
import { HeaderMap, parseHeaderBlock } from '../mail/header-block.ts';
import { messageMetaFromHeaders } from '../mail/message-meta.ts';
import type { MessageMeta, SkippedMessage } from '../mail/types.ts';
import { ingestMail, unseenRefs } from '../sync/ingest-mail.ts';
import { countUnresolved, type UnresolvedCount } from '../sync/resolve-pending.ts';
import { OwnerAddressLearner } from './learn-owner-addresses.ts';
import type { LocalAccount } from './local-account.ts';
import type { RawMessage } from './raw-message.ts';

/** Messages per transaction: big enough to amortize round trips, small enough to stay light. */
export const IMPORT_BATCH = 2_000;

export interface MailImportSummary {
  /** Message files or mbox entries read. */
  read: number;
  /** Already imported by an earlier run (same header block): nothing done. */
  alreadyImported: number;
  /** New messages that gave at least one interaction. */
  counted: number;
  /** New messages that gave none, by reason (`automated:list`, `owner-only`, `draft`, …). */
  skipped: Record<string, number>;
  /** New interaction rows. */
  interactions: number;
  /** Addresses learned to be the owner's from their sent mail. */
  learnedAddresses: string[];
  /**
   * Interactions with mailboxes written without an SMTP address (Exchange DNs, bare display
   * names) that the mail never showed an address for: kept aside, not contacts, counted here.
   * For the user as a whole after this import (earlier imports and syncs included).
   */
  unresolved: UnresolvedCount;
}

export interface MailImportOptions {
  storeSubjects: boolean;
  /** Called after every batch with the number of messages read so far. */
  onProgress?: (read: number) => void;
}

/**
 * Feeds local mail through the same ingestion as a live mailbox: header block → the
 * provider-neutral MessageMeta → `ingestMail` (interactions, `mail_messages`), in batches.
 * Idempotent: messages are named by their header block, so a second run of the same files
 * finds every one already imported and changes nothing. Holds two batches in memory: one
 * being written while the next is read.
 */
export async function importMail(
  sql: Sql,
  account: LocalAccount,
  messages: AsyncIterable<RawMessage>,
  options: MailImportOptions,
): Promise<MailImportSummary> {
  const summary: MailImportSummary = {
    read: 0,
    alreadyImported: 0,
    counted: 0,
    skipped: {},
    interactions: 0,
    learnedAddresses: [],
    unresolved: { interactions: 0, mailboxes: 0, messages: 0 },
  };
  const learner = new OwnerAddressLearner(account.addresses);
  let batch: RawMessage[] = [];
  // The batch being written while the next one is read and parsed, and its ids: Postgres
  // does not know them until it commits. One write at a time, in order.
  let writing: Promise<void> = Promise.resolve();
  let writingIds = new Set<string>();

  const flush = async () => {
    if (batch.length === 0) return;
    const current = batch;
    batch = [];
    const fresh = (await unseenRefs(sql, account.accountId, current)).filter((r) => !writingIds.has(r.providerId));
    const byId = new Map(current.map((raw) => [raw.providerId, raw]));
    const metas: MessageMeta[] = [];
    const skipped: SkippedMessage[] = [];
    const learned: string[] = [];
    for (const { providerId } of fresh) {
      const raw = byId.get(providerId)!;
      if (raw.skip) {
        skipped.push({ providerId, reason: raw.skip });
        continue;
      }
      const result = metaOf(raw);
      if ('skipped' in result) skipped.push(result.skipped);
      else {
        metas.push(result.message);
        learned.push(...learner.observe(result.message));
      }
    }
    await writing;
    summary.alreadyImported += current.length - fresh.length;
    for (const address of learned) account.addresses.add(address);
    // The owner as of this batch: the next one may learn more while this one is written.
    const target = {
      userId: account.userId,
      accountId: account.accountId,
      owner: createOwner(account.addresses),
      storeSubjects: options.storeSubjects,
    };
    writingIds = new Set(fresh.map((r) => r.providerId));
    writing = (async () => {
      if (learned.length > 0) {
        await addUserAliases(sql, account.userId, learned, 'learned');
        summary.learnedAddresses.push(...learned);
      }
      const result = await ingestMail(sql, target, metas, skipped);
      summary.interactions += result.interactions;
      let skippedCount = 0;
      for (const [reason, count] of result.skipReasons) {
        summary.skipped[reason] = (summary.skipped[reason] ?? 0) + count;
        skippedCount += count;
      }
      summary.counted += fresh.length - skippedCount;
      options.onProgress?.(summary.read);
    })();
    writing.catch(() => {}); // awaited by the next flush or at the end
  };

  for await (const raw of messages) {
    summary.read++;
    batch.push(raw);
    if (batch.length >= IMPORT_BATCH) await flush();
  }
  await flush();
  await writing;
  summary.unresolved = await countUnresolved(sql, account.userId);
  return summary;
}

/** Header block → MessageMeta, with Takeout's thread id when there is one. */
export function metaOf(raw: RawMessage): { message: MessageMeta } | { skipped: SkippedMessage } {
  const headers = parseHeaderBlock(raw.headers);
  const thread = new HeaderMap(headers).get('X-GM-THRID')?.trim() || null;
  return messageMetaFromHeaders(headers, {
    providerId: raw.providerId,
    threadId: thread,
    folder: raw.folder,
    ...(raw.category ? { category: raw.category } : {}),
  });
}
