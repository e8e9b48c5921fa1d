import type { Sql } from 'postgres';
import { MESSAGE_CROWD_KNEE } from '../contacts/interaction-weights.ts';
import { mutualConnection, type CoPresenceRow, type MutualConnection } from '../contacts/mutual-connection.ts';
import type { ContactMark, ReconnectCandidate } from '../contacts/select-reconnects.ts';
import { lastSharedMeeting, type MeetingRow, type SharedMeeting } from '../contacts/shared-meeting.ts';
import type { ContactSummary } from '../contacts/types.ts';
import { chooseOpener, type Opener } from './opener.ts';

/** A row as json_build_object gives it: dates as strings. */
type JsonRow<T> = Omit<T, 'occurredAt'> & { occurredAt: string };

/** What a digest entry offers to help write, beyond who, when and why. */
export interface EntryContext {
  meeting: SharedMeeting | null;
  mutual: MutualConnection | null;
  opener: Opener;
}

/**
 * The context of each listed person, from stored interactions only (one statement for the
 * whole list): their last shared meeting, a mutual connection the user is in touch with now,
 * and an opener from the main reason.
 */
export async function loadEntryContext(
  sql: Sql,
  userId: string,
  asOf: Date,
  listed: readonly ReconnectCandidate[],
  contacts: readonly ContactSummary[],
  marks: ReadonlyMap<string, ContactMark>,
): Promise<EntryContext[]> {
  if (listed.length === 0) return [];
  const addresses = [...new Set(listed.flatMap((c) => [c.contact.key, ...c.contact.addresses]))];
  // One statement, one round trip (a digest is a handful of them): the user's timezone, the
  // listed people's meetings, and everyone on the small messages and meetings they were on with the user.
  const [row] = await sql<
    { timezone: string | null; meetings: JsonRow<MeetingRow & { contact: string }>[]; coPresence: JsonRow<CoPresenceRow>[] }[]
  >`
    select
      (select timezone from users where id = ${userId}) as timezone,
      (select coalesce(json_agg(json_build_object('contact', contact, 'sourceKey', source_key, 'occurredAt', occurred_at,
                                                 'weight', weight, 'participants', participants, 'subject', subject)), '[]'::json)
         from interactions
        where user_id = ${userId} and kind = 'meeting' and contact = any(${addresses}::text[]) and occurred_at <= ${asOf}) as meetings,
      (select coalesce(json_agg(json_build_object('sourceKey', i.source_key, 'contact', i.contact, 'kind', i.kind,
                                                 'occurredAt', i.occurred_at, 'participants', i.participants)), '[]'::json)
         from interactions i
        where i.user_id = ${userId} and i.kind in ('sent', 'meeting')
          and i.source_key in (
            select source_key from interactions
             where user_id = ${userId} and contact = any(${addresses}::text[]) and kind in ('sent', 'meeting')
               and occurred_at <= ${asOf} and participants between 2 and ${MESSAGE_CROWD_KNEE})) as "coPresence"`;
  const meetings = row!.meetings.map((m) => ({ ...m, occurredAt: new Date(m.occurredAt) }));
  const coPresence = row!.coPresence.map((c) => ({ ...c, occurredAt: new Date(c.occurredAt) }));
  const user = { timezone: row!.timezone ?? 'UTC' };
  const byAddress = new Map<string, ContactSummary>();
  for (const contact of contacts) for (const address of [contact.key, ...contact.addresses]) byAddress.set(address, contact);
  const listedKeys = new Set(listed.map((c) => c.contact.key));
  return listed.map((candidate) => {
    const own = new Set([candidate.contact.key, ...candidate.contact.addresses]);
    const meeting = lastSharedMeeting(
      meetings.filter((m) => own.has(m.contact)),
      asOf,
    );
    const mutual = mutualConnection({ person: candidate.contact, rows: coPresence, byAddress, marks, listed: listedKeys, asOf });
    const opener = chooseOpener({
      codes: candidate.reasons.map((r) => r.code),
      contact: candidate.contact,
      meeting,
      asOf,
      timezone: user.timezone,
    });
    return { meeting, mutual, opener };
  });
}
