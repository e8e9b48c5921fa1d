/**
 * The Google emulator's per-user quota, injected faults, request log, concurrency and latency,
 * seen through the real googleapis client.
 */
import { calendar as calendarApi } from '@googleapis/calendar';
import { gmail as gmailApi } from '@googleapis/gmail';
import { OAuth2Client } from 'google-auth-library';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startGoogleEmulator, type GoogleEmulator, type GoogleEmulatorOptions } from '../../fakes/google/index.ts';

const ADA = 'ada@example.com';
const BOB = 'bob@example.com';

let emulator: GoogleEmulator;

afterEach(async () => {
  vi.useRealTimers();
  await emulator.close();
});

async function start(options: GoogleEmulatorOptions = {}) {
  emulator = await startGoogleEmulator(options);
  for (const email of [ADA, BOB]) {
    emulator.addMailbox({
      email,
      messages: [{ id: 'f00d', headers: [{ name: 'Subject', value: 'hello' }], internalDate: '2024-01-01T00:00:00Z' }],
      events: [{ summary: 'sync', start: { date: '2024-01-02' }, end: { date: '2024-01-03' } }],
    });
  }
}

/** googleapis clients for one user; `retry` as googleapis would have it (off unless asked). */
function connect(email: string, retry = false) {
  const auth = new OAuth2Client({
    clientId: emulator.clientId,
    clientSecret: emulator.clientSecret,
    endpoints: { oauth2TokenUrl: emulator.tokenUrl },
  });
  auth.setCredentials({ refresh_token: emulator.issueRefreshToken(email) });
  return {
    auth,
    gmail: gmailApi({ version: 'v1', rootUrl: emulator.url, auth, retry }),
    calendar: calendarApi({ version: 'v3', rootUrl: emulator.url, auth, retry }),
  };
}

interface HttpFailure {
  status: number;
  response: { data: any; headers: Headers };
}

async function failure(promise: Promise<unknown>): Promise<HttpFailure> {
  try {
    await promise;
  } catch (error) {
    return error as HttpFailure;
  }
  throw new Error('expected the request to fail');
}

describe('Google emulator: quota', () => {
  it('answers past the per-minute Gmail units with 429 rateLimitExceeded and Retry-After, and charges nothing for it', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2024-06-01T12:00:00Z'));
    await start({ quotaUnitsPerMinute: 12 });
    const { gmail } = connect(ADA);
    await gmail.users.getProfile({ userId: 'me' });
    await gmail.users.messages.list({ userId: 'me' });
    vi.setSystemTime(new Date('2024-06-01T12:00:20Z'));
    await gmail.users.messages.list({ userId: 'me' });

    const limited = await failure(gmail.users.messages.list({ userId: 'me' }));
    expect(limited.status).toBe(429);
    // The first 6 units leave the window 60 s after they were spent, 40 s from now.
    expect(limited.response.headers.get('retry-after')).toBe('40');
    expect(limited.response.data.error).toMatchObject({
      code: 429,
      status: 'RESOURCE_EXHAUSTED',
      errors: [{ domain: 'usageLimits', reason: 'rateLimitExceeded' }],
    });
    expect(limited.response.data.error.message).toBe('User-rate limit exceeded.  Retry after 2024-06-01T12:01:00.000Z');
    expect(emulator.usage(ADA)).toMatchObject({ units: 11, rejected: 1 });

    // A cheaper call still fits, and the window rolls.
    await gmail.users.getProfile({ userId: 'me' });
    vi.setSystemTime(new Date('2024-06-01T12:01:00.001Z'));
    await gmail.users.messages.list({ userId: 'me' });
    expect(emulator.usage(ADA)).toMatchObject({
      units: 17,
      rejected: 1,
      byMethod: { 'gmail.users.getProfile': { calls: 2, units: 2 }, 'gmail.users.messages.list': { calls: 3, units: 15 } },
    });
  });

  it('answers 403 userRateLimitExceeded instead when asked to', async () => {
    await start({ quotaUnitsPerMinute: 5, quotaErrorStyle: '403' });
    const { gmail } = connect(ADA);
    await gmail.users.messages.get({ userId: 'me', id: 'f00d', format: 'metadata' });
    const limited = await failure(gmail.users.history.list({ userId: 'me', startHistoryId: emulator.historyId(ADA) }));
    expect(limited.status).toBe(403);
    expect(Number(limited.response.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.response.data.error).toMatchObject({
      code: 403,
      status: 'PERMISSION_DENIED',
      errors: [{ domain: 'usageLimits', reason: 'userRateLimitExceeded' }],
    });
  });

  it('allows 6000 Gmail units a minute by default', async () => {
    await start();
    const { gmail } = connect(ADA);
    for (let batch = 0; batch < 24; batch++) {
      await Promise.all(Array.from({ length: 50 }, () => gmail.users.messages.list({ userId: 'me', maxResults: 1 })));
    }
    expect(emulator.usage(ADA).units).toBe(6000);
    expect((await failure(gmail.users.getProfile({ userId: 'me' }))).status).toBe(429);
  });

  it('counts calendar requests against their own limit, and every user separately', async () => {
    await start({ calendarRequestsPerMinute: 2, quotaUnitsPerMinute: null });
    const ada = connect(ADA);
    await ada.calendar.events.list({ calendarId: 'primary' });
    await ada.calendar.events.list({ calendarId: 'primary' });
    const limited = await failure(ada.calendar.events.list({ calendarId: 'primary' }));
    expect(limited.status).toBe(429);
    expect(limited.response.data.error.errors[0]).toMatchObject({ domain: 'usageLimits', reason: 'rateLimitExceeded' });
    expect(limited.response.headers.get('retry-after')).toBeTruthy();

    await ada.gmail.users.getProfile({ userId: 'me' });
    await connect(BOB).calendar.events.list({ calendarId: 'primary' });
    expect(emulator.usage(ADA)).toMatchObject({ calendarRequests: 2, rejected: 1, units: 1 });
    expect(emulator.usage(BOB)).toMatchObject({ calendarRequests: 1, rejected: 0 });
  });
});

