/**
 * Applies a reply's commands against the digest it answered, in one transaction, exactly
 * once: either as a new inbound message (keyed by its Message-ID) or as a held reply its owner
 * confirmed through the link rekindle sent them.
 *
 * The reply is only an adapter: its commands become verdicts (commands-to-verdicts.ts), and
 * src/verdicts/ applies them and keeps the one journal that every channel's undo reads. Undo
 * comes first, so a reply's "undo" takes back the user's latest change before this reply —
 * made by reply, link or settings — never this reply's own.
 */
import type { Sql } from 'postgres';
import type { InboundChannel, ReplyOutcome } from '../db/schema.ts';
import { digestItems, type DigestRow } from '../digest/find-digest.ts';
import { applyVerdicts } from '../verdicts/apply-verdicts.ts';
import { lockUser, type JournalChange } from '../verdicts/journal.ts';
import { undoLast } from '../verdicts/undo-verdicts.ts';
import { commandsToVerdicts } from './commands-to-verdicts.ts';
import type { ReplyCommand } from './parse-commands.ts';
import type { ConfirmationContent, UndoneItem } from './render-confirmation.ts';

export type ApplyTarget =
  | {
      kind: 'new';
      dedupeKey: string;
      channel: InboundChannel | null;
      sender: string | null;
      auth: string | null;
      /** Hashes of its DKIM signatures of the sender's domain (handle-reply.ts): one already seen makes it a copy. */
      signatures: string[];
    }
  | { kind: 'held'; id: string };

export interface Applied {
  replyId: string;
  userId: string;
  outcome: ReplyOutcome;
  content: ConfirmationContent;
  /** A "more" list to send now (queued in this transaction). */
  moreDigestId: string | null;
  /** The journal entry of what this reply changed (for an undo link); null when it changed nothing. */
  entryId: string | null;
}

/**
 * Null when this message (or this held reply) was applied before; `copy` when a message of
 * this user carried one of its DKIM signatures (checked under the user's lock, so two copies
 * arriving at once cannot both apply).
 */
export async function applyCommands(
  sql: Sql,
  input: { target: ApplyTarget; digest: DigestRow; commands: ReplyCommand[]; now: Date; messageIdDomain: string },
): Promise<Applied | 'copy' | null> {
  const { digest, commands, now } = input;
  return sql.begin(async (tx) => {
    await lockUser(tx, digest.userId);
    let replyId: string;
    if (input.target.kind === 'new') {
      const t = input.target;
      if (t.signatures.length > 0) {
        const [seen] =
          await tx`select 1 from inbound_replies where user_id = ${digest.userId} and signatures && ${tx.array(t.signatures)}::text[] limit 1`;
        if (seen) return 'copy' as const;
      }
      const [row] = await tx<{ id: string }[]>`
        insert into inbound_replies (dedupe_key, digest_id, user_id, outcome, commands, channel, sender, auth, signatures)
        values (${t.dedupeKey}, ${digest.id}, ${digest.userId}, 'no_commands', ${tx.json(commands as never)}, ${t.channel}, ${t.sender}, ${t.auth},
                ${t.signatures.length > 0 ? tx.array(t.signatures) : null})
        on conflict (dedupe_key) do nothing returning id`;
      if (!row) return null;
      replyId = row.id;
    } else {
      const [row] = await tx<{ id: string }[]>`
        update inbound_replies set confirmed_at = ${now}
         where id = ${input.target.id} and user_id = ${digest.userId} and confirmed_at is null and outcome in ('wrong_sender', 'unverified')
        returning id`;
      if (!row) return null;
      replyId = row.id;
    }
    const items = await digestItems(tx, digest.id);
    const meant = commandsToVerdicts(commands, items, {
      now,
      timezone: digest.timezone,
      weekOf: digest.weekOf,
      recipient: digest.email,
      messageIdDomain: input.messageIdDomain,
    });
    const content: ConfirmationContent = {
      changes: meant.said,
      undone: [],
      nothingToUndo: false,
      unsubscribed: meant.unsubscribed,
      paused: meant.paused || undefined,
      resumed: meant.resumed || undefined,
      ignored: meant.ignored,
      timezone: digest.timezone,
    };

    for (let n = 0; n < meant.undos; n++) {
      const undone = await undoLast(tx, digest.userId, 'reply', now);
      if (!undone) {
        content.nothingToUndo = true;
        continue;
      }
      (content.undoneFrom ??= []).push(undone.source);
      for (const change of undone.restored) {
        if (change.kind === 'list') content.undoneSettings = true;
        else addOnce(content.undone, change);
      }
      for (const change of undone.kept) if (change.kind !== 'list') addOnce((content.kept ??= []), change);
    }

    const applied = await applyVerdicts(tx, digest.userId, meant.verdicts, { source: 'reply', replyId }, now);
    const moreDigestId = applied.more && 'digestId' in applied.more ? applied.more.digestId : null;
    if (applied.more && 'limit' in applied.more) content.more = { limit: applied.more.limit };
    else if (moreDigestId) content.more = { sent: 0 };

    const outcome: ReplyOutcome =
      content.changes.length > 0 ||
      content.undone.length > 0 ||
      content.undoneSettings ||
      content.paused ||
      content.resumed ||
      moreDigestId !== null
        ? 'applied'
        : content.unsubscribed
          ? 'unsubscribed'
          : 'no_commands';
    await tx`update inbound_replies set outcome = ${outcome}, commands = ${tx.json(commands as never)} where id = ${replyId}`;
    return { replyId, userId: digest.userId, outcome, content, moreDigestId, entryId: applied.entryId };
  });
}

function addOnce(list: UndoneItem[], change: Exclude<JournalChange, { kind: 'list' }>): void {
  if (!list.some((x) => x.position === change.position && x.name === change.name))
    list.push({ name: change.name, position: change.position });
}
