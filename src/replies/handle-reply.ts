/**
 * The one entry point for mail to the inbound address, whatever channel brought it (the SMTP
 * listener, the IMAP mailbox, the webhook): raw MIME in; marks changed, a confirmation sent.
 *
 * In order: read the message; software (bounces, complaints, auto-replies, lists) is never
 * obeyed or answered — a bounce of a digest pauses that user's digests; find the digest by
 * the token in the reply address, or by References; read the commands from the lines the
 * person wrote; then only if the From is the digest owner's own address *and* their mail
 * provider vouches for it (DKIM/DMARC, see authenticate-sender.ts) are they applied, once (by
 * Message-ID and by DKIM signature), against that digest's own entries, and confirmed. Anything else is held: the
 * owner — at their own address, at most once a day per sender and a few a day in all — gets a link to apply it with
 * one click. Nothing is ever sent to anyone but the owner, nor to software.
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { Sql } from 'postgres';
import { normalizeAddress } from '../contacts/normalize-address.ts';
import type { InboundChannel, ReplyOutcome } from '../db/schema.ts';
import { digestForReply, digestForReport, digestItems, type DigestRow } from '../digest/find-digest.ts';
import { formatDate } from '../digest/render-digest.ts';
import { releaseMoreList } from '../digest/schedule-digests.ts';
import { sendDigest, type DigestSettings } from '../digest/send-digest.ts';
import type { Mailer, SentMail } from '../mailer/create-mailer.ts';
import { mailFromDomain, newMessageId } from '../mailer/message-id.ts';
import { logHash } from '../security/log-redaction.ts';
import { signToken, type SignedTokenKeys } from '../security/signed-token.ts';
import { applyVerdicts } from '../verdicts/apply-verdicts.ts';
import { lockUser } from '../verdicts/journal.ts';
import { undoUrl } from '../verdicts/undo-links.ts';
import { applyCommands, type Applied } from './apply-commands.ts';
import { aligned, authenticateSender, type AuthenticationSettings, type SenderVerdict } from './authenticate-sender.ts';
import type { ReplyCommand } from './parse-commands.ts';
import { readCommands, readInbound, type InboundMail } from './read-reply.ts';
import { renderConfirmation, renderHeldNotice, type ConfirmationContent } from './render-confirmation.ts';
import { MAX_NOTICES_PER_DIGEST_DAY, MAX_NOTICES_PER_USER_DAY } from './reply-limits.ts';
import { resolveEntries } from './resolve-entries.ts';

export interface ReplySettings {
  mailFrom: string;
  inboundDomain: string;
  replyWindowDays: number;
  /** Where the confirmation links of held replies lead. */
  publicUrl: string;
  /** Signs those links (LINK_SECRETS); without keys a held reply's notice asks to reply again instead. */
  linkKeys: SignedTokenKeys | null;
  authentication: AuthenticationSettings;
  /** How "more" lists are sent at once; without them the workers send them within minutes. */
  digest?: DigestSettings;
}

export interface ReplyDeps {
  sql: Sql;
  mailer: Mailer;
  logger: Logger;
  settings: ReplySettings;
  now?: () => Date;
}

/** What the channel knows beyond the message. */
export interface Envelope {
  channel?: InboundChannel;
  /** The SMTP envelope sender; `''` for the null sender `<>` of bounces; null when the channel does not know it. */
  mailFrom: string | null;
  rcptTo: string[];
  /** SMTP only: the connecting client, for DKIM, SPF and DMARC. */
  client?: { ip: string; helo: string | null };
}

export interface ReplyResult {
  outcome: ReplyOutcome | 'unreadable';
  detail?: string;
  digestId?: string;
  commands?: ReplyCommand[];
  ignored?: string[];
  confirmation?: SentMail | null;
  /** A held reply: the notice to its owner (null when none was due or it could not be sent). */
  notice?: SentMail | null;
}

/** How long a held reply's confirmation link works, at most (and never past the reply window). */
export const CONFIRM_LINK_DAYS = 7;
export const CONFIRM_PURPOSE = 'reply-confirm';
const REPLY_TOKEN = /^reply\+([a-z0-9]{16,64})@/i;
const BOUNCE_TOKEN = /^bounce\+([a-z0-9]{16,64})@/i;

