/**
 * What a finished sync left in Postgres, in a form two databases can be compared by: every
 * row keyed by what the provider and the messages say (never by generated ids), times as ISO
 * strings, reals rounded. `compareSnapshots` says what the disturbed run lost, what it holds
 * twice or extra, and which contacts or cursors differ from the undisturbed run's.
 */
import type { Sql } from 'postgres';

export interface SyncSnapshot {
  messages: string[];
  events: string[];
  interactions: string[];
  contacts: Map<string, string>;
  /** stream → { phase, cursor, backfillCompleted } as JSON. */
  cursors: Map<string, { phase: string; cursor: unknown; completed: boolean }>;
  /** Rows of one message or event stored more than once (by provider id or Message-ID). */
  duplicateRows: number;
}

export async function takeSnapshot(sql: Sql): Promise<SyncSnapshot> {
  const messages = await sql<{ k: string }[]>`select provider_id as k from mail_messages order by 1`;
  const events = await sql<{ k: string }[]>`
    select provider_id || ' ' || coalesce(starts_at::text, '') || ' ' || coalesce(status, '') || ' ' || attendee_count as k
      from calendar_events order by 1`;
  const interactions = await sql<{ k: string }[]>`
    select concat_ws(' ', source_key, contact, kind, occurred_at::text, round(weight::numeric, 6), participants) as k
      from interactions order by 1`;
  const contacts = await sql<{ contact: string; row: string }[]>`
    select contact, concat_ws(' | ', email, name, array_to_string(addresses, ','), first_contact_at::text, last_contact_at::text,
                              last_outbound_at::text, last_inbound_at::text, last_meeting_at::text, next_meeting_at::text,
                              sent_count, received_count, meeting_count, round(cadence_days::numeric, 4), last_subject, last_writer,
                              round(sent_weight::numeric, 6), round(received_weight::numeric, 6), round(meeting_weight::numeric, 6)) as row
      from contacts order by contact`;
  const streams = await sql<{ stream: string; phase: string; cursor: unknown; completed: boolean }[]>`
    select stream, phase, cursor, backfill_completed_at is not null as completed from sync_streams order by stream`;
  const [dup] = await sql<{ n: number }[]>`
    select (select count(*) - count(distinct provider_id) from mail_messages)
         + (select count(*) - count(distinct internet_message_id) from mail_messages where internet_message_id is not null)
         + (select count(*) - count(distinct provider_id) from calendar_events) as n`;
  return {
    messages: messages.map((r) => r.k),
    events: events.map((r) => r.k),
    interactions: interactions.map((r) => r.k),
    contacts: new Map(contacts.map((r) => [r.contact, r.row])),
    cursors: new Map(streams.map((s) => [s.stream, { phase: s.phase, cursor: s.cursor, completed: s.completed }])),
    duplicateRows: Number(dup!.n),
  };
}

export interface Comparison {
  /** Rows (messages, events, interactions, contacts) the undisturbed run has and this one lacks. */
  lost: number;
  /** Rows this run has twice, or that the undisturbed run does not have at all. */
  duplicates: number;
  /** Contacts present in both whose figures differ. */
  contactsDiffering: number;
  /** Streams whose phase, completion or cursor differ (see `cursorsMatch`). */
  cursorsDiffering: number;
  /** The first few differences, for the report. */
  examples: string[];
}

/**
 * `cursorsMatch` decides whether two cursors of one stream are equal; a run whose cursors
 * expired on purpose compares them against the provider's current position instead.
 */
export function compareSnapshots(
  reference: SyncSnapshot,
  actual: SyncSnapshot,
  cursorsMatch: (stream: string, reference: unknown, actual: unknown) => boolean = (_, a, b) => JSON.stringify(a) === JSON.stringify(b),
): Comparison {
  const result: Comparison = { lost: 0, duplicates: actual.duplicateRows, contactsDiffering: 0, cursorsDiffering: 0, examples: [] };
  const note = (text: string) => result.examples.length < 12 && result.examples.push(text);
  for (const [name, want, got] of [
    ['message', reference.messages, actual.messages],
    ['event', reference.events, actual.events],
    ['interaction', reference.interactions, actual.interactions],
  ] as const) {
    const wanted = counts(want);
    const have = counts(got);
    for (const [key, n] of wanted) {
      const m = have.get(key) ?? 0;
      if (m < n) {
        result.lost += n - m;
        note(`lost ${name}: ${key}`);
      }
    }
    for (const [key, m] of have) {
      const n = wanted.get(key) ?? 0;
      if (m > n) {
        result.duplicates += m - n;
        note(`extra ${name}: ${key}`);
      }
    }
  }
  for (const [contact, row] of reference.contacts) {
    const other = actual.contacts.get(contact);
    if (other === undefined) {
      result.lost++;
      note(`lost contact: ${contact}`);
    } else if (other !== row) {
      result.contactsDiffering++;
      note(`contact differs: ${contact}\n    undisturbed: ${row}\n    disturbed:   ${other}`);
    }
  }
  for (const contact of actual.contacts.keys()) {
    if (!reference.contacts.has(contact)) {
      result.duplicates++;
      note(`extra contact: ${contact}`);
    }
  }
  for (const [stream, want] of reference.cursors) {
    const got = actual.cursors.get(stream);
    if (!got || got.phase !== want.phase || got.completed !== want.completed || !cursorsMatch(stream, want.cursor, got.cursor)) {
      result.cursorsDiffering++;
      note(`cursor differs: ${stream}: ${JSON.stringify(want)} vs ${JSON.stringify(got)}`);
    }
  }
  return result;
}

function counts(keys: string[]): Map<string, number> {
  const map = new Map<string, number>();
  for (const key of keys) map.set(key, (map.get(key) ?? 0) + 1);
  return map;
}
