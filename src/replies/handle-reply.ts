/**
 * The one entry point for a reply to a digest, whatever channel brought it: raw MIME in,
 * marks changed and a confirmation sent. The SMTP listener calls it today; an IMAP poller or
 * a webhook hands it the same bytes.
 *
 * In order: read the message; ignore software (auto-replies, bounces, lists); find the digest
 * by the token in the reply address, or by References; accept only the digest owner's own
 * addresses; refuse digests older than the reply window; read the commands from the lines the
 * person wrote; apply them against that digest's own numbered items, once per Message-ID;
 * then confirm. Nothing is ever sent to a sender that is not the owner, nor to software.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Sql, TransactionSql } from 'postgres';
import { normalizeAddress } from '../contacts/normalize-address.ts';
import type { MarkStatus, ReplyOutcome } from '../db/schema.ts';
import { formatDate } from '../digest/render-digest.ts';
import type { Mailer, SentMail } from '../mailer/create-mailer.ts';
import { addDuration, type ReplyCommand } from './parse-commands.ts';
import { readCommands, readInbound, type InboundMail } from './read-reply.ts';
import { renderConfirmation, type AppliedChange, type ConfirmationContent } from './render-confirmation.ts';

export interface ReplySettings {
  mailFrom: string;
  inboundDomain: string;
  replyWindowDays: number;
}

export interface ReplyDeps {
  sql: Sql;
  mailer: Mailer;
  logger: Logger;
  settings: ReplySettings;
  now?: () => Date;
}

/** What the channel saw in the SMTP envelope (an IMAP or webhook channel may not know it). */
export interface Envelope {
  /** `''` for the null sender `<>` of bounces and auto-replies. */
  mailFrom: string | null;
  rcptTo: string[];
}

export interface ReplyResult {
  outcome: ReplyOutcome | 'duplicate' | 'unreadable';
  detail?: string;
  digestId?: string;
  commands?: ReplyCommand[];
  ignored?: string[];
  confirmation?: SentMail | null;
}

interface DigestRow {
  id: string;
  userId: string;
  status: string;
  token: string;
  messageId: string;
  subject: string | null;
  sentAt: Date | null;
  email: string;
  name: string | null;
  timezone: string;
}

interface StoredMark {
  status: MarkStatus;
  markedAt: string;
  until: string | null;
}

interface StoredChange {
  position: number;
  contact: string;
  name: string;
  verb: 'done' | 'snooze' | 'never';
  before: StoredMark | null;
  after: StoredMark;
}

const TOKEN = /^reply\+([a-z0-9]{16,64})@/i;

export async function handleInboundMessage(deps: ReplyDeps, raw: Buffer, envelope?: Envelope): Promise<ReplyResult> {
  const { sql, settings } = deps;
  const now = deps.now?.() ?? new Date();
  let mail: InboundMail;
  try {
    mail = await readInbound(raw);
  } catch (error) {
    deps.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'unreadable inbound message ignored');
    return { outcome: 'unreadable' };
  }
  const dedupeKey = mail.messageId ?? `sha256:${createHash('sha256').update(raw).digest('hex')}`;
  const logger = deps.logger.child({ inbound: dedupeKey.slice(0, 80) });
  const record = async (outcome: ReplyOutcome, fields: { detail?: string; digestId?: string; userId?: string } = {}): Promise<ReplyResult> => {
    const rows = await sql`
      insert into inbound_replies (dedupe_key, digest_id, user_id, outcome, detail)
      values (${dedupeKey}, ${fields.digestId ?? null}, ${fields.userId ?? null}, ${outcome}, ${fields.detail ?? null})
      on conflict (dedupe_key) do nothing returning 1`;
    if (rows.length === 0) return { outcome: 'duplicate', digestId: fields.digestId };
    logger.info({ outcome, detail: fields.detail }, 'inbound message ignored');
    return { outcome, detail: fields.detail, digestId: fields.digestId };
  };

  // Software first: an out-of-office or a bounce must never be answered, whoever it claims to be.
  const automated = mail.automated ?? (envelope?.mailFrom === '' ? 'null-sender' : null);
  if (automated) return record('automated', { detail: automated });

  const digest = await findDigest(sql, [...mail.recipients, ...(envelope?.rcptTo ?? [])], mail.references);
  if (!digest || !['sending', 'sent', 'unknown'].includes(digest.status)) return record('unknown_digest');
  const ids = { digestId: digest.id, userId: digest.userId };

  const from = mail.from ? normalizeAddress(mail.from) : null;
  if (!from || !(await ownAddresses(sql, digest)).has(from)) return record('wrong_sender', { ...ids, detail: 'sender' });

  const sentAt = digest.sentAt ?? now;
  if (now.getTime() - sentAt.getTime() > settings.replyWindowDays * 86_400_000) {
    const result = await record('stale_digest', ids);
    if (result.outcome === 'duplicate') return result;
    const notice =
      `Your reply was to the list of ${formatDate(sentAt, digest.timezone)}, more than ${settings.replyWindowDays} days ago, so nothing was changed: ` +
      'each list’s numbers only count while it is recent. Please reply to your latest list.';
    return { ...result, confirmation: await confirm(deps, digest, mail, { changes: [], undone: [], nothingToUndo: false, unsubscribed: false, ignored: [], timezone: digest.timezone, notice }) };
  }

  const { commands, ignored } = readCommands(mail);
  const applied = await applyCommands(sql, { dedupeKey, digest, commands, now });
  if (!applied) return { outcome: 'duplicate', digestId: digest.id };
  logger.info({ outcome: applied.outcome, commands: commands.length, changes: applied.content.changes.length }, 'reply applied');
  const confirmation = await confirm(deps, digest, mail, { ...applied.content, ignored: [...ignored, ...applied.content.ignored] });
  return { outcome: applied.outcome, digestId: digest.id, commands, ignored, confirmation };
}

