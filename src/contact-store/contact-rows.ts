/**
 * The `contacts` and `contact_addresses` rows: inferred contacts written in batches, and
 * stored rows read back as the very ContactSummary inference gave, with the strength moved to
 * the instant asked for (from the stored volumes, never from the single-precision column).
 */
import type { Sql, TransactionSql } from 'postgres';
import { contactStrength, type AddressState, type ContactVolumes, type InferredContact } from '../contacts/compute-contacts.ts';
import type { IdentityLink } from '../contacts/identity.ts';
import type { ContactSummary } from '../contacts/types.ts';

export async function insertContacts(tx: TransactionSql, userId: string, inferred: InferredContact[]): Promise<void> {
  if (inferred.length === 0) return;
  const contacts = inferred.map((c) => c.summary);
  const volumes = inferred.map((c) => c.volumes);
  await tx`
    insert into contacts (user_id, contact, email, name, addresses, first_contact_at, last_contact_at, last_outbound_at,
                          last_inbound_at, last_meeting_at, next_meeting_at, sent_count, received_count,
                          meeting_count, cadence_days, strength, last_subject, last_writer, last_thread_key,
                          identity_links, domain_change,
                          sent_weight, sent_decaying, received_weight, received_decaying, meeting_weight, meeting_decaying)
    select ${userId}, u.contact, u.email, u.name, string_to_array(u.addresses, ' '), u.first_contact_at, u.last_contact_at,
           u.last_outbound_at, u.last_inbound_at, u.last_meeting_at, u.next_meeting_at, u.sent_count, u.received_count,
           u.meeting_count, u.cadence_days, u.strength, u.last_subject, u.last_writer, u.last_thread_key,
           u.identity_links::jsonb, u.domain_change::jsonb,
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
      ${contacts.map((c) => c.lastThreadKey)}::text[],
      ${contacts.map((c) => JSON.stringify(c.identityLinks))}::text[],
      ${contacts.map((c) => (c.domainChange ? JSON.stringify({ ...c.domainChange, since: c.domainChange.since.toISOString() }) : null))}::text[],
      ${volumes.map((v) => v.sent)}::float8[],
      ${volumes.map((v) => v.sentDecaying)}::float8[],
      ${volumes.map((v) => v.received)}::float8[],
      ${volumes.map((v) => v.receivedDecaying)}::float8[],
      ${volumes.map((v) => v.meeting)}::float8[],
      ${volumes.map((v) => v.meetingDecaying)}::float8[])
      as u(contact, email, name, addresses, first_contact_at, last_contact_at, last_outbound_at, last_inbound_at,
           last_meeting_at, next_meeting_at, sent_count, received_count, meeting_count, cadence_days, strength,
           last_subject, last_writer, last_thread_key, identity_links, domain_change, sw, sd, rw, rd, mw, md)`;
}

export async function insertAddresses(tx: TransactionSql, userId: string, addresses: AddressState[]): Promise<void> {
  if (addresses.length === 0) return;
  await tx`
    insert into contact_addresses (user_id, address, name_key, person, next_at)
    select ${userId}, * from unnest(
      ${addresses.map((a) => a.address)}::text[],
      ${addresses.map((a) => a.nameKey)}::text[],
      ${addresses.map((a) => a.person)}::text[],
      ${addresses.map((a) => a.nextAt?.toISOString() ?? null)}::timestamptz[])`;
}

interface ContactRow extends ContactVolumes, Omit<ContactSummary, 'key' | 'strength' | 'domainChange'> {
  contact: string;
  domainChange: { from: string; to: string; since: string } | null;
}

/** The user's stored contacts, each as inference gave it, its strength as of `asOf` (at or after the recompute). */
export async function loadStoredContacts(sql: Sql | TransactionSql, userId: string, asOf: Date): Promise<ContactSummary[]> {
  const rows = await sql<ContactRow[]>`
    select contact, email, name, addresses, identity_links as "identityLinks",
           first_contact_at as "firstContactAt", last_contact_at as "lastContactAt",
           last_outbound_at as "lastOutboundAt", last_inbound_at as "lastInboundAt",
           last_meeting_at as "lastMeetingAt", next_meeting_at as "nextMeetingAt",
           sent_count as "sentCount", received_count as "receivedCount", meeting_count as "meetingCount",
           cadence_days as "cadenceDays", last_writer as "lastWriter", domain_change as "domainChange",
           last_subject as "lastSubject", last_thread_key as "lastThreadKey",
           sent_weight as sent, sent_decaying as "sentDecaying", received_weight as received,
           received_decaying as "receivedDecaying", meeting_weight as meeting, meeting_decaying as "meetingDecaying"
      from contacts where user_id = ${userId}`;
  const asOfMs = asOf.getTime();
  return rows.map((r) => ({
    key: r.contact,
    email: r.email,
    name: r.name,
    addresses: r.addresses,
    identityLinks: r.identityLinks as IdentityLink[],
    firstContactAt: r.firstContactAt,
    lastContactAt: r.lastContactAt,
    lastOutboundAt: r.lastOutboundAt,
    lastInboundAt: r.lastInboundAt,
    lastMeetingAt: r.lastMeetingAt,
    nextMeetingAt: r.nextMeetingAt,
    sentCount: r.sentCount,
    receivedCount: r.receivedCount,
    meetingCount: r.meetingCount,
    // A cadence is a whole number of days: single precision holds it exactly.
    cadenceDays: r.cadenceDays,
    // The stored strength is single precision and as of the recompute: inference's own
    // function, from the exact volumes, gives the very value a full inference would.
    strength: contactStrength(r, r.lastContactAt.getTime(), asOfMs),
    lastWriter: r.lastWriter,
    domainChange: r.domainChange && { from: r.domainChange.from, to: r.domainChange.to, since: new Date(r.domainChange.since) },
    lastSubject: r.lastSubject,
    lastThreadKey: r.lastThreadKey,
  }));
}
