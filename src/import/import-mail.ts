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
import { scanMessage, type ScannedMessage } from './scan-headers.ts';

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
  /** True when stopRequested ended the import early: a second run carries on. */
  interrupted?: boolean;
}

export interface MailImportOptions {
  storeSubjects: boolean;
  /** Called after every batch with the number of messages read so far. */
  onProgress?: (read: number) => void;
  /** Checked before each batch: true stops the import after the batches already written. */
  stopRequested?: () => boolean;
}

/**
 * Feeds local mail through the same ingestion as a live mailbox: header block → the
 * provider-neutral MessageMeta → `ingestMail` (interactions, `mail_messages`), in batches,
 * each one transaction. Idempotent: messages are named by their header block, so a second
 * run of the same files finds every one already imported and changes nothing, and a run
 * that was killed half-way (SIGKILL included) carries on where its last committed batch
 * ended. Takes messages already scanned (scan-pool.ts, worker threads) or raw header blocks
 * (scanned here). Holds two batches in memory: one being written while the next is read.
 */
export async function importMail(
  sql: Sql,
  account: LocalAccount,
  messages: AsyncIterable<RawMessage | ScannedMessage>,
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
  let batch: ScannedMessage[] = [];
  let learned: string[] = [];
  // The batch being written while the next one is read and parsed, and its ids: Postgres
  // does not know them until it commits. One write at a time, in order.
  let writing: Promise<void> = Promise.resolve();
  let writingIds = new Set<string>();

  const flush = async () => {
    if (batch.length === 0) return;
    const current = batch;
    const learnedNow = learned;
    batch = [];
    learned = [];
    const fresh = (await unseenRefs(sql, account.accountId, current)).filter((r) => !writingIds.has(r.providerId));
    const byId = new Map(current.map((scanned) => [scanned.providerId, scanned]));
    const metas: MessageMeta[] = [];
    const skipped: SkippedMessage[] = [];
    for (const { providerId } of fresh) {
      const result = byId.get(providerId)!.result;
      if ('skipped' in result) skipped.push(result.skipped);
      else metas.push(result.message);
    }
    await writing;
    summary.alreadyImported += current.length - fresh.length;
    for (const address of learnedNow) account.addresses.add(address);
    // The owner as of this batch: the next one may learn more while this one is written.
    const target = {
      userId: account.userId,
      accountId: account.accountId,
      owner: createOwner(account.addresses),
      storeSubjects: options.storeSubjects,
    };
    writingIds = new Set(fresh.map((r) => r.providerId));
    writing = (async () => {
      if (learnedNow.length > 0) {
        await addUserAliases(sql, account.userId, learnedNow, 'learned');
        summary.learnedAddresses.push(...learnedNow);
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

  for await (const item of messages) {
    summary.read++;
    const scanned = 'result' in item ? item : scanRaw(item);
    // Every sent message teaches, imported before or not: a re-run after an interruption
    // learns exactly what one clean run would have.
    if ('message' in scanned.result) learned.push(...learner.observe(scanned.result.message));
    batch.push(scanned);
    if (batch.length >= IMPORT_BATCH) {
      await flush();
      if (options.stopRequested?.()) {
        summary.interrupted = true;
        break;
      }
    }
  }
  if (!summary.interrupted) await flush();
  await writing;
  summary.unresolved = await countUnresolved(sql, account.userId);
  return summary;
}

/** A raw header block, scanned in this thread. */
export function scanRaw(raw: RawMessage): ScannedMessage {
  return scanMessage(raw, raw.providerId);
}

/** Header block → MessageMeta through the full parse (every header split out): the import's baseline and its reference. */
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