async function findDigest(sql: Sql, recipients: string[], references: string[]): Promise<DigestRow | null> {
  const tokens = recipients.map((r) => TOKEN.exec(r)?.[1]?.toLowerCase()).filter((t): t is string => t !== undefined);
  const select = sql`
    select d.id, d.user_id as "userId", d.status, d.token, d.message_id as "messageId", d.subject,
           coalesce(d.sent_at, d.handed_to_smtp_at) as "sentAt", u.email, u.name, u.timezone
      from digests d join users u on u.id = d.user_id`;
  if (tokens.length > 0) {
    const [row] = await sql<DigestRow[]>`${select} where d.token = any(${tokens}::text[]) limit 1`;
    if (row) return row;
  }
  if (references.length === 0) return null;
  const [row] = await sql<DigestRow[]>`${select} where d.message_id = any(${references}::text[]) order by d.created_at desc limit 1`;
  return row ?? null;
}

async function ownAddresses(sql: Sql, digest: DigestRow): Promise<Set<string>> {
  const rows = await sql<{ address: string }[]>`select address from user_addresses where user_id = ${digest.userId}`;
  const own = new Set(rows.map((r) => r.address));
  const primary = normalizeAddress(digest.email);
  if (primary) own.add(primary);
  return own;
}

/**
 * Applies the commands in one transaction, in the order written, once per dedupe key (null
 * when this message was applied before). Replies of one user are serialized, so `undo`
 * always sees the latest state.
 */
