/**
 * The Google provider through the real googleapis client against the Google emulator: what it
 * asks for, in which order, what it costs, and how it fails.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startGoogleEmulator,
  type GoogleEmulator,
  type RequestRecord,
  type SeedEvent,
  type SeedMessage,
} from '../../fakes/google/index.ts';
import { METADATA_HEADERS } from '../../src/mail/message-meta.ts';
import { isProviderError } from '../../src/providers/provider-error.ts';
import { createGoogleAccount } from '../../src/providers/google/create-google-account.ts';
import type { GmailCursor } from '../../src/providers/google/gmail-mail-source.ts';
import type { GoogleCalendarCursor } from '../../src/providers/google/google-calendar-source.ts';
import type { CalendarSource, MailPage, MailSource, RequestGate, StoredTokens } from '../../src/providers/types.ts';
import { bucketShape, createLocalBucket } from '../../src/sync/quota-bucket.ts';
import { createRequestGate } from '../../src/sync/request-gate.ts';
import { memoryTokenStore, walkMail } from '../../testkit/provider-contract.ts';

let emulator: GoogleEmulator;
/** A second emulator: short history pages and some latency, for paging and concurrency. */
let slow: GoogleEmulator;

beforeAll(async () => {
  emulator = await startGoogleEmulator({ quotaUnitsPerMinute: null });
  slow = await startGoogleEmulator({ quotaUnitsPerMinute: null, historyPageSize: 2, latencyMs: { min: 5, max: 15 } });
});
afterAll(async () => {
  await emulator?.close();
  await slow?.close();
});

let mailboxes = 0;

interface ConnectOptions {
  on?: GoogleEmulator;
  messages?: SeedMessage[];
  events?: SeedEvent[];
  pageSize?: number;
  mailGate?: RequestGate;
  tokens?: (refreshToken: string) => StoredTokens;
}

function connect(options: ConnectOptions = {}) {
  const on = options.on ?? emulator;
  const email = `user${++mailboxes}@example.com`;
  on.addMailbox({ email, messages: options.messages ?? [], events: options.events ?? [] });
  const refreshToken = on.issueRefreshToken(email);
  const tokens = memoryTokenStore(options.tokens?.(refreshToken) ?? { refreshToken, accessToken: null, accessTokenExpiresAt: null });
  const mailGate = options.mailGate ?? createRequestGate({ concurrency: 4 });
  const calendarGate = createRequestGate({ concurrency: 2 });
  const account = createGoogleAccount({
    clientId: on.clientId,
    clientSecret: on.clientSecret,
    apiUrl: on.url,
    tokenUrl: on.tokenUrl,
    tokens,
    mailGate,
    calendarGate,
    pageSize: options.pageSize,
  });
  const mail = account.mail as MailSource<GmailCursor>;
  const calendar = account.calendar as CalendarSource<GoogleCalendarCursor>;
  const log = (method?: string): RequestRecord[] => on.requests(email).filter((r) => method === undefined || r.method === method);
  return { on, email, account, mail, calendar, tokens, mailGate, calendarGate, log };
}

const minutes = (n: number) => new Date(Date.UTC(2024, 4, 1, 8, 0) + n * 60_000).toISOString();

function seed(id: string, labelIds: string[], at: number, subject = `Subject ${id}`): SeedMessage {
  return {
    id,
    labelIds,
    internalDate: minutes(at),
    headers: [
      { name: 'From', value: labelIds.includes('SENT') ? 'Owner <owner@example.com>' : `Friend ${id} <${id}@example.org>` },
      { name: 'To', value: labelIds.includes('SENT') ? `Friend ${id} <${id}@example.org>` : 'owner@example.com' },
      { name: 'Subject', value: subject },
      { name: 'Message-ID', value: `<${id}@example.org>` },
      { name: 'Date', value: new Date(minutes(at)).toUTCString() },
      // Headers rekindle never asks for must not come back.
      { name: 'X-Mailer', value: 'Emulated Mail 1.0' },
      { name: 'Received', value: 'from mx.example.org' },
    ],
  };
}