describe('Google emulator: faults', () => {
  it('answers an injected 503 with Retry-After the given number of times, then normally', async () => {
    await start();
    emulator.injectFault({ match: { method: 'gmail.users.messages.list' }, status: 503, retryAfterSeconds: 7, times: 2 });
    const { gmail } = connect(ADA);
    for (let i = 0; i < 2; i++) {
      const failed = await failure(gmail.users.messages.list({ userId: 'me' }));
      expect(failed.status).toBe(503);
      expect(failed.response.headers.get('retry-after')).toBe('7');
      expect(failed.response.data.error).toMatchObject({ code: 503, status: 'UNAVAILABLE', errors: [{ reason: 'backendError' }] });
      await gmail.users.getProfile({ userId: 'me' });
    }
    await gmail.users.messages.list({ userId: 'me' });
    // Faulted calls are not charged.
    expect(emulator.usage(ADA).byMethod['gmail.users.messages.list']).toEqual({ calls: 1, units: 5 });
  });

  it('hits only the user a fault names', async () => {
    await start();
    emulator.injectFault({ match: { method: 'calendar.events.list', user: BOB }, status: 500 });
    await connect(ADA).calendar.events.list({ calendarId: 'primary' });
    const failed = await failure(connect(BOB).calendar.events.list({ calendarId: 'primary' }));
    expect(failed.status).toBe(500);
    expect(failed.response.data.error).toEqual({
      code: 500,
      message: 'Backend Error',
      errors: [{ message: 'Backend Error', domain: 'global', reason: 'backendError' }],
    });
  });

  it('lets googleapis retry an injected 500 on its own when its retries are on', async () => {
    await start();
    emulator.injectFault({ match: { method: 'gmail.users.messages.get' }, status: 500 });
    const message = await connect(ADA, true).gmail.users.messages.get({ userId: 'me', id: 'f00d', format: 'minimal' });
    expect(message.data.id).toBe('f00d');
    expect(
      emulator
        .requests(ADA)
        .filter((r) => r.method === 'gmail.users.messages.get')
        .map((r) => r.status),
    ).toEqual([500, 200]);
  });

  it('holds a request for delayMs and then answers it normally', async () => {
    await start();
    emulator.injectFault({ match: { method: 'calendar.events.list' }, delayMs: 150 });
    const { calendar } = connect(ADA);
    await calendar.events.list({ calendarId: 'primary' });
    const [record] = emulator.requests(ADA).filter((r) => r.method === 'calendar.events.list');
    expect(record!.status).toBe(200);
    expect(record!.finishedAt - record!.startedAt).toBeGreaterThanOrEqual(145);
  });

  it('answers with the body a fault gives', async () => {
    await start();
    const body = { error: { code: 400, message: 'Precondition check failed.', status: 'FAILED_PRECONDITION' } };
    emulator.injectFault({ match: { method: 'gmail.users.getProfile' }, status: 400, body });
    expect((await failure(connect(ADA).gmail.users.getProfile({ userId: 'me' }))).response.data).toEqual(body);
  });

  it('fails the token endpoint too (google-auth-library retries a 500 there by itself)', async () => {
    await start();
    emulator.injectFault({ match: { method: 'oauth.token' }, status: 500 });
    const { auth } = connect(ADA);
    const { token } = await auth.getAccessToken();
    expect(token).toMatch(/^ya29\./);
    expect(emulator.requests(ADA).map((r) => [r.method, r.status])).toEqual([
      ['oauth.token', 500],
      ['oauth.token', 200],
    ]);
  });
});

describe('Google emulator: request log, concurrency and latency', () => {
  it('logs every request with its method, path, query, user, message id, status and times', async () => {
    await start();
    const { gmail } = connect(ADA);
    await gmail.users.messages.get({ userId: 'me', id: 'f00d', format: 'metadata', metadataHeaders: ['From', 'To'] });
    const unauthenticated = await fetch(`${emulator.url}gmail/v1/users/me/profile`);
    expect(unauthenticated.status).toBe(401);

    const [token, get] = emulator.requests(ADA);
    expect(token).toMatchObject({ method: 'oauth.token', path: '/token', user: ADA, status: 200 });
    expect(get).toMatchObject({
      method: 'gmail.users.messages.get',
      path: '/gmail/v1/users/me/messages/f00d',
      query: { format: 'metadata', metadataHeaders: ['From', 'To'] },
      user: ADA,
      messageId: 'f00d',
      status: 200,
    });
    expect(get!.finishedAt).toBeGreaterThanOrEqual(get!.startedAt);
    expect(emulator.requests().at(-1)).toMatchObject({ method: 'gmail.users.getProfile', user: null, status: 401 });
    expect(emulator.requests(BOB)).toEqual([]);
  });

  it('reports the highest number of one user’s requests in flight, and adds the configured latency', async () => {
    await start({ latencyMs: { min: 40, max: 60 } });
    const { gmail } = connect(ADA);
    await Promise.all(Array.from({ length: 6 }, () => gmail.users.messages.get({ userId: 'me', id: 'f00d', format: 'minimal' })));
    expect(emulator.maxConcurrent(ADA)).toBe(6);
    expect(emulator.maxConcurrent(BOB)).toBe(0);
    for (const record of emulator.requests(ADA)) expect(record.finishedAt - record.startedAt).toBeGreaterThanOrEqual(38);
  });
});
