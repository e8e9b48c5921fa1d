/**
 * What the "who is due" page shows, read in one go: the people the next few weekly lists
 * would likely hold (chooseComingLists: the digest's own selection, evaluated at each coming
 * slot), everyone the user told rekindle something about (contact_marks: done, snoozed, never,
 * met or called, a rhythm), each person's monthly exchanges over two years for their rhythm
 * picture, and the newest change a per-person undo would take back.
 */
import type { Sql } from '../db/client.ts';
import { contactsAsOf } from '../contact-store/contacts-as-of.ts';
import { NOISE_WEIGHT } from '../contacts/compute-contacts.ts';
import { markHolds, type ContactMark, type ReconnectCandidate } from '../contacts/select-reconnects.ts';
import type { ContactSummary } from '../contacts/types.ts';
import { chooseComingLists } from '../digest/choose-entries.ts';
import { newestEntriesAbout, type JournalEntry } from '../verdicts/journal.ts';
import { monthlySeries, RHYTHM_MONTHS } from './rhythm-sparkline.ts';
import { nextSlotAfter, type UserStatus } from './user-status.ts';

/** The lists shown: the next one and the three after it. */
export const COMING_LISTS = 4;

export interface DuePerson {
  /** Identity key (contacts.contact, contact_marks.contact). */
  contact: string;
  name: string | null;
  email: string;
  /** Null for a mark about someone no longer among the contacts (an identity merged since). */
  summary: ContactSummary | null;
  /** Why curation would list them (people in a coming list only). */
  candidate: ReconnectCandidate | null;
  mark: ContactMark | null;
  /** Which part of the mark keeps them off the lists today, if any. */
  holds: 'done' | 'snoozed' | 'never' | null;
  rhythm: { counts: number[]; lastAt: Date | null };
  /** The newest change about them alone still standing: what their undo button takes back. */
  undo: JournalEntry | null;
}

export interface DueView {
  lists: { at: Date; soon: boolean; people: DuePerson[] }[];
  /** Everyone with a mark, met day or rhythm, by name. */
  told: DuePerson[];
}

export async function loadDueView(sql: Sql, status: UserStatus, budget: number, now = new Date()): Promise<DueView> {
  const schedule = { day: status.digestDay, hour: status.digestHour, timezone: status.timezone };
  // The next list: due now (waiting on the first sync or the scheduler), or at the next slot; paused lists would go out then too.
  const first = status.nextDigest?.soon ? now : (status.nextDigest?.at ?? nextSlotAfter(now, schedule));
  const dates = [first];
  while (dates.length < COMING_LISTS) dates.push(nextSlotAfter(dates.at(-1)!, schedule));

  const [lists, current, markRows] = await Promise.all([
    chooseComingLists(sql, status.id, dates, budget),
    contactsAsOf(sql, status.id, now),
    sql<({ contact: string } & ContactMark)[]>`
      select contact, status, marked_at as "markedAt", until, met_at as "metAt", cadence_days as "cadenceDays"
        from contact_marks where user_id = ${status.id}`,
  ]);
  const byKey = new Map(current.contacts.map((c) => [c.key, c]));
  const marks = new Map(markRows.map(({ contact, ...mark }) => [contact, mark as ContactMark]));

  const shown = new Map<string, ContactSummary | null>();
  for (const list of lists) for (const c of list) shown.set(c.contact.key, c.contact);
  for (const key of marks.keys()) if (!shown.has(key)) shown.set(key, byKey.get(key) ?? null);
  const [rhythms, undos] = await Promise.all([
    monthlyExchanges(sql, status.id, shown, status.timezone, now),
    sql.begin('isolation level repeatable read read only', (tx) => newestEntriesAbout(tx, status.id, [...shown.keys()])),
  ]);

  const person = (key: string, candidate: ReconnectCandidate | null): DuePerson => {
    const summary = candidate?.contact ?? shown.get(key) ?? null;
    const mark = marks.get(key) ?? null;
    return {
      contact: key,
      name: summary?.name ?? null,
      email: summary?.email ?? key,
      summary,
      candidate,
      mark,
      holds: mark ? markHolds(mark, summary ?? { lastContactAt: new Date(0) }, now.getTime()) : null,
      rhythm: rhythms.get(key) ?? { counts: new Array<number>(RHYTHM_MONTHS).fill(0), lastAt: null },
      undo: undos.get(key) ?? null,
    };
  };
  const told = [...marks.keys()]
    .map((key) => person(key, null))
    .sort((a, b) => (a.name ?? a.email).localeCompare(b.name ?? b.email, 'en') || a.contact.localeCompare(b.contact));
  return {
    lists: dates.map((at, i) => ({
      at,
      soon: i === 0 && status.nextDigest?.soon === true,
      people: lists[i]!.map((c) => person(c.contact.key, c)),
    })),
    told,
  };
}

/**
 * Each person's personal messages and meetings per month (the user's months) over the last two
 * years up to now — the interactions inference counts as personal (weight ≥ NOISE_WEIGHT),
 * one per message or meeting and direction, over every address of the person.
 */
async function monthlyExchanges(
  sql: Sql,
  userId: string,
  people: ReadonlyMap<string, ContactSummary | null>,
  timezone: string,
  now: Date,
): Promise<Map<string, { counts: number[]; lastAt: Date | null }>> {
  const keys: string[] = [];
  const addresses: string[] = [];
  for (const [key, summary] of people) {
    for (const address of summary?.addresses.length ? summary.addresses : [key]) {
      keys.push(key);
      addresses.push(address);
    }
  }
  const result = new Map<string, { counts: number[]; lastAt: Date | null }>();
  if (keys.length === 0) return result;
  const rows = await sql<{ key: string; month: string; count: number; lastAt: Date }[]>`
    with wanted as (select * from unnest(${keys}::text[], ${addresses}::text[]) as w(key, address))
    select w.key, to_char(i.occurred_at at time zone ${timezone}, 'YYYY-MM') as month,
           count(distinct (i.source_key, i.kind))::int as count, max(i.occurred_at) as "lastAt"
      from interactions i join wanted w on w.address = i.contact
     where i.user_id = ${userId} and i.weight >= ${NOISE_WEIGHT} and i.occurred_at <= ${now}
       and i.occurred_at at time zone ${timezone}
           >= date_trunc('month', ${now}::timestamptz at time zone ${timezone}) - ${`${RHYTHM_MONTHS - 1} months`}::interval
     group by w.key, month`;
  const endMonth = new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit' }).format(now);
  const byKey = new Map<string, { month: string; count: number; lastAt: Date }[]>();
  for (const row of rows) {
    const own = byKey.get(row.key);
    if (own) own.push(row);
    else byKey.set(row.key, [row]);
  }
  for (const [key, own] of byKey) {
    const lastAt = own.reduce<Date | null>((latest, r) => (!latest || r.lastAt > latest ? r.lastAt : latest), null);
    result.set(key, { counts: monthlySeries(own, endMonth), lastAt });
  }
  return result;
}
