import type { Sql } from 'postgres';
import { computeContacts } from '../contacts/compute-contacts.ts';
import { loadIdentityDecisions } from './identity-decisions.ts';
import { loadInteractions } from './load-interactions.ts';

/**
 * Rebuilds a user's contacts from their interactions. Interactions that arrive while this
 * runs leave the user dirty (their mark is newer than `startedAt`), so another run follows.
 */
export async function recomputeContacts(sql: Sql, userId: string, now: Date = new Date()): Promise<number> {
  const [clock] = await sql<{ startedAt: Date }[]>`select clock_timestamp() as "startedAt"`;
  const startedAt = clock!.startedAt;
  const contacts = computeContacts(await loadInteractions(sql, userId), {
    asOf: now,
    identities: await loadIdentityDecisions(sql, userId),
  });
  await sql.begin(async (tx) => {
    await tx`delete from contacts where user_id = ${userId}`;
    if (contacts.length > 0) {
      await tx`
        insert into contacts (user_id, contact, email, name, addresses, first_contact_at, last_contact_at, last_outbound_at,
                              last_inbound_at, last_meeting_at, next_meeting_at, sent_count, received_count,
                              meeting_count, cadence_days, strength, last_subject, last_writer)
        select ${userId}, u.contact, u.email, u.name, string_to_array(u.addresses, ' '), u.first_contact_at, u.last_contact_at,
               u.last_outbound_at, u.last_inbound_at, u.last_meeting_at, u.next_meeting_at, u.sent_count, u.received_count,
               u.meeting_count, u.cadence_days, u.strength, u.last_subject, u.last_writer
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
          ${contacts.map((c) => c.lastWriter)}::text[])
          as u(contact, email, name, addresses, first_contact_at, last_contact_at, last_outbound_at, last_inbound_at,
               last_meeting_at, next_meeting_at, sent_count, received_count, meeting_count, cadence_days, strength,
               last_subject, last_writer)`;
    }
    await tx`update users set contacts_computed_at = ${startedAt} where id = ${userId}`;
  });
  return contacts.length;
}