export async function handleInboundMessage(deps: ReplyDeps, raw: Buffer, envelope?: Envelope): Promise<ReplyResult> {
  const { sql, settings } = deps;
  const now = deps.now?.() ?? new Date();
  const channel = envelope?.channel ?? 'smtp';
  let mail: InboundMail;
  try {
    mail = await readInbound(raw, envelope?.mailFrom ?? null);
  } catch (error) {
    deps.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'unreadable inbound message ignored');
    return { outcome: 'unreadable' };
  }
  const rawHash = createHash('sha256').update(raw).digest('hex');
  const dedupeKey = mail.messageId ?? `sha256:${rawHash}`;
  // The Message-ID is the sender's to choose: logged as a hash (src/security/log-redaction.ts).
  const logger = deps.logger.child({ inbound: logHash(dedupeKey), channel });
  const record = async (
    outcome: ReplyOutcome,
    fields: { detail?: string; digestId?: string; userId?: string } = {},
  ): Promise<ReplyResult> => {
    const rows = await sql`
      insert into inbound_replies (dedupe_key, digest_id, user_id, outcome, detail, channel)
      values (${dedupeKey}, ${fields.digestId ?? null}, ${fields.userId ?? null}, ${outcome}, ${fields.detail ?? null}, ${channel})
      on conflict (dedupe_key) do nothing returning 1`;
    if (rows.length === 0) return copy('Message-ID', fields);
    logger.info({ outcome, detail: fields.detail }, 'inbound message not applied');
    return { outcome, detail: fields.detail, digestId: fields.digestId };
  };
  /**
   * A message already received, again: a sender's retry, or a copy someone replays. It changes
   * nothing and is kept as a row of its own (once per distinct copy, by a hash of its bytes).
   */
  const copy = async (same: 'Message-ID' | 'DKIM signature', fields: { digestId?: string; userId?: string } = {}): Promise<ReplyResult> => {
    const detail = `a copy of a message already received (the same ${same})`;
    await sql`
      insert into inbound_replies (dedupe_key, digest_id, user_id, outcome, detail, channel)
      values (${`copy:${rawHash}`}, ${fields.digestId ?? null}, ${fields.userId ?? null}, 'duplicate', ${detail}, ${channel})
      on conflict (dedupe_key) do nothing`;
    logger.info({ outcome: 'duplicate', detail }, 'inbound message not applied');
    return { outcome: 'duplicate', detail, digestId: fields.digestId };
  };
  const recipients = [...mail.recipients, ...(envelope?.rcptTo ?? [])].map((r) => r.toLowerCase());

  // Software first: a bounce or an out-of-office must never be obeyed or answered, whoever it claims to be.
  const software = mail.software;
  if (software && !isListUnsubscribe(mail)) {
    if (software.kind === 'bounce' || software.kind === 'complaint')
      return handleReport(deps, mail, { recipients, dedupeKey, channel }, record, copy, now);
    return record('automated', { detail: software.reason });
  }

  const tokens = recipients.map((r) => REPLY_TOKEN.exec(r)?.[1]?.toLowerCase()).filter((t): t is string => t !== undefined);
  const digest = await digestForReply(sql, tokens, mail.references);
  if (!digest || !['sending', 'sent', 'unknown'].includes(digest.status)) return record('unknown_digest');
  const ids = { digestId: digest.id, userId: digest.userId };
  // Two Message-IDs (or From, Date, …): DKIM vouched for the last, readers take the first. A
  // person's mail client never writes that; a copy of a signed reply with one line added does.
  const repeated = mail.repeatedHeaders[0];
  if (repeated) return record('ambiguous', { ...ids, detail: `more than one ${repeated} header` });

  const from = mail.from ? normalizeAddress(mail.from) : null;
  const own = from !== null && (await ownAddresses(sql, digest)).has(from);
  const verdict: SenderVerdict | null =
    own && from
      ? await authenticateSender(
          raw,
          from,
          envelope?.client ? { ...envelope.client, mailFrom: envelope.mailFrom } : null,
          settings.authentication,
          mail.authenticationResults,
        )
      : null;
  let read: ReturnType<typeof readCommands>;
  try {
    read = readCommands(mail);
  } catch (error) {
    // A bug on this one message, not an outage: answered for good (a 451 would bring it back forever).
    deps.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'unreadable inbound message ignored');
    return { outcome: 'unreadable', digestId: digest.id };
  }
  const { commands, ignored } = read;

  const sentAt = digest.sentAt ?? now;
  if (now.getTime() - sentAt.getTime() > settings.replyWindowDays * 86_400_000) {
    const result = await record('stale_digest', { ...ids, detail: verdict?.verified ? undefined : 'unverified' });
    // Only the owner, proven, is told; anyone else learns nothing.
    if (result.outcome !== 'stale_digest' || !verdict?.verified) return result;
    const notice =
      `Your reply was to the list of ${formatDate(sentAt, digest.timezone)}, more than ${settings.replyWindowDays} days ago, so nothing was changed: ` +
      'each list’s numbers only count while it is recent. Please reply to your latest list.';
    return {
      ...result,
      confirmation: await confirm(deps, digest, mail, {
        changes: [],
        undone: [],
        nothingToUndo: false,
        unsubscribed: false,
        ignored: [],
        timezone: digest.timezone,
        notice,
      }),
    };
  }

  if (!own || !verdict?.verified) {
    const held = await hold(deps, {
      mail,
      digest,
      commands,
      ignored,
      dropped: read.dropped ?? 0,
      dedupeKey,
      channel,
      sender: from ?? envelope?.mailFrom ?? null,
      auth: verdict?.auth ?? 'sender',
      own,
      now,
    });
    return held ?? copy('Message-ID', ids);
  }

  // What the sender's provider signed is the reply's identity: a copy with another Message-ID
  // (unsigned by some providers) or any unsigned header changed is still the same reply.
  const fromDomain = from.slice(from.lastIndexOf('@') + 1);
  const signatures = mail.dkimSignatures
    .filter((s) => aligned(s.domain, fromDomain))
    .map((s) => createHash('sha256').update(s.b).digest('hex'));
  const applied = await applyCommands(sql, {
    target: { kind: 'new', dedupeKey, channel, sender: from, auth: verdict.auth, signatures },
    digest,
    commands,
    now,
    messageIdDomain: mailFromDomain(settings.mailFrom),
  });
  if (!applied) return copy('Message-ID', ids);
  if (applied === 'copy') return copy('DKIM signature', ids);
  logger.info({ outcome: applied.outcome, commands: commands.length, changes: applied.content.changes.length }, 'reply applied');
  await sendMore(deps, applied);
  const undo =
    settings.linkKeys && applied.entryId ? undoUrl(settings.linkKeys, settings.publicUrl, { entryId: applied.entryId }, now) : undefined;
  const confirmation = await confirm(deps, digest, mail, {
    ...applied.content,
    ignored: [...ignored, ...applied.content.ignored],
    undoUrl: undo,
    dropped: read.dropped,
  });
  return { outcome: applied.outcome, digestId: digest.id, commands, ignored, confirmation };
}

