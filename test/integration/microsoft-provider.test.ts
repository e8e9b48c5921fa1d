/**
 * The Microsoft provider against the Graph emulator, through the real
 * @microsoft/microsoft-graph-client: tokens (rotation, one refresh for many requests, 401,
 * invalid_grant), Outlook's limits through the request gate, which folders are followed, the
 * calendar window, and where a token may be sent.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { SeedMessage } from '../../fakes/google/index.ts';
import { startGraphEmulator, type GraphEmulator, type GraphEmulatorOptions } from '../../fakes/microsoft/index.ts';
import { isProviderError, type ProviderError } from '../../src/providers/provider-error.ts';
import { createMicrosoftAccount, type MicrosoftAccountOptions } from '../../src/providers/microsoft/create-microsoft-account.ts';
import { createGraphCaller } from '../../src/providers/microsoft/graph-call.ts';
import { createGraphCalendarSource, type GraphCalendarCursor } from '../../src/providers/microsoft/graph-calendar-source.ts';
import { createGraphClient } from '../../src/providers/microsoft/graph-client.ts';
import { createMicrosoftAuth } from '../../src/providers/microsoft/microsoft-auth.ts';
import type { MessageRef, RequestGate } from '../../src/providers/types.ts';
import { createLocalBucket, windowBucketShape } from '../../src/sync/quota-bucket.ts';
import { createRequestGate } from '../../src/sync/request-gate.ts';
import { memoryTokenStore, walkMail } from '../../testkit/provider-contract.ts';

const ADA = 'ada@example.com';
const DAY = 86_400_000;
let emulator: GraphEmulator;

afterEach(async () => {
  await emulator?.close();
});

function message(subject: string, labelIds: string[], at = '2024-01-01T10:00:00Z'): SeedMessage {
  return {
    labelIds,
    internalDate: at,
    headers: [
      { name: 'Message-ID', value: `<${subject.replace(/\W+/g, '-')}@example.org>` },
      { name: 'From', value: labelIds.includes('SENT') ? ADA : 'Bob <bob@example.org>' },
      { name: 'To', value: labelIds.includes('SENT') ? 'Bob <bob@example.org>' : ADA },
      { name: 'Subject', value: subject },
    ],
  };
}

async function setup(options: GraphEmulatorOptions = {}, messages: SeedMessage[] = [message('Hello', ['INBOX'])]) {
  emulator = await startGraphEmulator(options);
  emulator.addMailbox({ email: ADA, messages, events: [] });
  return memoryTokenStore({ refreshToken: emulator.issueRefreshToken(ADA), accessToken: null, accessTokenExpiresAt: null });
}

function account(tokens: ReturnType<typeof memoryTokenStore>, overrides: Partial<MicrosoftAccountOptions> = {}) {
  return createMicrosoftAccount({
    clientId: emulator.clientId,
    clientSecret: emulator.clientSecret,
    graphUrl: emulator.graphUrl,
    loginUrl: emulator.loginUrl,
    tokens,
    mailGate: createRequestGate({ concurrency: 3 }),
    calendarGate: createRequestGate({ concurrency: 1 }),
    ...overrides,
  });
}

async function rejection(promise: Promise<unknown>): Promise<ProviderError> {
  try {
    await promise;
  } catch (error) {
    if (isProviderError(error)) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

/** Refs of every inbox message, without their metadata: hydrate fetches each one (GET /me/messages/{id}). */
async function bareRefs(provider: ReturnType<typeof account>): Promise<MessageRef[]> {
  const walk = await walkMail(provider.mail);
  return walk.messages.map((m) => ({ providerId: m.providerId }));
}

const tokenRequests = () => emulator.requests(ADA).filter((r) => r.method === 'identity.token');

