/** The Google emulator's Calendar events.list, driven through the real googleapis client. */
import { calendar as calendarApi, type calendar_v3 } from '@googleapis/calendar';
import { OAuth2Client } from 'google-auth-library';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startGoogleEmulator, type GoogleEmulator, type SeedEvent } from '../../fakes/google/index.ts';

const ADA = 'ada@example.com';

let emulator: GoogleEmulator;
let calendar: calendar_v3.Calendar;

beforeEach(async () => {
  emulator = await startGoogleEmulator();
});

afterEach(async () => {
  await emulator.close();
});

function connect(email = ADA, scopes?: string[]) {
  const auth = new OAuth2Client({
    clientId: emulator.clientId,
    clientSecret: emulator.clientSecret,
    endpoints: { oauth2TokenUrl: emulator.tokenUrl },
  });
  auth.setCredentials({ refresh_token: emulator.issueRefreshToken(email, scopes) });
  return calendarApi({ version: 'v3', rootUrl: emulator.url, auth, retry: false });
}

function seed(events: SeedEvent[], aliases: string[] = []) {
  emulator.addMailbox({ email: ADA, aliases, messages: [], events });
  calendar = connect();
}

function meeting(summary: string, day: number, extra: Partial<SeedEvent> = {}): SeedEvent {
  const start = new Date(Date.UTC(2024, 2, day, 15));
  return {
    summary,
    start: { dateTime: start.toISOString() },
    end: { dateTime: new Date(start.getTime() + 3_600_000).toISOString() },
    attendees: [
      { email: 'bob@example.org', displayName: 'Bob', responseStatus: 'accepted' },
      { email: ADA, responseStatus: 'accepted' },
    ],
    ...extra,
  };
}

async function failure(promise: Promise<unknown>): Promise<{ status: number; response: { data: any } }> {
  try {
    await promise;
  } catch (error) {
    return error as { status: number; response: { data: any } };
  }
  throw new Error('expected the request to fail');
}

/** Reads every page; returns the items and what each page carried. */
async function listAll(params: calendar_v3.Params$Resource$Events$List) {
  const items: calendar_v3.Schema$Event[] = [];
  const pages: { nextPageToken?: string | null; nextSyncToken?: string | null }[] = [];
  let pageToken: string | undefined;
  do {
    const page = await calendar.events.list({ calendarId: 'primary', ...params, ...(pageToken ? { pageToken } : {}) });
    items.push(...(page.data.items ?? []));
    pages.push({ nextPageToken: page.data.nextPageToken, nextSyncToken: page.data.nextSyncToken });
    pageToken = page.data.nextPageToken ?? undefined;
  } while (pageToken);
  return { items, pages, syncToken: pages.at(-1)!.nextSyncToken! };
}

