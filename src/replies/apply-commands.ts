/**
 * Applies a reply's commands against the digest it answered, in one transaction, exactly
 * once: either as a new inbound message (keyed by its Message-ID) or as a held reply its owner
 * confirmed through the link rekindle sent them. Replies of one user are serialized (a lock on
 * their row), so `undo` always sees the latest state.
 *
 * done / snooze / never mark that digest's own entries (numbers and names resolve against its
 * items only); pause, resume and stop change the weekly list; undo takes back the last applied
 * reply (marks and list settings alike); more queues a list of the next people, sent by the
 * caller once this commits.
 */
import { randomUUID } from 'node:crypto';
import type { Sql, TransactionSql } from 'postgres';
import type { InboundChannel, MarkStatus, ReplyOutcome } from '../db/schema.ts';
import { writeMark, type StoredMark } from '../digest/write-mark.ts';
import { DIGEST_CLAIM_SECONDS } from '../digest/schedule-digests.ts';
import { describeCommand, snoozeEnd, type ReplyCommand } from './parse-commands.ts';
import type { AppliedChange, ConfirmationContent } from './render-confirmation.ts';
import { resolveEntries } from './resolve-entries.ts';

/** "more" lists one user may ask for in seven days. */
export const MORE_PER_WEEK = 3;

export interface DigestRow {
  id: string;
  userId: string;
  status: string;
  token: string;
  messageId: string;
  subject: string | null;
  weekOf: string;
  sentAt: Date | null;
  email: string;
  name: string | null;
  timezone: string;
}

/** `select … from digests d join users u` for a DigestRow; add the where clause. */
export const selectDigest = (sql: Sql) => sql`
  select d.id, d.user_id as "userId", d.status, d.token, d.message_id as "messageId", d.subject, d.week_of::text as "weekOf",
         coalesce(d.sent_at, d.handed_to_smtp_at) as "sentAt", u.email, u.name, u.timezone
    from digests d join users u on u.id = d.user_id`;

interface DigestState {
  pausedAt: string | null;
  pausedReason: string | null;
  stoppedAt: string | null;
}

type StoredChange =
  | { kind?: 'mark'; position: number; contact: string; name: string; verb: 'done' | 'snooze' | 'never'; before: StoredMark | null; after: StoredMark }
  | { kind: 'settings'; before: DigestState; after: DigestState };

export type ApplyTarget =
  | { kind: 'new'; dedupeKey: string; channel: InboundChannel | null; sender: string | null; auth: string | null }
  | { kind: 'held'; id: string };

export interface Applied {
  replyId: string;
  outcome: ReplyOutcome;
  content: ConfirmationContent;
  /** A "more" list to send now (queued in this transaction). */
  moreDigestId: string | null;
}