describe('Microsoft provider: tokens', () => {
  it('saves the rotated refresh token with every refresh and never presents an old one', async () => {
    const tokens = await setup({ accessTokenTtlSeconds: 1 });
    const provider = account(tokens);
    // One-second access tokens: every request needs a refresh.
    for (let i = 0; i < 4; i++) await provider.profile();
    expect(tokens.saved).toHaveLength(4);
    const refreshTokens = tokens.saved.map((t) => t.refreshToken);
    expect(new Set(refreshTokens).size).toBe(4);
    expect(emulator.liveRefreshTokens(ADA)).toEqual([tokens.current().refreshToken]);
    expect(emulator.refreshTokenReuses(ADA)).toBe(0);
    // Each refresh asked for exactly rekindle's scopes.
    for (const r of tokenRequests()) expect(r.status).toBe(200);
  });

  it('refreshes once for many requests that need a token at the same time', async () => {
    const tokens = await setup(
      {},
      Array.from({ length: 12 }, (_, i) => message(`m${i}`, ['INBOX'])),
    );
    const provider = account(tokens, { mailGate: createRequestGate({ concurrency: 4 }) });
    const refs = await bareRefs(provider);
    emulator.expireAccessTokens(ADA);
    const before = tokenRequests().length;
    const { messages } = await provider.mail.hydrate(refs);
    expect(messages).toHaveLength(12);
    expect(tokenRequests().length - before).toBe(1);
  });

  it('takes turns refreshing across account objects that share the token lock, and shows why it must', async () => {
    const tokens = await setup({ accessTokenTtlSeconds: 1 });
    let tail: Promise<unknown> = Promise.resolve();
    const shared = <T>(fn: () => Promise<T>) => {
      const run = tail.then(fn, fn);
      tail = run.catch(() => undefined);
      return run;
    };
    // Two jobs of one account (mail and calendar) with one store and one lock.
    const [a, b] = [account(tokens, { refreshLock: shared }), account(tokens, { refreshLock: shared })];
    await Promise.all([a.profile(), b.profile(), a.profile(), b.profile()]);
    expect(emulator.refreshTokenReuses(ADA)).toBe(0);

    // Without a shared lock both redeem the same refresh token: the second is refused.
    const [c, d] = [account(tokens), account(tokens)];
    const results = await Promise.allSettled([c.profile(), d.profile()]);
    expect(emulator.refreshTokenReuses(ADA)).toBe(1);
    expect(results.some((r) => r.status === 'rejected' && isProviderError(r.reason, 'auth_revoked'))).toBe(true);
  });

  it('answers a 401 with one refresh and one resend', async () => {
    const tokens = await setup();
    const provider = account(tokens);
    await provider.profile();
    emulator.injectFault({ match: { method: 'graph.me' }, status: 401 });
    await provider.profile();
    expect(
      emulator
        .requests(ADA)
        .filter((r) => r.method === 'graph.me')
        .map((r) => r.status),
    ).toEqual([200, 401, 200]);
    expect(tokenRequests()).toHaveLength(2);
  });

  it('reports a revoked grant as auth_revoked and then stops asking', async () => {
    const tokens = await setup();
    const provider = account(tokens);
    await provider.profile();
    emulator.revokeGrants(ADA);
    expect((await rejection(provider.profile())).kind).toBe('auth_revoked');
    const asked = emulator.requests(ADA).length;
    expect((await rejection(provider.mail.nextPage(null))).kind).toBe('auth_revoked');
    expect(emulator.requests(ADA).length).toBe(asked);
  });

  it('reports an expired client secret as a configuration problem, not as the user’s', async () => {
    const tokens = await setup();
    const provider = account(tokens);
    const error = await rejection(createMicrosoftAccount({ ...accountOptions(tokens), clientSecret: 'expired' }).profile());
    expect(error.kind).toBe('permanent');
    expect(error.message).toMatch(/invalid_client/);
    await provider.profile();
  });
});

function accountOptions(tokens: ReturnType<typeof memoryTokenStore>): MicrosoftAccountOptions {
  return {
    clientId: emulator.clientId,
    clientSecret: emulator.clientSecret,
    graphUrl: emulator.graphUrl,
    loginUrl: emulator.loginUrl,
    tokens,
    mailGate: createRequestGate({ concurrency: 3 }),
    calendarGate: createRequestGate({ concurrency: 1 }),
  };
}

