/**
 * The `contacts` and `contact_addresses` rows: inferred contacts written in batches, and
 * stored contacts read back as the very ContactSummary inference gave, with the strength moved
 * to the instant asked for (from the stored volumes, never from the single-precision column).
 */
import type { Fragment, Sql, TransactionSql } from 'postgres';
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

/**
 * The stored contacts of a user as one JSON array (one row, however many contacts): part of
 * the single statement that reads the store (contacts-as-of.ts), so a reader needs one round
 * trip, in one snapshot. Dates come as ISO strings, numbers as JSON numbers (exact doubles).
 */
export function storedContactsJson(sql: Sql | TransactionSql, userId: string | Fragment) {
  return sql`
    select coalesce(json_agg(json_build_object(
             'key', contact, 'email', email, 'name', name, 'addresses', addresses, 'identityLinks', identity_links,
             'firstContactAt', first_contact_at, 'lastContactAt', last_contact_at,
             'lastOutboundAt', last_outbound_at, 'lastInboundAt', last_inbound_at,
             'lastMeetingAt', last_meeting_at, 'nextMeetingAt', next_meeting_at,
             'sentCount', sent_count, 'receivedCount', received_count, 'meetingCount', meeting_count,
             'cadenceDays', cadence_days, 'lastWriter', last_writer, 'domainChange', domain_change,
             'lastSubject', last_subject, 'lastThreadKey', last_thread_key,
             'sent', sent_weight, 'sentDecaying', sent_decaying, 'received', received_weight,
             'receivedDecaying', received_decaying, 'meeting', meeting_weight, 'meetingDecaying', meeting_decaying)), '[]')
      from contacts where user_id = ${userId}`;
}

/** A stored contact as storedContactsJson gives it. */
export interface StoredContactJson extends ContactVolumes {
  key: string;
  email: string;
  name: string | null;
  addresses: string[];
  identityLinks: IdentityLink[];
  firstContactAt: string;
  lastContactAt: string;
  lastOutboundAt: string | null;
  lastInboundAt: string | null;
  lastMeetingAt: string | null;
  nextMeetingAt: string | null;
  sentCount: number;
  receivedCount: number;
  meetingCount: number;
  cadenceDays: number | null;
  lastWriter: 'them' | 'you' | null;
  domainChange: { from: string; to: string; since: string } | null;
  lastSubject: string | null;
  lastThreadKey: string | null;
}

/** A stored contact as inference gave it, its strength as of `asOf` (at or after the recompute that stored it). */
export function storedSummary(c: StoredContactJson, asOf: Date): ContactSummary {
  const date = (iso: string | null) => (iso === null ? null : new Date(iso));
  const lastContactAt = new Date(c.lastContactAt);
  return {
    key: c.key,
    email: c.email,
    name: c.name,
    addresses: c.addresses,
    identityLinks: c.identityLinks,
    firstContactAt: new Date(c.firstContactAt),
    lastContactAt,
    lastOutboundAt: date(c.lastOutboundAt),
    lastInboundAt: date(c.lastInboundAt),
    lastMeetingAt: date(c.lastMeetingAt),
    nextMeetingAt: date(c.nextMeetingAt),
    sentCount: c.sentCount,
    receivedCount: c.receivedCount,
    meetingCount: c.meetingCount,
    // A cadence is a whole number of days: single precision holds it exactly.
    cadenceDays: c.cadenceDays,
    // The stored strength is single precision and as of the recompute: inference's own
    // function, from the exact volumes, gives the very value a full inference would.
    strength: contactStrength(c, lastContactAt.getTime(), asOf.getTime()),
    lastWriter: c.lastWriter,
    domainChange: c.domainChange && { from: c.domainChange.from, to: c.domainChange.to, since: new Date(c.domainChange.since) },
    lastSubject: c.lastSubject,
    lastThreadKey: c.lastThreadKey,
  };
}