/** Null when this message (or this held reply) was applied before. */
export async function applyCommands(
  sql: Sql,
  input: { target: ApplyTarget; digest: DigestRow; commands: ReplyCommand[]; now: Date; messageIdDomain: string },
): Promise<Applied | null> {
  const { digest, commands, now } = input;
  return sql.begin(async (tx) => {
    await tx`select 1 from users where id = ${digest.userId} for update`;
    let replyId: string;
    if (input.target.kind === 'new') {
      const t = input.target;
      const [row] = await tx<{ id: string }[]>`
        insert into inbound_replies (dedupe_key, digest_id, user_id, outcome, commands, channel, sender, auth)
        values (${t.dedupeKey}, ${digest.id}, ${digest.userId}, 'no_commands', ${tx.json(commands as never)}, ${t.channel}, ${t.sender}, ${t.auth})
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
    const items = await tx<{ position: number; contact: string; email: string; name: string | null }[]>`
      select position, contact, email, name from digest_items where digest_id = ${digest.id} order by position`;
    const byPosition = new Map(items.map((i) => [i.position, i]));
    const changes: StoredChange[] = [];
    const content: ConfirmationContent = { changes: [], undone: [], nothingToUndo: false, unsubscribed: false, ignored: [], timezone: digest.timezone };
    let moreDigestId: string | null = null;

    for (const command of commands) {
      switch (command.verb) {
        case 'undo': {
          const undone = await undoLast(tx, digest.userId, replyId);
          if (!undone) content.nothingToUndo = true;
          else {
            for (const u of undone.marks) if (!content.undone.some((x) => x.position === u.position && x.name === u.name)) content.undone.push(u);
            if (undone.settings) content.undoneSettings = true;
          }
          continue;
        }
        case 'pause':
        case 'resume':
        case 'stop': {
          const change = await changeDigestState(tx, digest.userId, command.verb, now);
          if (change) changes.push(change);
          if (command.verb === 'pause') content.paused = true;
          else if (command.verb === 'resume') content.resumed = true;
          else content.unsubscribed = true;
          continue;
        }
        case 'more': {
          if (moreDigestId) continue;
          const [asked] = await tx<{ recent: number }[]>`
            select count(*)::int as recent from digests where user_id = ${digest.userId} and kind = 'more' and created_at > ${now}::timestamptz - interval '7 days'`;
          if ((asked?.recent ?? 0) >= MORE_PER_WEEK) {
            content.more = { limit: MORE_PER_WEEK };
            continue;
          }
          const [row] = await tx<{ id: string }[]>`
            insert into digests (user_id, week_of, kind, requested_by, status, token, message_id, recipient, lease_until, attempts)
            values (${digest.userId}, ${digest.weekOf}, 'more', ${replyId}, 'queued', ${randomUUID().replace(/-/g, '')},
                    ${`<rk.${randomUUID().replace(/-/g, '')}@${input.messageIdDomain}>`}, ${digest.email},
                    ${now}::timestamptz + make_interval(secs => ${DIGEST_CLAIM_SECONDS}), 0)
            on conflict (requested_by) do nothing returning id`;
          moreDigestId = row?.id ?? null;
          continue;
        }
        case 'done':
        case 'snooze':
        case 'never': {
          const resolution = resolveEntries(command, items);
          if (!resolution.ok) {
            content.ignored.push(`${describeCommand(command)}: ${resolution.problem}`);
            continue;
          }
          for (const n of resolution.missing) content.ignored.push(`${command.verb} ${n}: there is no ${n} in that list`);
          const until = command.verb === 'snooze' ? snoozeEnd(command, now, digest.timezone) : null;
          if (command.verb === 'snooze' && !until) {
            content.ignored.push(`${describeCommand(command)}: that date has passed or is more than two years away`);
            continue;
          }
          for (const position of resolution.positions) {
            const item = byPosition.get(position)!;
            const [current] = await tx<{ status: MarkStatus; markedAt: Date; until: Date | null }[]>`
              select status, marked_at as "markedAt", until from contact_marks where user_id = ${digest.userId} and contact = ${item.contact}`;
            const after: StoredMark = { status: command.verb === 'snooze' ? 'snoozed' : command.verb, markedAt: now.toISOString(), until: until?.toISOString() ?? null };
            await writeMark(tx, digest.userId, item.contact, after);
            const name = item.name ?? item.email;
            changes.push({
              kind: 'mark',
              position,
              contact: item.contact,
              name,
              verb: command.verb,
              before: current ? { status: current.status, markedAt: current.markedAt.toISOString(), until: current.until?.toISOString() ?? null } : null,
              after,
            });
            content.changes.push({ position, name, verb: command.verb, until } satisfies AppliedChange);
          }
        }
      }
    }
    const outcome: ReplyOutcome =
      content.changes.length > 0 || content.undone.length > 0 || content.undoneSettings || content.paused || content.resumed || moreDigestId !== null
        ? 'applied'
        : content.unsubscribed
          ? 'unsubscribed'
          : 'no_commands';
    if (moreDigestId) content.more = { sent: 0 };
    await tx`update inbound_replies set outcome = ${outcome}, changes = ${tx.json(changes as never)}, commands = ${tx.json(commands as never)} where id = ${replyId}`;
    return { replyId, outcome, content, moreDigestId };
  });
}

/** Takes back the user's last applied reply that changed something (not `exceptId`, the undo itself). */
async function undoLast(tx: TransactionSql, userId: string, exceptId: string): Promise<{ marks: { position: number; name: string }[]; settings: boolean } | null> {
  const [target] = await tx<{ id: string; changes: StoredChange[] }[]>`
    select id, changes from inbound_replies
     where user_id = ${userId} and id <> ${exceptId} and outcome in ('applied', 'unsubscribed') and undone_at is null
       and jsonb_array_length(changes) > 0
     order by coalesce(confirmed_at, created_at) desc limit 1`;
  if (!target) return null;
  const marks: { position: number; name: string }[] = [];
  let settings = false;
  for (const change of [...target.changes].reverse()) {
    if (change.kind === 'settings') {
      await writeDigestState(tx, userId, change.before);
      settings = true;
    } else {
      await writeMark(tx, userId, change.contact, change.before);
      marks.push({ position: change.position, name: change.name });
    }
  }
  await tx`update inbound_replies set undone_at = now() where id = ${target.id}`;
  return { marks, settings };
}

async function changeDigestState(tx: TransactionSql, userId: string, verb: 'pause' | 'resume' | 'stop', now: Date): Promise<StoredChange | null> {
  const [row] = await tx<{ pausedAt: Date | null; pausedReason: string | null; stoppedAt: Date | null }[]>`
    select digest_paused_at as "pausedAt", digest_paused_reason as "pausedReason", digest_stopped_at as "stoppedAt" from users where id = ${userId}`;
  if (!row) return null;
  const before: DigestState = { pausedAt: row.pausedAt?.toISOString() ?? null, pausedReason: row.pausedReason, stoppedAt: row.stoppedAt?.toISOString() ?? null };
  const after: DigestState =
    verb === 'pause'
      ? { ...before, pausedAt: before.pausedAt ?? now.toISOString(), pausedReason: 'user' }
      : verb === 'resume'
        ? { pausedAt: null, pausedReason: null, stoppedAt: null }
        : { ...before, stoppedAt: before.stoppedAt ?? now.toISOString() };
  if (JSON.stringify(before) === JSON.stringify(after)) return null;
  await writeDigestState(tx, userId, after);
  return { kind: 'settings', before, after };
}

async function writeDigestState(tx: TransactionSql, userId: string, state: DigestState): Promise<void> {
  await tx`
    update users set digest_paused_at = ${state.pausedAt}, digest_paused_reason = ${state.pausedReason}, digest_stopped_at = ${state.stoppedAt}
     where id = ${userId}`;
}