describe('Microsoft provider: Outlook limits', () => {
  const many = Array.from({ length: 24 }, (_, i) => message(`m${i}`, ['INBOX']));

  it('never has more than 4 requests of a mailbox in flight through a gate of 4', async () => {
    const tokens = await setup({ latencyMs: { min: 10, max: 30 } }, many);
    const provider = account(tokens, { mailGate: createRequestGate({ concurrency: 4 }) });
    const refs = await bareRefs(provider);
    const { messages } = await provider.mail.hydrate(refs);
    expect(messages).toHaveLength(24);
    expect(emulator.maxConcurrent(ADA)).toBe(4);
    expect(emulator.usage(ADA).concurrencyRejections).toBe(0);
  });

  it('honours Retry-After when a mailbox refuses a fifth concurrent request', async () => {
    const tokens = await setup({ latencyMs: { min: 20, max: 30 } }, many.slice(0, 8));
    const gate: RequestGate = createRequestGate({ concurrency: 6, bucket: createLocalBucket(windowBucketShape(10_000, 600_000)) });
    const provider = account(tokens, { mailGate: gate });
    const refs = await bareRefs(provider);
    const { messages } = await provider.mail.hydrate(refs);
    expect(messages).toHaveLength(8);
    const refused = emulator.requests(ADA).filter((r) => r.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((r) => r.errorCode === 'ApplicationThrottled')).toBe(true);
    // The whole mailbox waited: nothing went out until a second after the first refusal.
    const first = Math.min(...refused.map((r) => r.finishedAt));
    const after = emulator.requests(ADA).filter((r) => r.method.startsWith('graph.') && r.startedAt > first);
    for (const r of after) expect(r.startedAt - first).toBeGreaterThanOrEqual(1_000 - 5);
  });

  it('gives back a throttled error with the wait when the 10-minute budget is spent, instead of waiting', async () => {
    const tokens = await setup({ requestsPer10Minutes: 2 });
    const provider = account(tokens);
    await provider.profile();
    await provider.profile();
    const error = await rejection(provider.profile());
    expect(error.kind).toBe('throttled');
    expect(error.retryAfterMs).toBeGreaterThan(590_000);
    expect(emulator.usage(ADA).budgetRejections).toBe(1);
  });
});

describe('Microsoft provider: mail folders', () => {
  it('follows Sent, Inbox, Archive and the user’s folders (nested too), never Drafts, Deleted Items, Junk or Outbox', async () => {
    const tokens = await setup({}, [
      message('sent', ['SENT']),
      message('inbox', ['INBOX']),
      message('archived', []),
      message('filed', ['Projects']),
      message('draft', ['DRAFT']),
      message('spam', ['SPAM']),
      message('trash', ['TRASH']),
    ]);
    const clients = emulator.addFolder(ADA, 'Clients', 'inbox');
    const nested = emulator.addFolder(ADA, 'Acme', clients);
    const nestedId = emulator.addMessage(ADA, message('nested', ['INBOX']));
    emulator.moveMessage(ADA, nestedId, nested);
    const walk = await walkMail(account(tokens).mail);
    // Depth first through the folder tree: Inbox's subfolders, then Archive, then Projects.
    expect(walk.messages.map((m) => [m.subject, m.folder])).toEqual([
      ['sent', 'sent'],
      ['inbox', 'inbox'],
      ['nested', 'other'],
      ['archived', 'other'],
      ['filed', 'other'],
    ]);
    const walked = new Set(
      emulator
        .requests(ADA)
        .filter((r) => r.method === 'graph.messages.delta')
        .map((r) => r.path),
    );
    for (const name of ['drafts', 'deleteditems', 'junkemail', 'outbox']) {
      expect([...walked].some((p) => p.includes(emulator.folderId(ADA, name)))).toBe(false);
    }
  });

  it('walks a folder created after caught-up, and drops one that was deleted', async () => {
    const tokens = await setup({}, [message('sent', ['SENT']), message('filed', ['INBOX'])]);
    const projects = emulator.addFolder(ADA, 'Projects');
    emulator.moveMessage(ADA, (await bareRefs(account(tokens)))[1]!.providerId, projects);
    const provider = account(tokens);
    const first = await walkMail(provider.mail);
    expect(first.messages.find((m) => m.subject === 'filed')!.folder).toBe('other');
    const later = emulator.addFolder(ADA, 'Later');
    const id = emulator.addMessage(ADA, message('moved later', ['INBOX']));
    emulator.moveMessage(ADA, id, later);
    emulator.deleteFolder(ADA, projects);
    const next = await walkMail(provider.mail, first.cursor);
    expect(next.messages.map((m) => [m.subject, m.folder])).toEqual([['moved later', 'other']]);
    expect(next.pages.at(-1)!.caughtUp).toBe(true);
    const cursor = next.cursor as { folders: { id: string }[] };
    expect(cursor.folders.map((f) => f.id)).toContain(later);
  });
});

