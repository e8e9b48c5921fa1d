/**
 * Incremental contact recomputes must leave exactly what a full recompute leaves. Two users
 * receive the same random mail and meetings through the real ingestion (ingestMail,
 * ingestCalendar: new mail, meetings accepted, moved and cancelled, time passing over
 * upcoming meetings, namesakes, people who move jobs, the user's own merge and split
 * decisions); after every round one user's contacts are recomputed incrementally and the
 * other's from scratch, and the two tables must be identical, row for row, bit for bit.
 * And what the digest and `rekindle contacts` read (contactsAsOf: the store, with whoever
 * changed since inferred again) must be exactly inference over every interaction, whether
 * the recompute has run or is still pending.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideIdentity } from '../../src/contact-store/identity-decisions.ts';
import { loadIdentityDecisions } from '../../src/contact-store/identity-decisions.ts';
import { loadInteractions } from '../../src/contact-store/load-interactions.ts';
import { contactsAsOf } from '../../src/contact-store/contacts-as-of.ts';
import { refreshContacts, type RecomputeReport } from '../../src/contact-store/recompute-contacts.ts';
import { computeContacts } from '../../src/contacts/compute-contacts.ts';
import { createOwner } from '../../src/contacts/owner.ts';
import { ensureLocalAccount, type LocalAccount } from '../../src/import/local-account.ts';
import type { CalendarEvent, MessageMeta } from '../../src/mail/types.ts';
import { ingestCalendar } from '../../src/sync/ingest-calendar.ts';
import { ingestMail } from '../../src/sync/ingest-mail.ts';
import { addr, attendee, NO_FLAGS } from '../../testkit/inference-fixtures.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/test-database.ts';

const DAY = 86_400_000;
const ME = 'me@home.example';

/** People with the shapes identity cares about: namesakes, two addresses of one person, a job change. */
const PEOPLE: { name: string; addresses: string[]; later?: string[] }[] = [
  { name: 'Ann Lee', addresses: ['ann.lee@partner.com', 'alee@partner.com'] },
  { name: 'Jonas Weber', addresses: ['jonas.weber@oldco.de', 'jonas@newco.io'] },
  { name: 'Maria Garcia', addresses: ['maria.garcia@gmail.com'] },
  { name: 'Maria Garcia', addresses: ['mgarcia@gmail.com'] },
  { name: 'Bob Stone', addresses: ['bob@stone.org'] },
  { name: 'Bob', addresses: ['bobby@stone.org'] },
  { name: 'Chen Wei', addresses: ['chen.wei@lab.cn', 'wei.chen@lab.cn'] },
  { name: 'Dana Scully', addresses: ['dana@fbi.gov'] },
  { name: 'Eve Adams', addresses: ['eve@adams.net'] },
  { name: 'Frank Ocean', addresses: ['frank@ocean.fm', 'frank.ocean@label.com'] },
  { name: 'Grace Hopper', addresses: ['grace@navy.mil'] },
  { name: 'Hal Finney', addresses: ['hal@pgp.com'], later: ['hal.finney@pgp.com'] },
  { name: 'Ida Wells', addresses: ['ida@press.org'], later: ['iwells@press.org'] },
  { name: 'Kim Watson', addresses: ['kim.watson@enron.com'], later: ['kwatson@ect.enron.com', 'kim@watson.me'] },
  ...Array.from({ length: 24 }, (_, i) => ({
    name: `Person Number${String.fromCharCode(97 + i)}`,
    addresses: [`p${i}@crowd${i % 5}.org`],
  })),
];

