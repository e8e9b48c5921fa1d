/**
 * Held replies — from another address, or from the owner's but unproven — wait for the owner
 * to confirm them through the signed link in the notice rekindle sent to the owner's own
 * address (src/replies/handle-reply.ts). The link names the held reply and its user, is bound
 * to this purpose, expires, and works once: confirming applies the stored commands exactly as
 * a verified reply would have been applied then, against the same digest's entries.
 */
import type { Logger } from 'pino';
import type { Sql } from 'postgres';
import type { ReplyOutcome } from '../db/schema.ts';
import { mailFromDomain } from '../mailer/message-id.ts';
import { verifyToken, type SignedTokenKeys } from '../security/signed-token.ts';
import { digestById, type DigestRow } from '../digest/find-digest.ts';
import { releaseMoreList } from '../digest/schedule-digests.ts';
import { applyCommands, type Applied } from './apply-commands.ts';
import { CONFIRM_PURPOSE, sendMore, type ReplyDeps } from './handle-reply.ts';
import type { ReplyCommand } from './parse-commands.ts';

export interface HeldReply {
  id: string;
  outcome: ReplyOutcome;
  sender: string | null;
  commands: ReplyCommand[];
  confirmedAt: Date | null;
  digest: DigestRow;
}

export type HeldLookup = { ok: true; held: HeldReply; expiresAt: Date } | { ok: false; reason: 'invalid' | 'expired' | 'stale' };

export async function loadHeldReply(
  sql: Sql,
  keys: SignedTokenKeys,
  token: string,
  replyWindowDays: number,
  now = new Date(),
): Promise<HeldLookup> {
  const verified = verifyToken<{ r?: unknown; u?: unknown }>(keys, CONFIRM_PURPOSE, token, now);
  if (!verified.ok) return { ok: false, reason: verified.reason === 'expired' ? 'expired' : 'invalid' };
  const { r, u } = verified.payload ?? {};
  if (typeof r !== 'string' || typeof u !== 'string' || !/^[0-9a-f-]{36}$/.test(r) || !/^[0-9a-f-]{36}$/.test(u))
    return { ok: false, reason: 'invalid' };
  const [row] = await sql<
    {
      id: string;
      outcome: ReplyOutcome;
      sender: string | null;
      commands: ReplyCommand[] | null;
      confirmedAt: Date | null;
      digestId: string;
    }[]
  >`
    select id, outcome, sender, commands, confirmed_at as "confirmedAt", digest_id as "digestId"
      from inbound_replies where id = ${r} and user_id = ${u}`;
  if (!row) return { ok: false, reason: 'invalid' };
  const digest = await digestById(sql, u, row.digestId);
  if (!digest) return { ok: false, reason: 'invalid' };
  if (now.getTime() - (digest.sentAt ?? now).getTime() > replyWindowDays * 86_400_000) return { ok: false, reason: 'stale' };
  return {
    ok: true,
    held: { id: row.id, outcome: row.outcome, sender: row.sender, commands: row.commands ?? [], confirmedAt: row.confirmedAt, digest },
    expiresAt: verified.expiresAt,
  };
}

export type ConfirmResult =
  | { ok: true; applied: Applied; held: HeldReply }
  | { ok: false; reason: 'invalid' | 'expired' | 'stale' | 'already' };

/** Applies a held reply once; a second confirmation of the same link changes nothing. */
export async function confirmHeldReply(
  deps: {
    sql: Sql;
    logger: Logger;
    settings: Pick<ReplyDeps['settings'], 'replyWindowDays' | 'mailFrom'> & Partial<Pick<ReplyDeps['settings'], 'digest'>>;
    mailer?: ReplyDeps['mailer'];
  },
  keys: SignedTokenKeys,
  token: string,
  now = new Date(),
): Promise<ConfirmResult> {
  const lookup = await loadHeldReply(deps.sql, keys, token, deps.settings.replyWindowDays, now);
  if (!lookup.ok) return lookup;
  const { held } = lookup;
  if (held.confirmedAt || (held.outcome !== 'wrong_sender' && held.outcome !== 'unverified')) return { ok: false, reason: 'already' };
  const applied = await applyCommands(deps.sql, {
    target: { kind: 'held', id: held.id },
    digest: held.digest,
    commands: held.commands,
    now,
    messageIdDomain: mailFromDomain(deps.settings.mailFrom),
  });
  if (!applied || applied === 'copy') return { ok: false, reason: 'already' };
  deps.logger.info({ outcome: applied.outcome, changes: applied.content.changes.length }, 'held reply confirmed by its owner');
  if (applied.moreDigestId) {
    if (deps.mailer)
      await sendMore({ sql: deps.sql, mailer: deps.mailer, logger: deps.logger, settings: { digest: deps.settings.digest } }, applied);
    else {
      // No mailer here: the workers' scheduler sends it at its next pass.
      await releaseMoreList(deps.sql, applied.moreDigestId);
      applied.content.more = { sent: 0 };
    }
  }
  return { ok: true, applied, held };
}
