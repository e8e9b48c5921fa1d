/**
 * Storage side of resolving mailboxes written without an SMTP address (Exchange DNs, bare
 * display names; see src/contacts/exchange-directory.ts): the evidence a mailbox shows is
 * kept per user, interactions with an alias nobody has resolved yet wait in
 * `pending_interactions`, and move to `interactions` as soon as later mail (a later page, a
 * later sync) shows who the alias is. Deferred rather than two passes, so live sync, which
 * never sees the whole mailbox at once, and local import share one path.
 */
import type { Sql, TransactionSql } from 'postgres';
import { type AddressEvidence, resolveAliases } from '../contacts/exchange-directory.ts';
import type { InteractionRecord, Owner } from '../contacts/types.ts';
import { markContactsDirty } from './insert-interactions.ts';

type Db = Sql | TransactionSql;

/** Adds what a batch of messages showed (tallied) to the user's evidence. */
export async function recordEvidence(sql: Db, userId: string, accountId: string, evidence: readonly AddressEvidence[]): Promise<void> {
  for (let i = 0; i < evidence.length; i += 5_000) {
    const batch = evidence.slice(i, i + 5_000);
    await sql`
      insert into address_evidence (user_id, account_id, alias, target, seen)
      select ${userId}, ${accountId}, * from unnest(${batch.map((e) => e.alias)}::text[], ${batch.map((e) => e.target)}::text[], ${batch.map((e) => e.seen)}::int[])
      on conflict (user_id, alias, target, account_id) do update set seen = address_evidence.seen + excluded.seen`;
  }
}

/**
 * The evidence that decides these aliases: their own rows, the rows of the DNs their names
 * were written with, and the names written with their DNs (with those names' rows).
 */
export async function loadEvidenceFor(sql: Db, userId: string, aliases: readonly string[]): Promise<AddressEvidence[]> {
  if (aliases.length === 0) return [];
  const rows = new Map<string, AddressEvidence>();
  const add = (list: AddressEvidence[]) => {
    for (const row of list) rows.set(`${row.alias}\u0000${row.target}`, row);
  };
  const own = await sql<AddressEvidence[]>`
    select alias, target, sum(seen)::int as seen from address_evidence
     where user_id = ${userId} and alias = any(${aliases as string[]}::text[]) group by alias, target`;
  add(own);
  const dns = [...new Set([...aliases.filter((a) => a.startsWith('ex:')), ...own.map((r) => r.target).filter((t) => t.startsWith('ex:'))])];
  if (dns.length > 0) {
    add(
      await sql<AddressEvidence[]>`
      select alias, target, seen from address_evidence where user_id = ${userId} and alias = any(${dns}::text[])`,
    );
    const names = await sql<AddressEvidence[]>`
      select alias, target, sum(seen)::int as seen from address_evidence
       where user_id = ${userId} and target = any(${dns}::text[]) group by alias, target`;
    add(names);
    const nameAliases = [...new Set(names.map((r) => r.alias))];
    if (nameAliases.length > 0)
      add(
        await sql<AddressEvidence[]>`
        select alias, target, seen from address_evidence where user_id = ${userId} and alias = any(${nameAliases}::text[])`,
      );
  }
  return [...rows.values()];
}

/** Interactions with unresolved aliases: kept until later mail resolves them. */
export async function insertPending(sql: Db, userId: string, accountId: string, records: readonly InteractionRecord[]): Promise<void> {
  for (let i = 0; i < records.length; i += 5_000) {
    const batch = records.slice(i, i + 5_000);
    await sql`
      insert into pending_interactions (user_id, account_id, source_key, alias, kind, occurred_at, weight,
                                        contact_name, participants, thread_key, subject)
      select ${userId}, ${accountId}, * from unnest(
        ${batch.map((r) => r.sourceKey)}::text[],
        ${batch.map((r) => r.contact)}::text[],
        ${batch.map((r) => r.kind)}::text[],
        ${batch.map((r) => r.occurredAt.toISOString())}::timestamptz[],
        ${batch.map((r) => r.weight)}::real[],
        ${batch.map((r) => r.contactName)}::text[],
        ${batch.map((r) => r.participants)}::int[],
        ${batch.map((r) => r.threadKey)}::text[],
        ${batch.map((r) => r.subject)}::text[])
      on conflict do nothing`;
  }
}

/**
 * Moves the pending interactions of aliases that `learned` may have resolved into
 * `interactions` (an alias that turns out to be the owner is dropped: the owner is no
 * contact). The aliases considered are those in `learned` and the names written with a DN
 * among them. Returns how many interactions moved.
 */
export async function resolvePending(sql: Db, userId: string, owner: Owner, learned: readonly AddressEvidence[]): Promise<number> {
  if (learned.length === 0) return 0;
  // Most mailboxes never have anything pending: one probe of the primary key says so.
  const [any] = await sql<{ found: boolean }[]>`select exists (select 1 from pending_interactions where user_id = ${userId}) as found`;
  if (!any?.found) return 0;
  const touched = [...new Set(learned.map((e) => e.alias))];
  const dns = touched.filter((a) => a.startsWith('ex:'));
  const namesOfDns =
    dns.length === 0
      ? []
      : await sql<{ alias: string }[]>`
          select distinct alias from address_evidence where user_id = ${userId} and target = any(${dns}::text[])`;
  const candidates = [...new Set([...touched, ...namesOfDns.map((r) => r.alias)])];
  const waiting = await sql<{ alias: string }[]>`
    select distinct alias from pending_interactions where user_id = ${userId} and alias = any(${candidates}::text[])`;
  if (waiting.length === 0) return 0;
  const aliases = waiting.map((r) => r.alias).sort();
  const resolved = resolveAliases(aliases, await loadEvidenceFor(sql, userId, aliases), owner);
  if (resolved.size === 0) return 0;
  const from = [...resolved.keys()];
  const to = from.map((alias) => resolved.get(alias)!);
  const moved = await sql<{ contact: string }[]>`
    with resolved as (select * from unnest(${from}::text[], ${to}::text[]) as r(alias, contact)),
         taken as (
           delete from pending_interactions p using resolved r
            where p.user_id = ${userId} and p.alias = r.alias
           returning p.*, r.contact)
    insert into interactions (user_id, account_id, source_key, contact, address, kind, occurred_at, weight,
                              contact_name, participants, thread_key, subject)
    select user_id, account_id, source_key, contact, contact, kind, occurred_at, weight, contact_name, participants, thread_key, subject
      from taken
     where not (contact = any(${[...owner.addresses]}::text[]))
    on conflict do nothing
    returning contact`;
  if (moved.count > 0) await markContactsDirty(sql, userId, [...new Set(moved.map((r) => r.contact))]);
  return moved.count;
}

/** What is still unresolved for a user: interactions, the mailboxes (aliases) they are with, and the messages they come from. */
export interface UnresolvedCount {
  interactions: number;
  mailboxes: number;
  messages: number;
}

export async function countUnresolved(sql: Db, userId: string): Promise<UnresolvedCount> {
  const [row] = await sql<UnresolvedCount[]>`
    select count(*)::int as interactions, count(distinct alias)::int as mailboxes, count(distinct source_key)::int as messages
      from pending_interactions where user_id = ${userId}`;
  return row!;
}
