import { createHash } from 'node:crypto';
import type { Sql, TransactionSql } from 'postgres';
import { contactStrength, inferContacts, type AddressState, type ContactVolumes, type InferredContact } from '../contacts/compute-contacts.ts';
import type { IdentityDecision } from '../contacts/identity.ts';
import { loadIdentityDecisions } from './identity-decisions.ts';
import { loadInteractions, loadInteractionsOf } from './load-interactions.ts';
import { closureOf, type StoredAddress } from './recompute-closure.ts';

/** Interactions read at once by an incremental recompute, so memory stays flat however big the change. */
export const CHUNK_INTERACTIONS = 40_000;

export interface RecomputeReport {
  /** `full` reads every interaction; `incremental` only those of the people that changed. */
  mode: 'full' | 'incremental';
  /** Contacts the user has now. */
  contacts: number;
  /** Addresses recomputed from their interactions (every one in a full recompute). */
  addresses: number;
  /** Interaction rows read. */
  interactionsRead: number;
  /** Contacts whose strength was moved forward in time without reading their interactions. */
  rolledForward: number;
}

/** Rebuilds the user's contacts as of `now`; see refreshContacts. Returns how many contacts the user has. */
export async function recomputeContacts(sql: Sql, userId: string, now: Date = new Date()): Promise<number> {
  return (await refreshContacts(sql, userId, { asOf: now })).contacts;
}

/**
 * Brings the stored contacts of a user to what computeContacts over all their interactions
 * gives as of `asOf`, reading as little as it can:
 *
 * - **incremental** (the stored contacts were computed at or before `asOf` with the same
 *   own addresses and identity decisions): the addresses in `dirty_contacts` (new or removed
 *   interactions) and those whose next interaction has become history since, widened to every
 *   address that could be one person with them (same name, same person before, a decision
 *   between them; see recompute-closure.ts), are recomputed from their own interactions, a
 *   chunk at a time; every other contact only has its strength moved forward to `asOf`, from
 *   its stored volumes. The result is exactly a full recompute's (test/integration/
 *   contact-recompute.test.ts compares the two on random histories).
 * - **full** otherwise: every interaction is read.
 *
 * The users row is locked for the duration: ingestion marks that row before it commits new
 * interactions (markContactsDirty), so nothing the recompute reads changes under it, and what
 * arrives meanwhile is left dirty for the next run.
 */
export async function refreshContacts(sql: Sql, userId: string, options: { asOf?: Date; full?: boolean } = {}): Promise<RecomputeReport> {
  const asOf = options.asOf ?? new Date();
  return sql.begin(async (tx) => {
    const locked = await tx`select 1 from users where id = ${userId} for update`;
    if (locked.length === 0) return { mode: 'full', contacts: 0, addresses: 0, interactionsRead: 0, rolledForward: 0 };
    const owners = await tx<{ address: string }[]>`select address from user_addresses where user_id = ${userId} order by address collate "C"`;
    const decisions = await loadIdentityDecisions(tx, userId);
    const ownerDigest = digestOf(owners.map((o) => o.address));
    const decisionsDigest = digestOf(decisions.map((d) => `${d.a} ${d.b} ${d.decision}`));
    const [state] = await tx<{ asOf: Date; ownerDigest: string; decisionsDigest: string }[]>`
      select as_of as "asOf", owner_digest as "ownerDigest", decisions_digest as "decisionsDigest"
        from contact_state where user_id = ${userId}`;
    const incremental =
      !options.full &&
      state !== undefined &&
      state.ownerDigest === ownerDigest &&
      state.decisionsDigest === decisionsDigest &&
      state.asOf.getTime() <= asOf.getTime();

    const report = incremental
      ? await incrementalRecompute(tx, userId, asOf, decisions)
      : await fullRecompute(tx, userId, asOf, decisions);

    await tx`
      insert into contact_state (user_id, as_of, owner_digest, decisions_digest)
      values (${userId}, ${asOf}, ${ownerDigest}, ${decisionsDigest})
      on conflict (user_id) do update
        set as_of = excluded.as_of, owner_digest = excluded.owner_digest, decisions_digest = excluded.decisions_digest`;
    await tx`update users set contacts_computed_at = clock_timestamp() where id = ${userId}`;
    return report;
  });
}