describe('Microsoft provider: calendar', () => {
  it('walks a window from ten years back to a year ahead, and moves it forward when it runs out', async () => {
    const tokens = await setup();
    const day = Math.floor(Date.now() / DAY) * DAY;
    emulator.addEvent(ADA, {
      summary: 'Soon',
      start: { dateTime: new Date(day + 3 * DAY).toISOString() },
      end: { dateTime: new Date(day + 3 * DAY + 3_600_000).toISOString() },
      organizer: { email: 'carol@example.org' },
      attendees: [{ email: ADA, responseStatus: 'accepted' }],
    });
    emulator.addEvent(ADA, {
      summary: 'Too far',
      start: { dateTime: new Date(day + 400 * DAY).toISOString() },
      end: { dateTime: new Date(day + 400 * DAY + 3_600_000).toISOString() },
    });
    let clock = Date.now();
    const auth = createMicrosoftAuth({
      clientId: emulator.clientId,
      clientSecret: emulator.clientSecret,
      tokenUrl: emulator.tokenUrl(),
      tokens,
      timeoutMs: 10_000,
    });
    const call = createGraphCaller(
      createGraphClient({ graphUrl: emulator.graphUrl, timeoutMs: 10_000 }),
      auth,
      createRequestGate({ concurrency: 1 }),
    );
    const calendar = createGraphCalendarSource({ call, pageSize: 10, now: () => clock });

    const page = await calendar.nextPage(null);
    expect(page).toMatchObject({ phase: 'incremental', caughtUp: true });
    expect(page.events.map((e) => e.subject)).toEqual(['Soon']);
    expect(page.events[0]!.attendees.find((a) => a.self)).toMatchObject({ email: ADA, responseStatus: 'accepted' });
    const request = emulator.requests(ADA).find((r) => r.method === 'graph.calendarView.delta')!;
    expect(Date.parse(String(request.query.startDateTime))).toBe(day - 3652 * DAY);
    expect(Date.parse(String(request.query.endDateTime))).toBe(day + 365 * DAY);

    const cursor = JSON.parse(JSON.stringify(page.cursor)) as GraphCalendarCursor;
    expect((await calendar.nextPage(cursor)).events).toEqual([]);
    // Half a year later the window ends too soon: start over around the new today.
    clock += 184 * DAY;
    expect((await rejection(calendar.nextPage(cursor))).kind).toBe('cursor_expired');
  });
});

describe('Microsoft provider: where tokens go', () => {
  it('never follows a link to another host, and refuses plain http beyond loopback', async () => {
    const tokens = await setup();
    const provider = account(tokens);
    const walk = await walkMail(provider.mail);
    const cursor = walk.cursor as { folders: { link: string }[] };
    const forged = {
      ...cursor,
      folders: cursor.folders.map((f) => ({ ...f, link: f.link.replace(emulator.graphUrl, 'https://evil.example') })),
    };
    const before = emulator.requests().length;
    expect((await rejection(provider.mail.nextPage(forged))).kind).toBe('cursor_expired');
    expect(
      emulator
        .requests()
        .slice(before)
        .filter((r) => r.method.startsWith('graph.messages')),
    ).toEqual([]);
    expect(() => createGraphClient({ graphUrl: 'http://graph.example.com', timeoutMs: 1_000 })).toThrow(/https/);
    expect(() => account(tokens, { loginUrl: 'http://login.example.com' })).toThrow(/https/);
  });
});