async function applyCommands(
  sql: Sql,
  input: { dedupeKey: string; digest: DigestRow; commands: ReplyCommand[]; now: Date },
): Promise<{ outcome: ReplyOutcome; content: ConfirmationContent } | null> {
  const { digest, commands, now } = input;
  return sql.begin(async (tx) => {
    await tx`select 1 from users where id = ${digest.userId} for update`;
    const [row] = await tx<{ id: string }[]>`
      insert into inbound_replies (dedupe_key, digest_id, user_id, outcome, commands)
      values (${input.dedupeKey}, ${digest.id}, ${digest.userId}, 'no_commands', ${tx.json(commands as never)})
      on conflict (dedupe_key) do nothing returning id`;
    if (!row) return null;
    const items = new Map(
      (await tx<{ position: number; contact: string; email: string; name: string | null }[]>`
        select position, contact, email, name from digest_items where digest_id = ${digest.id}`).map((i) => [i.position, i]),
    );
    const changes: StoredChange[] = [];
    const content: ConfirmationContent = { changes: [], undone: [], nothingToUndo: false, unsubscribed: false, ignored: [], timezone: digest.timezone };
    for (const command of commands) {
      if (command.verb === 'unsubscribe') {
        await tx`update users set digest_stopped_at = coalesce(digest_stopped_at, now()) where id = ${digest.userId}`;
        content.unsubscribed = true;
        continue;
      }
      if (command.verb === 'undo') {
        const [target] = await tx<{ id: string; changes: StoredChange[] }[]>`
          select id, changes from inbound_replies
           where user_id = ${digest.userId} and id <> ${row.id} and outcome = 'applied' and undone_at is null
             and jsonb_array_length(changes) > 0
           order by created_at desc limit 1`;
        if (!target) {
          content.nothingToUndo = true;
          continue;
        }
        for (const change of [...target.changes].reverse()) {
          await writeMark(tx, digest.userId, change.contact, change.before);
          if (!content.undone.some((u) => u.position === change.position && u.name === change.name)) {
            content.undone.push({ position: change.position, name: change.name });
          }
        }
        await tx`update inbound_replies set undone_at = now() where id = ${target.id}`;
        continue;
      }
      const verb = command.verb;
      for (const position of command.items) {
        const item = items.get(position);
        if (!item) {
          content.ignored.push(`${verb} ${position}: there is no ${position} in that list`);
          continue;
        }
        const [current] = await tx<{ status: MarkStatus; markedAt: Date; until: Date | null }[]>`
          select status, marked_at as "markedAt", until from contact_marks where user_id = ${digest.userId} and contact = ${item.contact}`;
        const until = verb === 'snooze' ? addDuration(now, command.duration ?? '1m') : null;
        const after: StoredMark = { status: verb === 'snooze' ? 'snoozed' : verb, markedAt: now.toISOString(), until: until?.toISOString() ?? null };
        await writeMark(tx, digest.userId, item.contact, after);
        const name = item.name ?? item.email;
        changes.push({
          position,
          contact: item.contact,
          name,
          verb,
          before: current ? { status: current.status, markedAt: current.markedAt.toISOString(), until: current.until?.toISOString() ?? null } : null,
          after,
        });
        content.changes.push({ position, name, verb, until } satisfies AppliedChange);
      }
    }
    const outcome: ReplyOutcome =
      changes.length > 0 || content.undone.length > 0 ? 'applied' : content.unsubscribed ? 'unsubscribed' : 'no_commands';
    await tx`update inbound_replies set outcome = ${outcome}, changes = ${tx.json(changes as never)} where id = ${row.id}`;
    return { outcome, content };
  });
}

async function writeMark(tx: TransactionSql, userId: string, contact: string, mark: StoredMark | null): Promise<void> {
  if (!mark) {
    await tx`delete from contact_marks where user_id = ${userId} and contact = ${contact}`;
    return;
  }
  await tx`
    insert into contact_marks (user_id, contact, status, marked_at, until)
    values (${userId}, ${contact}, ${mark.status}, ${mark.markedAt}, ${mark.until})
    on conflict (user_id, contact) do update set status = excluded.status, marked_at = excluded.marked_at, until = excluded.until`;
}

/** Answers the owner; a failure to send is logged, never undoes what was applied. */
async function confirm(deps: ReplyDeps, digest: DigestRow, mail: InboundMail, content: ConfirmationContent): Promise<SentMail | null> {
  const domain = deps.settings.mailFrom.match(/@([^>\s]+)>?\s*$/)?.[1] ?? 'localhost';
  const subject = mail.subject && /^re:/i.test(mail.subject) ? mail.subject : `Re: ${digest.subject ?? 'your rekindle list'}`;
  try {
    return await deps.mailer.send({
      from: deps.settings.mailFrom,
      to: digest.email,
      replyTo: `reply+${digest.token}@${deps.settings.inboundDomain}`,
      subject,
      text: renderConfirmation(content),
      messageId: `<rk.c.${randomUUID().replace(/-/g, '')}@${domain}>`,
      inReplyTo: mail.messageId ?? undefined,
      references: [digest.messageId, ...(mail.messageId ? [mail.messageId] : [])],
      headers: { 'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All' },
    });
  } catch (error) {
    deps.logger.warn({ err: error instanceof Error ? error.message : String(error), digestId: digest.id }, 'confirmation not sent');
    return null;
  }
}