async function fullRecompute(tx: TransactionSql, userId: string, asOf: Date, decisions: IdentityDecision[]): Promise<RecomputeReport> {
  const interactions = await loadInteractions(tx, userId);
  const inference = inferContacts(interactions, { asOf, identities: decisions });
  await tx`delete from contacts where user_id = ${userId}`;
  await tx`delete from contact_addresses where user_id = ${userId}`;
  await tx`delete from dirty_contacts where user_id = ${userId}`;
  await insertContacts(tx, userId, inference.contacts);
  await insertAddresses(tx, userId, inference.addresses);
  return {
    mode: 'full',
    contacts: inference.contacts.length,
    addresses: inference.addresses.length,
    interactionsRead: interactions.length,
    rolledForward: 0,
  };
}

async function incrementalRecompute(tx: TransactionSql, userId: string, asOf: Date, decisions: IdentityDecision[]): Promise<RecomputeReport> {
  const dirty = (await tx<{ contact: string }[]>`select contact from dirty_contacts where user_id = ${userId}`).map((d) => d.contact);
  const stored = await tx<StoredAddress[]>`
    select address, name_key as "nameKey", person, next_at as "nextAt" from contact_addresses where user_id = ${userId}`;
  // Addresses whose next interaction is history now, as well as those with new or removed ones.
  const seeds = new Set(dirty);
  for (const s of stored) if (s.nextAt !== null && s.nextAt.getTime() <= asOf.getTime()) seeds.add(s.address);

  let addresses = 0;
  let interactionsRead = 0;
  let recomputed: Set<string> = new Set();
  if (seeds.size > 0) {
    // Their usual names as of now decide which name groups they join (the stored ones may be stale).
    const names = await tx<{ contact: string; name: string; count: number; last: Date }[]>`
      select contact, contact_name as name, count(*)::int as count, max(occurred_at) as last
        from interactions
       where user_id = ${userId} and contact = any(${[...seeds]}::text[]) and occurred_at <= ${asOf}
         and contact_name is not null and weight > 0 and weight < 'Infinity'::real
       group by contact, contact_name`;
    const closure = closureOf({ seeds, stored, names, decisions });
    recomputed = closure.addresses;
    const sizes = new Map(
      (
        await tx<{ contact: string; count: number }[]>`
          select contact, count(*)::int as count from interactions
           where user_id = ${userId} and contact = any(${[...closure.addresses]}::text[]) group by contact`
      ).map((r) => [r.contact, r.count]),
    );
    for (const chunk of chunksOf(closure.components, sizes, CHUNK_INTERACTIONS)) {
      const interactions = await loadInteractionsOf(tx, userId, chunk);
      interactionsRead += interactions.length;
      const inference = inferContacts(interactions, { asOf, identities: decisions });
      await tx`delete from contacts where user_id = ${userId} and contact = any(${chunk}::text[])`;
      await tx`delete from contact_addresses where user_id = ${userId} and address = any(${chunk}::text[])`;
      await insertContacts(tx, userId, inference.contacts);
      await insertAddresses(tx, userId, inference.addresses);
      addresses += inference.addresses.length;
    }
    if (dirty.length > 0) await tx`delete from dirty_contacts where user_id = ${userId} and contact = any(${dirty}::text[])`;
  }

  const rolledForward = await rollForward(tx, userId, asOf, recomputed);
  const [count] = await tx<{ n: number }[]>`select count(*)::int as n from contacts where user_id = ${userId}`;
  return { mode: 'incremental', contacts: count!.n, addresses, interactionsRead, rolledForward };
}

/**
 * Strength fades with time even for people nobody wrote to: move every contact not just
 * recomputed to `asOf`, from its stored volumes, with the very function a full recompute uses.
 * Only rows whose stored (single-precision) strength changes are written.
 */
async function rollForward(tx: TransactionSql, userId: string, asOf: Date, skip: ReadonlySet<string>): Promise<number> {
  const rows = await tx<(ContactVolumes & { contact: string; strength: number; lastContactAt: Date })[]>`
    select contact, strength, last_contact_at as "lastContactAt",
           sent_weight as sent, sent_decaying as "sentDecaying", received_weight as received,
           received_decaying as "receivedDecaying", meeting_weight as meeting, meeting_decaying as "meetingDecaying"
      from contacts where user_id = ${userId}`;
  const contacts: string[] = [];
  const strengths: number[] = [];
  for (const row of rows) {
    if (skip.has(row.contact)) continue;
    const strength = contactStrength(row, row.lastContactAt.getTime(), asOf.getTime());
    if (Math.fround(strength) === Math.fround(row.strength)) continue;
    contacts.push(row.contact);
    strengths.push(strength);
  }
  if (contacts.length > 0) {
    await tx`
      update contacts c set strength = u.strength, computed_at = now()
        from unnest(${contacts}::text[], ${strengths}::real[]) as u(contact, strength)
       where c.user_id = ${userId} and c.contact = u.contact`;
  }
  return contacts.length;
}

