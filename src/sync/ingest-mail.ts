import type { Sql } from 'postgres';
import { aliasesOf, evidenceOfMessages, isAlias, resolveAliases } from '../contacts/exchange-directory.ts';
import { interactionsFromMessage } from '../contacts/extract-interactions.ts';
import type { InteractionRecord, Owner } from '../contacts/types.ts';
import type { MessageRef } from '../providers/types.ts';
import type { MessageMeta, SkippedMessage } from '../mail/types.ts';
import { insertInteractions } from './insert-interactions.ts';
import { insertPending, loadEvidenceFor, recordEvidence, resolvePending } from './resolve-pending.ts';

export interface MailIngestTarget {
  userId: string;
  accountId: string;
  owner: Owner;
  storeSubjects: boolean;
}

/** Of the listed refs, those this account has never stored: only they cost quota to fetch. */
export async function unseenRefs(sql: Sql, accountId: string, refs: MessageRef[]): Promise<MessageRef[]> {
  if (refs.length === 0) return [];
  const ids = refs.map((r) => r.providerId);
  // One primary-key probe per id. (`provider_id = any(…)` lets the planner scan the whole
  // account and test every row against the list, which it does while a fresh mailbox's
  // statistics are stale: quadratic over a backfill.)
  const known = await sql<{ id: string }[]>`
    select m.provider_id as id
      from unnest(${ids}::text[]) as wanted(id)
      join mail_messages m on m.account_id = ${accountId} and m.provider_id = wanted.id`;
  const seen = new Set(known.map((k) => k.id));
  const unique = new Map<string, MessageRef>();
  for (const ref of refs) if (!seen.has(ref.providerId) && !unique.has(ref.providerId)) unique.set(ref.providerId, ref);
  return [...unique.values()];
}

/**
 * Stores a batch of messages and the interactions they imply, in one transaction. Safe to
 * run twice on the same messages: both inserts ignore rows that already exist, so a retried
 * page or the same message in two mailboxes changes nothing.
 *
 * Mailboxes written without an SMTP address (Exchange DNs, bare display names) are resolved
 * from what the user's mail has shown so far, this batch included (exchange-directory.ts);
 * interactions with the rest wait in `pending_interactions`, and what this batch shows
 * resolves earlier ones (resolve-pending.ts).
 */
export async function ingestMail(
  sql: Sql,
  target: MailIngestTarget,
  messages: MessageMeta[],
  skipped: SkippedMessage[],
): Promise<{ interactions: number; malformed: SkippedMessage[]; skipReasons: Map<string, number>; pending: number }> {
  const ownerAddress = [...target.owner.addresses].sort()[0] ?? null;
  const learned = evidenceOfMessages(messages, ownerAddress);
  const aliases = [...new Set(messages.flatMap(aliasesOf))].sort();
  const extract = (resolve: (alias: string) => string | null) => {
    const rows: MessageRow[] = [];
    const interactions: InteractionRecord[] = [];
    const pending: InteractionRecord[] = [];
    for (const message of messages) {
      const result = interactionsFromMessage(message, target.owner, {
        accountId: target.accountId,
        storeSubjects: target.storeSubjects,
        resolve,
      });
      for (const record of result.interactions) (isAlias(record.contact) ? pending : interactions).push(record);
      rows.push({
        providerId: message.providerId,
        threadId: message.threadId,
        messageId: message.internetMessageId,
        sentAt: message.date,
        folder: message.folder,
        skipReason: result.skipReason,
      });
    }
    for (const skip of skipped) {
      rows.push({ providerId: skip.providerId, threadId: null, messageId: null, sentAt: null, folder: null, skipReason: skip.reason });
    }
    return { rows, interactions, pending };
  };
  // Without aliases, extraction needs nothing from the database: done before the transaction.
  let extracted = aliases.length === 0 ? extract(() => null) : null;
  if (extracted === null) {
    const evidence = await sql.begin(async (tx) => {
      await recordEvidence(tx, target.userId, target.accountId, learned);
      return loadEvidenceFor(tx, target.userId, aliases);
    });
    const resolved = resolveAliases(aliases, evidence, target.owner);
    extracted = extract((alias) => resolved.get(alias) ?? null);
  }
  const { rows, interactions, pending } = extracted;
  const malformed = rows
    .filter((r) => r.skipReason !== null && MALFORMED.test(r.skipReason))
    .map((r) => ({ providerId: r.providerId, reason: r.skipReason! }));
  // Why messages gave nothing, for import summaries: `automated:list`, `owner-only`, …
  const skipReasons = new Map<string, number>();
  for (const r of rows) if (r.skipReason !== null) skipReasons.set(r.skipReason, (skipReasons.get(r.skipReason) ?? 0) + 1);
  if (rows.length === 0) return { interactions: 0, malformed, skipReasons, pending: 0 };

  let inserted = 0;
  await sql.begin(async (tx) => {
    const stored = await tx`
      insert into mail_messages (account_id, provider_id, thread_id, internet_message_id, sent_at, folder, skip_reason)
      select ${target.accountId}, * from unnest(
        ${rows.map((r) => r.providerId)}::text[],
        ${rows.map((r) => r.threadId)}::text[],
        ${rows.map((r) => r.messageId)}::text[],
        ${rows.map((r) => r.sentAt?.toISOString() ?? null)}::timestamptz[],
        ${rows.map((r) => r.folder)}::text[],
        ${rows.map((r) => r.skipReason)}::text[])
      on conflict do nothing`;
    // Counted where the rows land, so progress stays exact across crashes and retries.
    if (stored.count > 0) {
      await tx`update sync_streams set items_synced = items_synced + ${stored.count}
                where account_id = ${target.accountId} and stream = 'mail'`;
    }
    inserted = await insertInteractions(tx, target.userId, target.accountId, interactions);
    if (pending.length > 0) await insertPending(tx, target.userId, target.accountId, pending);
    if (aliases.length === 0) await recordEvidence(tx, target.userId, target.accountId, learned);
    // What this batch showed may resolve mailboxes earlier batches could not.
    inserted += await resolvePending(tx, target.userId, target.owner, learned);
  });
  return { interactions: inserted, malformed, skipReasons, pending: pending.length };
}

interface MessageRow {
  providerId: string;
  threadId: string | null;
  messageId: string | null;
  sentAt: Date | null;
  folder: string | null;
  skipReason: string | null;
}

/** Skip reasons that mean broken mail (worth a log line), as opposed to mail that is just not personal. */
const MALFORMED = /^(malformed:|no-sender$|invalid-sender$)/;