/** Three sent, four received (one archived), and what never counts. Newest has the highest minute. */
const MAILBOX: SeedMessage[] = [
  seed('s1', ['SENT'], 10),
  seed('i1', ['INBOX', 'CATEGORY_PERSONAL'], 20),
  seed('s2', ['SENT', 'INBOX'], 30),
  seed('i2', ['INBOX', 'CATEGORY_PROMOTIONS'], 40),
  seed('a1', ['CATEGORY_UPDATES'], 50),
  seed('d1', ['DRAFT'], 55),
  seed('s3', ['SENT'], 60),
  seed('i3', ['INBOX', 'UNREAD'], 70),
  seed('sp1', ['SPAM'], 80),
  seed('t1', ['TRASH'], 90),
];

async function pages(mail: MailSource<GmailCursor>, from: GmailCursor | null = null, max = 50) {
  const result: MailPage<GmailCursor>[] = [];
  let cursor = from;
  for (let i = 0; i < max; i++) {
    const page = await mail.nextPage(cursor);
    result.push(page);
    if (page.caughtUp) return result;
    cursor = JSON.parse(JSON.stringify(page.cursor)) as GmailCursor;
  }
  throw new Error('not caught up');
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

describe('Gmail mail source', () => {
  it('backfills Sent first, then all mail newest first, then follows history from the historyId taken first', async () => {
    const g = connect({ messages: MAILBOX, pageSize: 2 });
    const historyIdAtStart = emulator.historyId(g.email);
    const walk = await pages(g.mail);

    const lists = g.log().filter((r) => r.method !== 'oauth.token');
    expect(lists[0]!.method).toBe('gmail.users.getProfile');
    const sentLists = lists.filter((r) => r.method === 'gmail.users.messages.list' && r.query.labelIds === 'SENT');
    const allLists = lists.filter((r) => r.method === 'gmail.users.messages.list' && r.query.labelIds === undefined);
    expect(sentLists).toHaveLength(2);
    expect(allLists).toHaveLength(4);
    expect(lists.indexOf(sentLists.at(-1)!)).toBeLessThan(lists.indexOf(allLists[0]!));
    for (const r of [...sentLists, ...allLists]) expect(r.query).toMatchObject({ maxResults: '2', includeSpamTrash: 'false' });
    expect(lists.some((r) => 'q' in r.query)).toBe(false);

    const stageOf = (i: number) => (i === 0 ? 'sent' : walk[i - 1]!.cursor.stage);
    const refsOf = (stage: string) => walk.flatMap((p, i) => (stageOf(i) === stage ? p.refs.map((r) => r.providerId) : []));
    expect(refsOf('sent')).toEqual(['s3', 's2', 's1']);
    // All mail repeats the sent messages (gmail.metadata cannot exclude them); the engine
    // hydrates only refs it has not seen. Spam and trash are never listed.
    expect(refsOf('all')).toEqual(['i3', 's3', 'd1', 'a1', 'i2', 's2', 'i1', 's1']);
    expect(refsOf('history')).toEqual([]);

    expect(walk.map((p) => [p.cursor.stage, p.phase, p.caughtUp])).toEqual([
      ['sent', 'backfill', false],
      ['all', 'backfill', false],
      ['all', 'backfill', false],
      ['all', 'backfill', false],
      ['all', 'backfill', false],
      ['history', 'incremental', false],
      ['history', 'incremental', true],
    ]);
    expect(walk.slice(0, -1).every((p) => p.cursor.historyId === historyIdAtStart)).toBe(true);
    expect(g.log('gmail.users.history.list')[0]!.query).toMatchObject({ startHistoryId: historyIdAtStart, historyTypes: 'messageAdded' });
  });

  it('hydrates with format=metadata and exactly the metadata headers, mapping folder, category and date', async () => {
    const g = connect({ messages: MAILBOX });
    const walk = await walkMail(g.mail);

    const gets = g.log('gmail.users.messages.get');
    expect(gets.length).toBe(8);
    for (const r of gets) {
      expect(r.query.format).toBe('metadata');
      expect(r.query.metadataHeaders).toEqual([...METADATA_HEADERS]);
    }
    expect(walk.skipped).toEqual([{ providerId: 'd1', reason: 'draft' }]);
    const byId = new Map(walk.messages.map((m) => [m.providerId, m]));
    expect([...byId.keys()].sort()).toEqual(['a1', 'i1', 'i2', 'i3', 's1', 's2', 's3']);
    expect(byId.get('s2')).toMatchObject({
      folder: 'sent',
      internetMessageId: 's2@example.org',
      to: [{ email: 's2@example.org', name: 'Friend s2' }],
    });
    expect(byId.get('i2')).toMatchObject({
      folder: 'inbox',
      flags: { category: 'promotions' },
      from: { email: 'i2@example.org', name: 'Friend i2' },
    });
    expect(byId.get('a1')).toMatchObject({ folder: 'other', flags: { category: 'updates' } });
    expect(byId.get('i3')!.date).toEqual(new Date(minutes(70)));
    expect(byId.get('i1')!.threadId).toEqual(expect.any(String));
  });

  it('skips messages deleted since listing as gone, and spam and trash by label', async () => {
    const g = connect({ messages: MAILBOX });
    const first = await g.mail.nextPage(null);
    emulator.deleteMessage(g.email, 's2');
    const { messages, skipped } = await g.mail.hydrate([...first.refs, { providerId: 'sp1' }, { providerId: 't1' }]);
    expect(messages.map((m) => m.providerId)).toEqual(['s3', 's1']);
    expect(skipped).toEqual([
      { providerId: 's2', reason: 'gone' },
      { providerId: 'sp1', reason: 'spam' },
      { providerId: 't1', reason: 'trash' },
    ]);
    // The 404 was asked once: a vanished message is not worth a retry.
    expect(g.log('gmail.users.messages.get').filter((r) => r.messageId === 's2')).toHaveLength(1);
  });

  it('picks up mail that arrives during the backfill through history', async () => {
    const g = connect({ messages: MAILBOX, pageSize: 3 });
    let page = await g.mail.nextPage(null);
    while (page.cursor.stage !== 'all' || page.cursor.pageToken === undefined) page = await g.mail.nextPage(page.cursor);
    // All mail is being listed newest first and its first page is done: this one is only in history.
    const late = emulator.addMessage(g.email, seed('late', ['INBOX'], 100));
    const rest = await walkMail(g.mail, page.cursor);
    const historyRefs = rest.pages.filter((p) => p.phase === 'incremental').flatMap((p) => p.refs.map((r) => r.providerId));
    expect(historyRefs).toContain(late);
    expect(rest.messages.filter((m) => m.providerId === late)).toHaveLength(1);
  });

  it("pages history with the same startHistoryId and ends on the mailbox's new historyId", async () => {
    const g = connect({ on: slow, messages: MAILBOX.slice(0, 3) });
    const caughtUp = await walkMail(g.mail);
    const added = [1, 2, 3, 4, 5].map((i) => slow.addMessage(g.email, seed(`new${i}`, ['INBOX'], 200 + i)));
    slow.addMessage(g.email, seed('draft2', ['DRAFT'], 210));
    const before = g.log('gmail.users.history.list').length;

    const walk = await pages(g.mail, caughtUp.cursor as GmailCursor);
    expect(walk.map((p) => p.caughtUp)).toEqual([false, false, true]);
    expect(walk.every((p) => p.phase === 'incremental')).toBe(true);
    // Drafts are recognised from the history record's labels and never fetched.
    expect(walk.flatMap((p) => p.refs.map((r) => r.providerId))).toEqual(added);
    expect(walk.at(-1)!.cursor).toEqual({ stage: 'history', historyId: slow.historyId(g.email) });

    const calls = g.log('gmail.users.history.list').slice(before);
    expect(new Set(calls.map((r) => r.query.startHistoryId))).toEqual(new Set([(caughtUp.cursor as GmailCursor).historyId]));
    expect(calls.map((r) => r.query.pageToken === undefined)).toEqual([true, false, false]);
  });

  it('turns a history 404 into cursor_expired, asked once, never an empty page', async () => {
    const g = connect({ messages: MAILBOX.slice(0, 2) });
    const caughtUp = await walkMail(g.mail);
    emulator.expireHistory(g.email);
    const before = g.log('gmail.users.history.list').length;
    const error = await failure(g.mail.nextPage(caughtUp.cursor as GmailCursor));
    expect(isProviderError(error, 'cursor_expired')).toBe(true);
    expect(
      g
        .log('gmail.users.history.list')
        .slice(before)
        .map((r) => r.status),
    ).toEqual([404]);
  });

  it('treats a cursor it cannot read as expired', async () => {
    const g = connect();
    await expect(g.mail.nextPage({ stage: 'sideways', historyId: '1' } as never)).rejects.toMatchObject({ kind: 'cursor_expired' });
  });

  it('reports the profile address, and no aliases under the metadata scope', async () => {
    const g = connect();
    await expect(g.account.profile()).resolves.toEqual({ email: g.email, aliases: [] });
  });
});

const event = (i: number, extra: Partial<SeedEvent> = {}): SeedEvent => ({
  id: `ev${String(i).padStart(4, '0')}`,
  summary: `Meeting ${i}`,
  start: { dateTime: minutes(i * 60) },
  end: { dateTime: minutes(i * 60 + 30) },
  attendees: [{ email: `guest${i}@example.org`, displayName: `Guest ${i}`, responseStatus: 'accepted' }],
  ...extra,
});

describe('Google Calendar source', () => {
  it('runs a full sync in pages of 250 and ends with a sync token', async () => {
    const events = Array.from({ length: 260 }, (_, i) => event(i));
    events[3] = event(3, { start: { date: '2024-06-01' }, end: { date: '2024-06-02' }, summary: 'Offsite' });
    const g = connect({ events });

    const first = await g.calendar.nextPage(null);
    expect(first).toMatchObject({ phase: 'backfill', caughtUp: false, cursor: { pageToken: expect.any(String) } });
    expect(first.events).toHaveLength(250);
    const second = await g.calendar.nextPage(JSON.parse(JSON.stringify(first.cursor)));
    expect(second).toMatchObject({ phase: 'incremental', caughtUp: true, cursor: { syncToken: expect.any(String) } });
    expect(second.cursor.pageToken).toBeUndefined();
    expect(second.events).toHaveLength(10);

    const all = [...first.events, ...second.events];
    expect(new Set(all.map((e) => e.providerId)).size).toBe(260);
    expect(all.find((e) => e.providerId === 'ev0003')).toMatchObject({
      allDay: true,
      start: new Date('2024-06-01T00:00:00Z'),
      subject: 'Offsite',
    });
    expect(all.find((e) => e.providerId === 'ev0007')).toMatchObject({
      status: 'confirmed',
      iCalUid: 'ev0007@google.com',
      allDay: false,
      start: new Date(minutes(420)),
      end: new Date(minutes(450)),
      organizer: { email: g.email, name: null },
      attendees: [
        { email: 'guest7@example.org', name: 'Guest 7', responseStatus: 'accepted', self: false, organizer: false, resource: false },
      ],
    });

    const calls = g.log('calendar.events.list');
    expect(calls.map((r) => r.path)).toEqual(['/calendar/v3/calendars/primary/events', '/calendar/v3/calendars/primary/events']);
    for (const r of calls) {
      expect(r.query).toMatchObject({ singleEvents: 'true', maxResults: '250' });
      for (const refused of ['timeMin', 'timeMax', 'orderBy', 'syncToken']) expect(r.query[refused]).toBeUndefined();
    }
  });

  it('follows changes with the sync token, cancelled events included as removals', async () => {
    const g = connect({ events: [event(1), event(2), event(3)] });
    const full = await g.calendar.nextPage(null);
    expect(full).toMatchObject({ caughtUp: true, phase: 'incremental' });

    const added = emulator.addEvent(g.email, event(9, { id: undefined, summary: 'New' }));
    emulator.updateEvent(g.email, 'ev0002', { summary: 'Moved', start: { dateTime: minutes(1000) }, end: { dateTime: minutes(1030) } });
    emulator.cancelEvent(g.email, 'ev0003');

    const changes = await g.calendar.nextPage(full.cursor);
    expect(changes).toMatchObject({ phase: 'incremental', caughtUp: true, cursor: { syncToken: expect.any(String) } });
    const byId = new Map(changes.events.map((e) => [e.providerId, e]));
    expect([...byId.keys()].sort()).toEqual([added, 'ev0002', 'ev0003'].sort());
    expect(byId.get('ev0002')).toMatchObject({ status: 'confirmed', subject: 'Moved', start: new Date(minutes(1000)) });
    expect(byId.get('ev0003')!.status).toBe('cancelled');
    expect(byId.get(added)!.subject).toBe('New');

    const incremental = g.log('calendar.events.list').at(-1)!;
    expect(incremental.query).toMatchObject({ syncToken: (full.cursor as { syncToken: string }).syncToken, singleEvents: 'true' });

    const quiet = await g.calendar.nextPage(changes.cursor);
    expect(quiet).toMatchObject({ events: [], caughtUp: true });
  });

  it('turns a 410 on the sync token into cursor_expired', async () => {
    const g = connect({ events: [event(1)] });
    const full = await g.calendar.nextPage(null);
    emulator.expireSyncTokens(g.email);
    const error = await failure(g.calendar.nextPage(full.cursor));
    expect(isProviderError(error, 'cursor_expired')).toBe(true);
    expect(g.log('calendar.events.list').at(-1)!.status).toBe(410);
  });
});

describe('quota and throttling', () => {
  it('charges 5 units per message, and the gate counts what the emulator charged', async () => {
    const g = connect({ messages: MAILBOX, pageSize: 3 });
    await walkMail(g.mail);
    await g.account.profile();
    const usage = emulator.usage(g.email);
    const gets = usage.byMethod['gmail.users.messages.get']!;
    expect(gets.calls).toBe(8);
    expect(gets.units).toBe(5 * gets.calls);
    expect(usage.byMethod['gmail.users.messages.list']!.units).toBe(5 * usage.byMethod['gmail.users.messages.list']!.calls);
    expect(usage.byMethod['gmail.users.history.list']).toEqual({ calls: 1, units: 2 });
    expect(usage.byMethod['gmail.users.getProfile']).toEqual({ calls: 2, units: 2 });
    expect(g.mailGate.spent).toBe(usage.units);

    await g.calendar.nextPage(null);
    expect(g.calendarGate.spent).toBe(emulator.usage(g.email).calendarRequests);
  });

  it('hydrates concurrently, bounded by the gate', async () => {
    const messages = Array.from({ length: 30 }, (_, i) => seed(`m${i}`, ['INBOX'], i));
    const g = connect({ on: slow, messages, mailGate: createRequestGate({ concurrency: 3 }) });
    const page = await g.mail.nextPage(null);
    const all = await g.mail.nextPage(page.cursor);
    const { messages: hydrated } = await g.mail.hydrate(all.refs);
    expect(hydrated).toHaveLength(30);
    expect(slow.maxConcurrent(g.email)).toBe(3);
  });

  it.each([429, 403])('waits out a %i Retry-After before resending, pausing the whole account', async (status) => {
    const gate = createRequestGate({ concurrency: 1, bucket: createLocalBucket(bucketShape(6000)) });
    const g = connect({ messages: MAILBOX, mailGate: gate });
    const { refs } = await g.mail.nextPage(null);
    emulator.injectFault({ match: { method: 'gmail.users.messages.get', user: g.email }, status, retryAfterSeconds: 1, times: 1 });

    const { messages } = await g.mail.hydrate(refs);
    expect(messages).toHaveLength(3);

    const gets = g.log('gmail.users.messages.get');
    expect(gets.map((r) => r.status)).toEqual([status, 200, 200, 200]);
    const refusedAt = gets[0]!.finishedAt;
    // Every request after the refusal (the resend and the others) waited the full second.
    for (const later of gets.slice(1)) expect(later.startedAt - refusedAt).toBeGreaterThanOrEqual(1000);
    // The refused request was charged by the gate but not by Google.
    expect(gate.spent).toBe(emulator.usage(g.email).units + 5);
  });

  it('retries a 503 through the gate, not inside the library', async () => {
    const g = connect({ messages: MAILBOX });
    emulator.injectFault({ match: { method: 'gmail.users.getProfile', user: g.email }, status: 503, times: 1 });
    await expect(g.account.profile()).resolves.toMatchObject({ email: g.email });
    expect(g.log('gmail.users.getProfile').map((r) => r.status)).toEqual([503, 200]);
  });
});

describe('tokens', () => {
  it('refreshes at first use and saves the access token with its expiry, keeping the refresh token', async () => {
    const g = connect();
    const before = Date.now();
    await g.account.profile();
    expect(g.log('oauth.token')).toHaveLength(1);
    expect(g.tokens.saved).toHaveLength(1);
    const saved = g.tokens.saved[0]!;
    expect(saved.refreshToken).toBe(g.tokens.current().refreshToken);
    expect(saved.accessToken).toEqual(expect.any(String));
    expect(saved.accessTokenExpiresAt!.getTime()).toBeGreaterThan(before + 3_500_000);

    await g.account.profile();
    expect(g.log('oauth.token')).toHaveLength(1);
  });

  it('reuses a stored access token that is still valid', async () => {
    const first = connect();
    await first.account.profile();
    const stored = first.tokens.current();
    const again = createGoogleAccount({
      clientId: emulator.clientId,
      clientSecret: emulator.clientSecret,
      apiUrl: emulator.url,
      tokenUrl: emulator.tokenUrl,
      tokens: memoryTokenStore(stored),
      mailGate: createRequestGate({ concurrency: 1 }),
      calendarGate: createRequestGate({ concurrency: 1 }),
    });
    await again.profile();
    expect(first.log('oauth.token')).toHaveLength(1);
  });

  it('refreshes a stored access token past its expiry before using it', async () => {
    const g = connect({
      tokens: (refreshToken) => ({ refreshToken, accessToken: 'stale', accessTokenExpiresAt: new Date(Date.now() - 1000) }),
    });
    await g.account.profile();
    expect(g.log().map((r) => [r.method, r.status])).toEqual([
      ['oauth.token', 200],
      ['gmail.users.getProfile', 200],
    ]);
    expect(g.tokens.saved).toHaveLength(1);
    expect(g.tokens.saved[0]!.accessToken).not.toBe('stale');
  });

  it('refreshes when Google expires the access token early (401), resends and saves the new one', async () => {
    const g = connect();
    await g.account.profile();
    const firstToken = g.tokens.current().accessToken;
    emulator.expireAccessTokens(g.email);
    // The refused request has no user in the log (its token is unknown): read everything after now.
    const before = emulator.requests().length;

    await expect(g.account.profile()).resolves.toMatchObject({ email: g.email });
    expect(
      emulator
        .requests()
        .slice(before)
        .map((r) => [r.method, r.status]),
    ).toEqual([
      ['gmail.users.getProfile', 401],
      ['oauth.token', 200],
      ['gmail.users.getProfile', 200],
    ]);
    expect(g.tokens.saved).toHaveLength(2);
    expect(g.tokens.current().accessToken).not.toBe(firstToken);
  });

  it('lets token store failures through as they are, never as a Google error', async () => {
    const email = `user${++mailboxes}@example.com`;
    emulator.addMailbox({ email, messages: [] });
    const refreshToken = emulator.issueRefreshToken(email);
    let loads = 0;
    let saves = 0;
    const account = createGoogleAccount({
      clientId: emulator.clientId,
      clientSecret: emulator.clientSecret,
      apiUrl: emulator.url,
      tokenUrl: emulator.tokenUrl,
      tokens: {
        async load() {
          if (++loads === 1) throw new Error('database is down');
          return { refreshToken, accessToken: null, accessTokenExpiresAt: null };
        },
        async save() {
          if (++saves === 1) throw new Error('database is still down');
        },
      },
      mailGate: createRequestGate({ concurrency: 1 }),
      calendarGate: createRequestGate({ concurrency: 1 }),
    });
    const loadError = await failure(account.profile());
    expect(isProviderError(loadError)).toBe(false);
    expect((loadError as Error).message).toBe('database is down');
    // Loading is tried again; the refreshed token could not be saved, so the call fails.
    const saveError = await failure(account.profile());
    expect(isProviderError(saveError)).toBe(false);
    expect((saveError as Error).message).toBe('database is still down');
    await expect(account.profile()).resolves.toMatchObject({ email });
    expect(loads).toBe(2);
  });

  it('reports invalid_grant at the token endpoint as auth_revoked', async () => {
    const g = connect();
    emulator.revokeGrants(g.email);
    const error = await failure(g.account.profile());
    expect(isProviderError(error, 'auth_revoked')).toBe(true);
    expect(g.tokens.saved).toHaveLength(0);
  });

  it('reports a revoked grant as auth_revoked while holding a valid-looking access token, from hydrate too', async () => {
    const g = connect({ messages: MAILBOX });
    const { refs } = await g.mail.nextPage(null);
    emulator.revokeGrants(g.email);
    const error = await failure(g.mail.hydrate(refs));
    expect(isProviderError(error, 'auth_revoked')).toBe(true);

    // Once the grant is known to be gone, nothing more is sent for this account.
    const sent = emulator.requests().length;
    await expect(g.mail.nextPage(null)).rejects.toMatchObject({ kind: 'auth_revoked' });
    await expect(g.calendar.nextPage(null)).rejects.toMatchObject({ kind: 'auth_revoked' });
    expect(emulator.requests().length).toBe(sent);
  });
});
