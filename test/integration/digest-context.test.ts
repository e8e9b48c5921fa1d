/**
 * The context to write, through its real path: interactions stored as the sync stores them
 * (the real extractors and insertInteractions, in Postgres), read back by chooseEntries — the
 * code both the digest and `rekindle digest preview` use.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderPreview } from '../../src/cli/digest-command.ts';
import { interactionsFromEvent, interactionsFromMessage } from '../../src/contacts/extract-interactions.ts';
import { createOwner } from '../../src/contacts/owner.ts';
import { chooseEntries } from '../../src/digest/choose-entries.ts';
import { insertInteractions } from '../../src/sync/insert-interactions.ts';
import { seedDigestUser } from '../../testkit/digest-fixtures.ts';
import { addr, attendee, event, message } from '../../testkit/inference-fixtures.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/test-database.ts';

const DAY = 86_400_000;
const now = new Date('2025-06-02T12:00:00Z');
const daysAgo = (n: number) => new Date(now.getTime() - n * DAY);
const owner = createOwner(['sam@example.com']);

describe('the context of each person in a digest, from stored interactions', () => {
  let database: TestDatabase;
  let userId: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    let accountId: string;
    ({ userId, accountId } = await seedDigestUser(database, {
      email: 'sam@example.com',
      now,
      people: [
        { email: 'ada@example.org', name: 'Ada Byron', everyDays: 14, lastDaysAgo: 120, conversations: 12, subject: 'Engines' },
        { email: 'eve@example.net', name: 'Eve Park', everyDays: 20, lastDaysAgo: 150, conversations: 10, subject: 'Garden' },
        { email: 'cy@example.com', name: 'Cy Young', everyDays: 7, lastDaysAgo: 2, conversations: 30 },
        { email: 'dee@example.com', name: 'Dee Ray', everyDays: 7, lastDaysAgo: 3, conversations: 30 },
      ],
    }));
    const options = { accountId, storeSubjects: true };
    const sent = (days: number, to: string[], subject: string) =>
      interactionsFromMessage(
        message({ folder: 'sent', from: addr('sam@example.com'), to: to.map(addr), date: daysAgo(days), subject }),
        owner,
        options,
      ).interactions;
    const met = (days: number, subject: string, ada: 'accepted' | 'needsAction') =>
      interactionsFromEvent(
        event({
          subject,
          start: daysAgo(days),
          organizer: { email: 'sam@example.com', name: 'Sam' },
          attendees: [attendee('sam@example.com', { self: true, organizer: true }), attendee('ada@example.org', { responseStatus: ada })],
        }),
        owner,
        options,
      );
    await insertInteractions(database.sql, userId, accountId, [
      // Cy was on two of Sam's messages to Ada; Dee on three, but Sam said never to Dee.
      ...sent(200, ['ada@example.org', 'cy@example.com'], 'Engine drawings'),
      ...sent(190, ['ada@example.org', 'Cy Young <cy@example.com>'], 'Re: Engine drawings'),
      ...sent(185, ['ada@example.org', 'dee@example.com'], 'Tables'),
      ...sent(184, ['ada@example.org', 'dee@example.com'], 'Tables again'),
      ...sent(183, ['ada@example.org', 'dee@example.com'], 'Tables, last'),
      // Eve was on a message with Cy once: chance, not a connection.
      ...sent(300, ['eve@example.net', 'cy@example.com'], 'Party'),
      ...met(150, 'Design review', 'accepted'),
      // Later, but Ada never answered: not shown as shared.
      ...met(130, 'Unanswered sync', 'needsAction'),
    ]);
    await database.sql`insert into contact_marks (user_id, contact, status, marked_at) values (${userId}, 'dee@example.com', 'never', now())`;
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('gives the last meeting both accepted, a mutual connection in touch now (never the one marked never), and an opener', async () => {
    const { entries } = await chooseEntries(database.sql, userId, now, 5);
    const byEmail = new Map(entries.map((e) => [e.email, e.context]));
    expect([...byEmail.keys()].sort()).toEqual(['ada@example.org', 'eve@example.net']);
    expect(byEmail.get('ada@example.org')).toEqual({
      meeting: { title: 'Design review', at: daysAgo(150), people: 2 },
      mutual: {
        contact: 'cy@example.com',
        name: 'Cy Young',
        email: 'cy@example.com',
        shared: 2,
        kinds: ['sent'],
        lastWroteAt: expect.any(Date),
      },
      opener: { code: 'answer', text: 'Sorry for the slow reply about ‘Engines’!' },
    });
    // Eve: no meeting, one message with Cy only: nothing said beyond the opener.
    // Both wrote last (the seeded history ends with their mail): the opener answers their subject.
    expect(byEmail.get('eve@example.net')).toEqual({
      meeting: null,
      mutual: null,
      opener: { code: 'answer', text: 'Sorry for the slow reply about ‘Garden’!' },
    });
  });

  it('the preview prints it, as text and as JSON', async () => {
    const text = await renderPreview(database, 'sam@example.com', now, 5, false);
    expect(text).toMatch(
      /^ {3}Last subject: “Engines” · Last meeting: “Design review”, \d+ \w+ 2025, just the two of you · Mutual: Cy Young \(on 2 of your messages to them; you wrote to Cy \d+ days? ago\)$/m,
    );
    const json = JSON.parse(await renderPreview(database, 'sam@example.com', now, 5, true));
    const ada = json.items.find((i: { email: string }) => i.email === 'ada@example.org');
    expect(ada.lastSharedMeeting).toEqual({ title: 'Design review', at: daysAgo(150).toISOString(), people: 2 });
    expect(ada.mutualConnection).toMatchObject({ email: 'cy@example.com', shared: 2, kinds: ['sent'] });
    expect(ada.opener.text.length).toBeGreaterThan(0);
  });
});
