/**
 * Finding a sent digest from what comes back to rekindle: a reply's token or References, a
 * bounce's return path or quoted Message-ID, an unsubscribe token, a link's id and number.
 * Only digests that went out (or may have) are answers to anything.
 */
import type { Sql, TransactionSql } from 'postgres';

/** A connection or a transaction. */
type Db = Sql | TransactionSql;

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

export interface DigestItemRow {
  position: number;
  contact: string;
  email: string;
  name: string | null;
}

const SENT = ['sending', 'sent', 'unknown'];

/** `select … from digests d join users u` for a DigestRow; add the where clause. */
const selectDigest = (sql: Sql) => sql`
  select d.id, d.user_id as "userId", d.status, d.token, d.message_id as "messageId", d.subject, d.week_of::text as "weekOf",
         coalesce(d.sent_at, d.handed_to_smtp_at) as "sentAt", u.email, u.name, u.timezone
    from digests d join users u on u.id = d.user_id`;

export async function digestById(sql: Sql, userId: string, digestId: string): Promise<DigestRow | null> {
  const [row] = await sql<DigestRow[]>`${selectDigest(sql)} where d.id = ${digestId} and d.user_id = ${userId}`;
  return row ?? null;
}

/** The digest a reply answers: by the token of its reply address, else by its References (newest first). */
export async function digestForReply(sql: Sql, tokens: string[], references: string[]): Promise<DigestRow | null> {
  if (tokens.length > 0) {
    const [row] = await sql<DigestRow[]>`${selectDigest(sql)} where d.token = any(${tokens}::text[]) limit 1`;
    if (row) return row;
  }
  if (references.length === 0) return null;
  const [row] = await sql<
    DigestRow[]
  >`${selectDigest(sql)} where d.message_id = any(${references}::text[]) order by d.created_at desc limit 1`;
  return row ?? null;
}

/** The digest a delivery report is about: named by its `bounce+<token>` return path, else by its quoted Message-ID. */
export async function digestForReport(sql: Sql, tokens: string[], messageIds: string[]): Promise<{ id: string; userId: string } | null> {
  const [row] = await sql<{ id: string; userId: string }[]>`
    select id, user_id as "userId" from digests
     where (token = any(${tokens}::text[]) or message_id = any(${messageIds}::text[])) and status = any(${SENT}::text[])
     order by (token = any(${tokens}::text[])) desc limit 1`;
  return row ?? null;
}

/** A digest with this token exists (any status: the SMTP listener refuses unknown ones at RCPT). */
export async function digestTokenKnown(sql: Sql, token: string): Promise<boolean> {
  return (await sql`select 1 from digests where token = ${token} limit 1`).length > 0;
}

/** The digest (and its user) an unsubscribe token names. */
export async function digestByToken(sql: Sql, token: string): Promise<{ id: string; userId: string } | null> {
  const [row] = await sql<{ id: string; userId: string }[]>`select id, user_id as "userId" from digests where token = ${token}`;
  return row ?? null;
}

export async function digestItems(sql: Db, digestId: string): Promise<DigestItemRow[]> {
  return sql<DigestItemRow[]>`select position, contact, email, name from digest_items where digest_id = ${digestId} order by position`;
}

export interface LinkedItem {
  name: string | null;
  email: string;
  contact: string;
  reason: string;
  lastContactAt: Date;
  timezone: string;
  weekOf: string;
}

/** The entry a digest link names, when the digest is that user's. */
export async function linkedItem(sql: Db, target: { userId: string; digestId: string; position: number }): Promise<LinkedItem | null> {
  const [item] = await sql<LinkedItem[]>`
    select i.name, i.email, i.contact, i.reason, i.last_contact_at as "lastContactAt", u.timezone, d.week_of::text as "weekOf"
      from digest_items i join digests d on d.id = i.digest_id join users u on u.id = d.user_id
     where d.id = ${target.digestId} and d.user_id = ${target.userId} and i.position = ${target.position}`;
  return item ?? null;
}