/** Components in chunks of about `budget` interactions (a bigger component is a chunk of its own). */
function* chunksOf(components: string[][], sizes: Map<string, number>, budget: number): Generator<string[]> {
  let chunk: string[] = [];
  let size = 0;
  for (const component of components) {
    const weight = component.reduce((sum, address) => sum + (sizes.get(address) ?? 0), 0);
    if (chunk.length > 0 && size + weight > budget) {
      yield chunk;
      chunk = [];
      size = 0;
    }
    chunk.push(...component);
    size += weight;
  }
  if (chunk.length > 0) yield chunk;
}

async function insertContacts(tx: TransactionSql, userId: string, inferred: InferredContact[]): Promise<void> {
  if (inferred.length === 0) return;
  const contacts = inferred.map((c) => c.summary);
  const volumes = inferred.map((c) => c.volumes);
  await tx`
    insert into contacts (user_id, contact, email, name, addresses, first_contact_at, last_contact_at, last_outbound_at,
                          last_inbound_at, last_meeting_at, next_meeting_at, sent_count, received_count,
                          meeting_count, cadence_days, strength, last_subject, last_writer,
                          sent_weight, sent_decaying, received_weight, received_decaying, meeting_weight, meeting_decaying)
    select ${userId}, u.contact, u.email, u.name, string_to_array(u.addresses, ' '), u.first_contact_at, u.last_contact_at,
           u.last_outbound_at, u.last_inbound_at, u.last_meeting_at, u.next_meeting_at, u.sent_count, u.received_count,
           u.meeting_count, u.cadence_days, u.strength, u.last_subject, u.last_writer,
           u.sw, u.sd, u.rw, u.rd, u.mw, u.md
      from unnest(
      ${contacts.map((c) => c.key)}::text[],
      ${contacts.map((c) => c.email)}::text[],
      ${contacts.map((c) => c.name)}::text[],
      ${contacts.map((c) => c.addresses.join(' '))}::text[],
      ${contacts.map((c) => c.firstContactAt.toISOString())}::timestamptz[],
      ${contacts.map((c) => c.lastContactAt.toISOString())}::timestamptz[],
      ${contacts.map((c) => c.lastOutboundAt?.toISOString() ?? null)}::timestamptz[],
      ${contacts.map((c) => c.lastInboundAt?.toISOString() ?? null)}::timestamptz[],
      ${contacts.map((c) => c.lastMeetingAt?.toISOString() ?? null)}::timestamptz[],
      ${contacts.map((c) => c.nextMeetingAt?.toISOString() ?? null)}::timestamptz[],
      ${contacts.map((c) => c.sentCount)}::int[],
      ${contacts.map((c) => c.receivedCount)}::int[],
      ${contacts.map((c) => c.meetingCount)}::int[],
      ${contacts.map((c) => c.cadenceDays)}::real[],
      ${contacts.map((c) => c.strength)}::real[],
      ${contacts.map((c) => c.lastSubject)}::text[],
      ${contacts.map((c) => c.lastWriter)}::text[],
      ${volumes.map((v) => v.sent)}::float8[],
      ${volumes.map((v) => v.sentDecaying)}::float8[],
      ${volumes.map((v) => v.received)}::float8[],
      ${volumes.map((v) => v.receivedDecaying)}::float8[],
      ${volumes.map((v) => v.meeting)}::float8[],
      ${volumes.map((v) => v.meetingDecaying)}::float8[])
      as u(contact, email, name, addresses, first_contact_at, last_contact_at, last_outbound_at, last_inbound_at,
           last_meeting_at, next_meeting_at, sent_count, received_count, meeting_count, cadence_days, strength,
           last_subject, last_writer, sw, sd, rw, rd, mw, md)`;
}

async function insertAddresses(tx: TransactionSql, userId: string, addresses: AddressState[]): Promise<void> {
  if (addresses.length === 0) return;
  await tx`
    insert into contact_addresses (user_id, address, name_key, person, next_at)
    select ${userId}, * from unnest(
      ${addresses.map((a) => a.address)}::text[],
      ${addresses.map((a) => a.nameKey)}::text[],
      ${addresses.map((a) => a.person)}::text[],
      ${addresses.map((a) => a.nextAt?.toISOString() ?? null)}::timestamptz[])`;
}

/** A fingerprint of a list (the user's own addresses, their identity decisions). */
function digestOf(values: string[]): string {
  return createHash('sha256').update(values.join('\n')).digest('base64url');
}