/** Apple Mail's one-click unsubscribe writes "unsubscribe" to the List-Unsubscribe mailto, marked auto-submitted. */
function isListUnsubscribe(mail: InboundMail): boolean {
  return mail.software?.kind === 'auto-reply' || mail.software?.kind === 'automated' ? /^\s*unsubscribe\s*$/i.test(mail.subject) : false;
}

/**
 * A delivery report or a complaint. When it is about one of our digests — sent to its
 * `bounce+<token>` return path, or quoting its Message-ID — and the failure is permanent (or
 * the person reported it as spam), that user's digests pause until they resume them.
 */
async function handleReport(
  deps: ReplyDeps,
  mail: InboundMail,
  report: { recipients: string[]; dedupeKey: string; channel: InboundChannel },
  record: (outcome: ReplyOutcome, fields?: { detail?: string; digestId?: string; userId?: string }) => Promise<ReplyResult>,
  copy: (same: 'Message-ID', fields: { digestId?: string; userId?: string }) => Promise<ReplyResult>,
  now: Date,
): Promise<ReplyResult> {
  const { recipients, dedupeKey, channel } = report;
  const software = mail.software!;
  // The digest's return path names it; otherwise the report must quote its Message-ID.
  const tokens = recipients.flatMap((r) => {
    const m = BOUNCE_TOKEN.exec(r);
    return m ? [m[1]!.toLowerCase()] : [];
  });
  const digest = await digestForReport(deps.sql, tokens, software.reported);
  const detail = `${software.reason}${software.severity ? `:${software.severity}` : ''}${software.status ? ` ${software.status}` : ''}`;
  if (!digest || (software.kind === 'bounce' && software.severity !== 'hard')) {
    return record('automated', { detail, digestId: digest?.id, userId: digest?.userId });
  }
  // The reason decides what the status page says and whether the person is emailed about it
  // (src/accounts/notify-digest-pause.ts): never after a complaint.
  const reason = software.kind === 'complaint' ? 'complaint' : 'bounced';
  const reportId = await deps.sql.begin(async (tx) => {
    // The user's row first, as every writer of verdicts takes it: two reports at once queue here.
    await lockUser(tx, digest.userId);
    const [row] = await tx<{ id: string }[]>`
      insert into inbound_replies (dedupe_key, digest_id, user_id, outcome, detail, channel)
      values (${dedupeKey}, ${digest.id}, ${digest.userId}, 'bounced', ${detail}, ${channel})
      on conflict (dedupe_key) do nothing returning id`;
    if (row) await applyVerdicts(tx, digest.userId, [{ verb: 'bounce', reason }], { source: 'bounce', replyId: row.id }, now);
    return row?.id ?? null;
  });
  if (!reportId) return copy('Message-ID', { digestId: digest.id, userId: digest.userId });
  const result: ReplyResult = { outcome: 'bounced', detail, digestId: digest.id };
  deps.logger.warn({ digestId: digest.id, detail }, 'a digest bounced for good; that user’s digests are paused');
  return result;
}