function rng(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

/** One random history: rounds of mail and calendar changes, each with the instant to recompute at. */
function history(seed: number) {
  const rand = rng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const start = Date.UTC(2022, 0, 3, 9);
  let ids = 0;
  let asOf = start + 400 * DAY;
  let round = 0;
  const someone = () => {
    const person = pick(PEOPLE);
    // Some people get a new address half-way: only it is new, the old ones are untouched.
    const later = 'later' in person && person.later && round >= 4 ? person.later : [];
    const email = pick([...person.addresses, ...later]);
    const name = rand() < 0.8 ? person.name : rand() < 0.5 ? person.name.toUpperCase() : null;
    return addr(name ? `${name} <${email}>` : email);
  };
  // Messages land on a few instants, so many share one timestamp (ties must not matter).
  const when = (from: number, to: number) => from + Math.floor(rand() * ((to - from) / (6 * 3_600_000))) * 6 * 3_600_000;
  const mail = (from: number, to: number): MessageMeta => {
    const outbound = rand() < 0.45;
    const crowd = rand() < 0.1;
    const people = Array.from({ length: crowd ? 31 : 1 + Math.floor(rand() * 3) }, someone);
    const id = ++ids;
    return {
      providerId: `p${seed}-${id}`,
      threadId: `t${id % 7}`,
      internetMessageId: `m${seed}-${id}@mail.example`,
      inReplyTo: null,
      date: new Date(when(from, to)),
      from: outbound ? addr(`Me <${ME}>`) : people[0]!,
      sender: null,
      replyTo: [],
      to: outbound ? people.slice(0, 2) : [addr(ME), ...people.slice(1, 2)],
      cc: people.slice(2),
      bcc: [],
      subject: pick(['Lunch?', 'Re: Lunch?', 'Q3 plan', 'Fwd: photos', 'Hello', null]),
      folder: outbound ? 'sent' : 'inbox',
      flags: { ...NO_FLAGS, listId: rand() < 0.05 ? '<list.example>' : null },
    };
  };
  const events: CalendarEvent[] = [];
  const meeting = (from: number, to: number): CalendarEvent => {
    const id = ++ids;
    const begin = when(from, to);
    return {
      providerId: `e${seed}-${id}`,
      iCalUid: `uid${seed}-${id}@calendar.example`,
      status: 'confirmed',
      start: new Date(begin),
      end: new Date(begin + 3_600_000),
      allDay: false,
      organizer: { email: ME, name: 'Me' },
      attendees: [
        attendee(ME, { self: true, organizer: true }),
        ...Array.from({ length: 1 + Math.floor(rand() * 3) }, () => {
          const who = someone();
          return attendee(who.email, {
            name: who.name,
            responseStatus: pick(['accepted', 'accepted', 'tentative', 'declined', 'needsAction'] as const),
          });
        }),
      ],
      subject: pick(['Sync', 'Coffee', 'Review']),
    };
  };

  const rounds: { mail: MessageMeta[]; events: CalendarEvent[]; asOf: Date; decision?: [string, string, 'merge' | 'split' | 'undo'] }[] =
    [];
  for (round = 0; round < 8; round++) {
    const count = round === 0 ? 160 : 3 + Math.floor(rand() * 12);
    const previous = asOf;
    asOf += Math.floor(rand() * 60) * DAY + Math.floor(rand() * 24) * 3_600_000;
    // Mostly new mail up to now; some old mail found late (a second mailbox); some dated ahead.
    const batch = Array.from({ length: count }, () =>
      rand() < 0.2 ? mail(start, previous) : rand() < 0.1 ? mail(asOf, asOf + 90 * DAY) : mail(previous, asOf),
    );
    const changed: CalendarEvent[] = [];
    for (let i = 0; i < (round === 0 ? 25 : 3); i++) {
      // Upcoming meetings become history as the rounds move on.
      const e = meeting(round === 0 ? start : previous, asOf + 120 * DAY);
      events.push(e);
      changed.push(e);
    }
    if (round > 0) {
      for (const e of events.slice(0, 4)) {
        if (rand() < 0.5) changed.push({ ...e, status: 'cancelled' });
        // biome-ignore lint/suspicious/noDuplicateElseIf: a second draw of the generator, not the same condition
        else if (rand() < 0.5)
          changed.push({ ...e, start: new Date(e.start!.getTime() + 2 * DAY), end: new Date(e.end!.getTime() + 2 * DAY) });
      }
    }
    const decision: (typeof rounds)[number]['decision'] =
      round === 3 && rand() < 0.6
        ? (pick([
            ['maria.garcia@gmail.com', 'mgarcia@gmail.com', 'merge'],
            ['ann.lee@partner.com', 'alee@partner.com', 'split'],
            ['bob@stone.org', 'bobby@stone.org', 'merge'],
          ] as const).slice() as [string, string, 'merge' | 'split'])
        : round === 6 && rand() < 0.5
          ? ['maria.garcia@gmail.com', 'mgarcia@gmail.com', 'undo']
          : undefined;
    rounds.push({ mail: batch, events: changed, asOf: new Date(asOf), ...(decision ? { decision } : {}) });
  }
  return rounds;
}

describe('incremental contact recompute', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterAll(async () => {
    await database?.drop();
  });

  async function feed(account: LocalAccount, round: ReturnType<typeof history>[number]): Promise<void> {
    const target = { userId: account.userId, accountId: account.accountId, owner: createOwner(account.addresses), storeSubjects: true };
    await ingestMail(database.sql, target, round.mail, []);
    await ingestCalendar(database.sql, target, round.events);
    if (round.decision) {
      const [a, b, decision] = round.decision;
      await decideIdentity(database.sql, account.userId, a, b, decision);
    }
  }

  async function tables(userId: string) {
    const contacts = await database.sql`
      select contact, email, name, addresses, first_contact_at, last_contact_at, last_outbound_at, last_inbound_at,
             last_meeting_at, next_meeting_at, sent_count, received_count, meeting_count, cadence_days, strength,
             last_subject, last_writer, last_thread_key, identity_links, domain_change, sent_weight, sent_decaying,
             received_weight, received_decaying, meeting_weight, meeting_decaying
        from contacts where user_id = ${userId} order by contact collate "C"`;
    const addresses = await database.sql`
      select address, name_key, person, next_at from contact_addresses where user_id = ${userId} order by address collate "C"`;
    return { contacts, addresses };
  }

  it.each([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])('gives exactly the full recompute on random history %i', async (seed) => {
    const incremental = await ensureLocalAccount(database.sql, `inc${seed}@home.example`, [ME]);
    const full = await ensureLocalAccount(database.sql, `full${seed}@home.example`, [ME]);
    const modes: RecomputeReport['mode'][] = [];
    for (const round of history(seed)) {
      await feed(incremental, round);
      await feed(full, round);
      const report = await refreshContacts(database.sql, incremental.userId, { asOf: round.asOf });
      modes.push(report.mode);
      await refreshContacts(database.sql, full.userId, { asOf: round.asOf, full: true });
      expect(await tables(incremental.userId)).toEqual(await tables(full.userId));
      const dirty = await database.sql`select 1 from dirty_contacts where user_id = ${incremental.userId}`;
      expect(dirty).toHaveLength(0);
    }
    // The first recompute is full; later ones are incremental unless a decision changed.
    expect(modes[0]).toBe('full');
    expect(modes.filter((m) => m === 'incremental').length).toBeGreaterThanOrEqual(5);

    // And the table is what inference over every interaction says.
    const last = history(seed).at(-1)!.asOf;
    const reference = computeContacts(await loadInteractions(database.sql, full.userId), {
      asOf: last,
      identities: await loadIdentityDecisions(database.sql, full.userId),
    });
    const stored = (await tables(full.userId)).contacts;
    expect(stored.map((c) => c.contact).sort()).toEqual(reference.map((c) => c.key).sort());
  });

  /** What inference over every stored interaction says as of `asOf`: the answer contactsAsOf must give. */
  async function inferred(userId: string, asOf: Date) {
    return computeContacts(await loadInteractions(database.sql, userId), {
      asOf,
      identities: await loadIdentityDecisions(database.sql, userId),
    });
  }

  it.each([1, 2, 3, 4, 5, 6])(
    'reads exactly what inference over every interaction gives, recompute pending or done, on random history %i',
    async (seed) => {
      const account = await ensureLocalAccount(database.sql, `reader${seed}@home.example`, [ME]);
      const sources: string[] = [];
      let inferredAgain = 0;
      for (const round of history(seed)) {
        await feed(account, round);
        // The recompute job has not run yet: new mail is dirty, meetings have become history.
        const pending = await contactsAsOf(database.sql, account.userId, round.asOf);
        expect(pending.contacts).toEqual(await inferred(account.userId, round.asOf));
        sources.push(pending.source);
        inferredAgain += pending.inferredAgain;
        await refreshContacts(database.sql, account.userId, { asOf: round.asOf });
        // Days after the recompute, nothing new: strengths have moved, the rest holds.
        const later = new Date(round.asOf.getTime() + 9 * DAY + 5 * 3_600_000);
        const quiet = await contactsAsOf(database.sql, account.userId, later);
        expect(quiet.source).toBe('stored');
        expect(quiet.contacts).toEqual(await inferred(account.userId, later));
      }
      // Only the first read (no recompute yet) and a read after an identity decision infer everything.
      expect(sources[0]).toBe('inferred');
      expect(sources.filter((s) => s === 'stored').length).toBeGreaterThanOrEqual(5);
      expect(inferredAgain).toBeGreaterThan(0);

      // A date before the last recompute: the store cannot say, every interaction is read.
      const past = new Date(history(seed)[2]!.asOf.getTime());
      const before = await contactsAsOf(database.sql, account.userId, past);
      expect(before.source).toBe('inferred');
      expect(before.contacts).toEqual(await inferred(account.userId, past));
    },
  );

  it('reads only the interactions of the people who changed', async () => {
    const account = await ensureLocalAccount(database.sql, 'reader@home.example', [ME]);
    const rounds = history(99);
    await feed(account, rounds[0]!);
    const first = await refreshContacts(database.sql, account.userId, { asOf: rounds[0]!.asOf });
    expect(first.mode).toBe('full');
    const [{ total }] = await database.sql<
      [{ total: number }]
    >`select count(*)::int as total from interactions where user_id = ${account.userId}`;
    expect(first.interactionsRead).toBe(total);

    // One new message from Dana: only Dana's interactions are read again.
    const target = { userId: account.userId, accountId: account.accountId, owner: createOwner(account.addresses), storeSubjects: true };
    const later = new Date(rounds[0]!.asOf.getTime() + DAY);
    await ingestMail(
      database.sql,
      target,
      [
        {
          ...rounds[0]!.mail[0]!,
          providerId: 'dana-1',
          internetMessageId: 'dana-1@mail.example',
          date: later,
          from: addr('Dana Scully <dana@fbi.gov>'),
          to: [addr(ME)],
          cc: [],
          folder: 'inbox',
        },
      ],
      [],
    );
    const [{ dana }] = await database.sql<[{ dana: number }]>`
      select count(*)::int as dana from interactions where user_id = ${account.userId} and contact = 'dana@fbi.gov'`;
    const next = await refreshContacts(database.sql, account.userId, { asOf: new Date(later.getTime() + 1000) });
    expect(next.mode).toBe('incremental');
    expect(next.interactionsRead).toBe(dana);
    expect(next.interactionsRead).toBeLessThan(total / 5);

    // Nothing new, weeks later (before the next meeting becomes history): nothing is read,
    // and strengths still move with time.
    const [{ next: upcoming }] = await database.sql<[{ next: Date | null }]>`
      select min(next_at) as next from contact_addresses where user_id = ${account.userId}`;
    const quietAt = Math.min(later.getTime() + 30 * DAY, (upcoming?.getTime() ?? Infinity) - 1000);
    expect(quietAt - later.getTime()).toBeGreaterThan(2 * DAY);
    const quiet = await refreshContacts(database.sql, account.userId, { asOf: new Date(quietAt) });
    expect(quiet).toMatchObject({ mode: 'incremental', interactionsRead: 0, addresses: 0 });
    expect(quiet.rolledForward).toBeGreaterThan(0);
  });
});