describe('Google emulator: Calendar events.list', () => {
  it('pages with nextPageToken and gives nextSyncToken only on the last page', async () => {
    seed(Array.from({ length: 7 }, (_, i) => meeting(`m${i}`, i + 1)));
    const { items, pages } = await listAll({ maxResults: 3, singleEvents: true });
    expect(items.map((e) => e.summary)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6']);
    expect(pages.map((p) => [Boolean(p.nextPageToken), Boolean(p.nextSyncToken)])).toEqual([
      [true, false],
      [true, false],
      [false, true],
    ]);
  });

  it('serves 250 events a page by default', async () => {
    seed(Array.from({ length: 260 }, (_, i) => meeting(`m${i}`, 1 + (i % 28))));
    const first = await calendar.events.list({ calendarId: 'primary' });
    expect(first.data.items).toHaveLength(250);
    expect(first.data.nextPageToken).toBeTruthy();
  });

  it('writes events like Calendar: organizer, attendees with self on the owner’s own entries', async () => {
    seed(
      [
        meeting('Review', 5, {
          organizer: { email: 'bob@example.org', displayName: 'Bob' },
          attendees: [
            { email: 'bob@example.org', responseStatus: 'accepted', organizer: true },
            { email: 'ada.l@example.com', responseStatus: 'tentative' },
            { email: 'room-1@resource.example.com', responseStatus: 'accepted', resource: true },
          ],
        }),
      ],
      ['ada.l@example.com'],
    );
    const [event] = (await calendar.events.list({ calendarId: 'primary' })).data.items!;
    expect(event).toMatchObject({
      kind: 'calendar#event',
      status: 'confirmed',
      summary: 'Review',
      organizer: { email: 'bob@example.org', displayName: 'Bob' },
      start: { dateTime: '2024-03-05T15:00:00.000Z' },
      attendees: [
        { email: 'bob@example.org', organizer: true, responseStatus: 'accepted' },
        { email: 'ada.l@example.com', self: true, responseStatus: 'tentative' },
        { email: 'room-1@resource.example.com', resource: true, responseStatus: 'accepted' },
      ],
    });
    expect(event!.organizer!.self).toBeUndefined();
    expect(event!.iCalUID).toBe(`${event!.id}@google.com`);
  });

  it('leaves cancelled events out of a full listing unless showDeleted', async () => {
    seed([meeting('kept', 1), meeting('dropped', 2, { status: 'cancelled' })]);
    expect((await listAll({})).items.map((e) => e.summary)).toEqual(['kept']);
    const withDeleted = await listAll({ showDeleted: true });
    expect(withDeleted.items.map((e) => e.status)).toEqual(['confirmed', 'cancelled']);
  });

  it('returns with a syncToken exactly what changed since, cancelled events included, and then nothing', async () => {
    seed([meeting('a', 1), meeting('b', 2), meeting('c', 3)]);
    const full = await listAll({ singleEvents: true });
    const [a, b] = full.items;

    const added = emulator.addEvent(ADA, meeting('d', 4));
    emulator.updateEvent(ADA, a!.id!, {
      summary: 'a (moved)',
      start: { dateTime: '2024-03-10T09:00:00Z' },
      end: { dateTime: '2024-03-10T10:00:00Z' },
    });
    emulator.cancelEvent(ADA, b!.id!);

    const changes = await listAll({ singleEvents: true, syncToken: full.syncToken });
    expect(changes.items.map((e) => [e.id, e.status, e.summary])).toEqual([
      [added, 'confirmed', 'd'],
      [a!.id, 'confirmed', 'a (moved)'],
      [b!.id, 'cancelled', undefined],
    ]);
    expect(changes.items[1]!.sequence).toBe(1);
    expect(changes.syncToken).not.toBe(full.syncToken);

    const nothing = await listAll({ singleEvents: true, syncToken: changes.syncToken });
    expect(nothing.items).toEqual([]);
    expect(nothing.syncToken).toBeTruthy();
  });

  it('pages an incremental answer and reports changes made during a full listing in the next sync', async () => {
    seed(Array.from({ length: 6 }, (_, i) => meeting(`m${i}`, i + 1)));
    const first = await calendar.events.list({ calendarId: 'primary', maxResults: 2 });
    const touched = first.data.items![0]!.id!;
    emulator.updateEvent(ADA, touched, { summary: 'renamed while paging' });
    const created = emulator.addEvent(ADA, meeting('created while paging', 20));
    let pageToken = first.data.nextPageToken!;
    let syncToken: string | undefined;
    const seen = first.data.items!.map((e) => e.id);
    while (!syncToken) {
      const page = await calendar.events.list({ calendarId: 'primary', maxResults: 2, pageToken });
      seen.push(...page.data.items!.map((e) => e.id));
      pageToken = page.data.nextPageToken!;
      syncToken = page.data.nextSyncToken ?? undefined;
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toContain(created);

    const changes = await listAll({ syncToken, maxResults: 1 });
    expect(changes.pages.map((p) => Boolean(p.nextSyncToken))).toEqual([false, true]);
    expect(changes.items.map((e) => e.id).sort()).toEqual([touched, created].sort());
    expect(changes.items.find((e) => e.id === touched)!.summary).toBe('renamed while paging');
  });

  it('answers an expired syncToken with 410 fullSyncRequired, and a fresh full sync works again', async () => {
    seed([meeting('a', 1)]);
    const { syncToken } = await listAll({});
    emulator.expireSyncTokens(ADA);
    const gone = await failure(calendar.events.list({ calendarId: 'primary', syncToken }));
    expect(gone.status).toBe(410);
    expect(gone.response.data).toEqual({
      error: {
        code: 410,
        message: 'Sync token is no longer valid, a full sync is required.',
        errors: [{ domain: 'global', reason: 'fullSyncRequired', message: 'Sync token is no longer valid, a full sync is required.' }],
      },
    });
    const again = await listAll({});
    emulator.addEvent(ADA, meeting('b', 2));
    expect((await listAll({ syncToken: again.syncToken })).items.map((e) => e.summary)).toEqual(['b']);
    expect((await failure(calendar.events.list({ calendarId: 'primary', syncToken: 'not-a-token' }))).status).toBe(410);
  });

  it('refuses timeMin, timeMax and orderBy together with a syncToken (400)', async () => {
    seed([meeting('a', 1)]);
    const { syncToken } = await listAll({});
    for (const extra of [{ timeMin: '2024-01-01T00:00:00Z' }, { timeMax: '2025-01-01T00:00:00Z' }, { orderBy: 'updated' }]) {
      const refused = await failure(calendar.events.list({ calendarId: 'primary', syncToken, ...extra }));
      expect(refused.status).toBe(400);
      expect(refused.response.data.error.errors[0].location).toBe(Object.keys(extra)[0]);
    }
  });

  it('bounds a full listing by timeMin/timeMax and orders by startTime only for single events', async () => {
    seed([meeting('late', 20), meeting('early', 2), meeting('middle', 10)]);
    const window = await listAll({
      timeMin: '2024-03-05T00:00:00Z',
      timeMax: '2024-03-25T00:00:00Z',
      singleEvents: true,
      orderBy: 'startTime',
    });
    expect(window.items.map((e) => e.summary)).toEqual(['middle', 'late']);
    expect(window.syncToken).toBeTruthy();
    expect((await failure(calendar.events.list({ calendarId: 'primary', orderBy: 'startTime' }))).status).toBe(400);
    const empty = await failure(
      calendar.events.list({ calendarId: 'primary', timeMin: '2024-03-05T00:00:00Z', timeMax: '2024-03-01T00:00:00Z' }),
    );
    expect(empty.response.data.error.errors[0].reason).toBe('timeRangeEmpty');
  });

  it('serves the primary calendar by its id or the owner’s address, and 404 for another calendar', async () => {
    seed([meeting('a', 1)]);
    expect((await calendar.events.list({ calendarId: ADA })).data.items).toHaveLength(1);
    const missing = await failure(calendar.events.list({ calendarId: 'someone@example.org' }));
    expect(missing.status).toBe(404);
    expect(missing.response.data.error.errors[0].reason).toBe('notFound');
  });

  it('refuses a token without a calendar scope', async () => {
    seed([]);
    const refused = await failure(connect(ADA, ['gmail.metadata']).events.list({ calendarId: 'primary' }));
    expect(refused.status).toBe(403);
    expect(refused.response.data.error.errors[0].reason).toBe('insufficientPermissions');
  });
});