/**
 * A reply rekindle will not apply on its own word: from another address, or from the owner's
 * but unproven. It is kept (commands only, never its text) and the owner is sent a link that
 * applies it — when it asked for anything, at most once a day per sender, and a few a day in
 * all (MAX_NOTICES_PER_USER_DAY, MAX_NOTICES_PER_DIGEST_DAY): anyone can write, under any From.
 * Null when this message was received before.
 */
async function hold(
  deps: ReplyDeps,
  input: {
    mail: InboundMail;
    digest: DigestRow;
    commands: ReplyCommand[];
    ignored: string[];
    /** Commands past MAX_COMMANDS: not kept, and the notice says so. */
    dropped: number;
    dedupeKey: string;
    channel: InboundChannel;
    sender: string | null;
    auth: string;
    own: boolean;
    now: Date;
  },
): Promise<ReplyResult | null> {
  const { sql, settings } = deps;
  const { digest, commands, now } = input;
  const outcome: ReplyOutcome = input.own ? 'unverified' : 'wrong_sender';
  const sender = input.sender ?? '(no sender)';
  const held = await sql.begin(async (tx) => {
    await tx`select 1 from users where id = ${digest.userId} for update`;
    const [recent] = await tx<{ user: number; digest: number; sender: number }[]>`
      select count(*)::int as user,
             count(*) filter (where digest_id = ${digest.id})::int as digest,
             count(*) filter (where sender = ${sender})::int as sender
        from inbound_replies
       where user_id = ${digest.userId} and notice_sent_at > ${now}::timestamptz - interval '1 day'`;
    const notify =
      commands.length > 0 && recent!.sender === 0 && recent!.user < MAX_NOTICES_PER_USER_DAY && recent!.digest < MAX_NOTICES_PER_DIGEST_DAY;
    const [row] = await tx<{ id: string }[]>`
      insert into inbound_replies (dedupe_key, digest_id, user_id, outcome, detail, channel, sender, auth, commands, notice_sent_at)
      values (${input.dedupeKey}, ${digest.id}, ${digest.userId}, ${outcome}, ${input.own ? 'unverified' : 'sender'}, ${input.channel}, ${sender},
              ${input.auth}, ${tx.json(commands as never)}, ${notify ? now : null})
      on conflict (dedupe_key) do nothing returning id`;
    return row ? { id: row.id, notify } : null;
  });
  if (!held) return null;
  deps.logger.info({ outcome, auth: input.auth, commands: commands.length, notice: held.notify }, 'reply held for its owner to confirm');
  const result: ReplyResult = { outcome, detail: input.auth, digestId: digest.id, commands, ignored: input.ignored, notice: null };
  if (!held.notify) return result;

  const windowEnd = new Date((digest.sentAt ?? now).getTime() + settings.replyWindowDays * 86_400_000);
  const expiresAt = new Date(Math.min(windowEnd.getTime(), now.getTime() + CONFIRM_LINK_DAYS * 86_400_000));
  const confirmUrl = settings.linkKeys
    ? `${settings.publicUrl.replace(/\/+$/, '')}/replies/confirm/${signToken(settings.linkKeys, CONFIRM_PURPOSE, { r: held.id, u: digest.userId }, expiresAt)}`
    : null;
  const items = await digestItems(sql, digest.id);
  const text = renderHeldNotice({
    digestSentAt: digest.sentAt ?? now,
    timezone: digest.timezone,
    sender,
    reason: input.own ? 'unverified' : 'sender',
    commands: commands.map((command) => {
      const resolution = resolveEntries(command, items);
      const people = resolution.ok
        ? resolution.positions.map(
            (p) => `${p}. ${items.find((i) => i.position === p)!.name ?? items.find((i) => i.position === p)!.email}`,
          )
        : [];
      return { command, people };
    }),
    dropped: input.dropped,
    confirmUrl,
    expiresAt,
  });
  try {
    result.notice = await deps.mailer.send({
      from: settings.mailFrom,
      to: digest.email,
      subject: `Did you reply to your rekindle list? (${formatDate(digest.sentAt ?? now, digest.timezone)})`,
      text,
      messageId: newMessageId('n', settings.mailFrom),
      headers: { 'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All' },
    });
  } catch (error) {
    deps.logger.warn({ err: error instanceof Error ? error.message : String(error), digestId: digest.id }, 'held-reply notice not sent');
    await sql`update inbound_replies set notice_sent_at = null where id = ${held.id}`;
  }
  return result;
}

async function ownAddresses(sql: Sql, digest: DigestRow): Promise<Set<string>> {
  const rows = await sql<{ address: string }[]>`select address from user_addresses where user_id = ${digest.userId}`;
  const own = new Set(rows.map((r) => r.address));
  const primary = normalizeAddress(digest.email);
  if (primary) own.add(primary);
  return own;
}

/** Sends the "more" list a reply asked for, now; the confirmation says how it went. */
export async function sendMore(
  deps: Pick<ReplyDeps, 'sql' | 'mailer' | 'logger' | 'now'> & { settings: { digest?: DigestSettings } },
  applied: Applied,
): Promise<void> {
  if (!applied.moreDigestId) return;
  if (!deps.settings.digest) {
    // No sender here: leave it queued with a lapsed claim, and the workers' scheduler sends it.
    await releaseMoreList(deps.sql, applied.moreDigestId);
    applied.content.more = { sent: 0 };
    return;
  }
  const outcome = await sendDigest(
    { sql: deps.sql, mailer: deps.mailer, logger: deps.logger, settings: deps.settings.digest, now: deps.now },
    applied.moreDigestId,
  );
  const [count] = await deps.sql<{ n: number }[]>`select count(*)::int as n from digest_items where digest_id = ${applied.moreDigestId}`;
  applied.content.more = outcome === 'empty' ? { nobody: true } : { sent: count?.n ?? 0 };
}

/** Answers the owner; a failure to send is logged, never undoes what was applied. */
async function confirm(deps: ReplyDeps, digest: DigestRow, mail: InboundMail, content: ConfirmationContent): Promise<SentMail | null> {
  const subject = mail.subject && /^re:/i.test(mail.subject) ? mail.subject : `Re: ${digest.subject ?? 'your rekindle list'}`;
  try {
    return await deps.mailer.send({
      from: deps.settings.mailFrom,
      to: digest.email,
      replyTo: `reply+${digest.token}@${deps.settings.inboundDomain}`,
      subject,
      text: renderConfirmation(content),
      messageId: newMessageId('c', deps.settings.mailFrom),
      inReplyTo: mail.messageId ?? undefined,
      references: [digest.messageId, ...(mail.messageId ? [mail.messageId] : [])],
      headers: { 'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All' },
    });
  } catch (error) {
    deps.logger.warn({ err: error instanceof Error ? error.message : String(error), digestId: digest.id }, 'confirmation not sent');
    return null;
  }
}
