/**
 * The Google emulator's OAuth and Gmail surface, driven through the real googleapis client
 * over HTTP (calendar, limits and seeding have their own files).
 */
import { createHash } from 'node:crypto';
import { gmail as gmailApi, type gmail_v1 } from '@googleapis/gmail';
import { OAuth2Client } from 'google-auth-library';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startGoogleEmulator, type GoogleEmulator, type GoogleEmulatorOptions, type SeedMessage } from '../../fakes/google/index.ts';

const ADA = 'ada@example.com';
const METADATA = 'https://www.googleapis.com/auth/gmail.metadata';

let emulator: GoogleEmulator;

async function start(options: GoogleEmulatorOptions = {}) {
  emulator = await startGoogleEmulator(options);
  return emulator;
}

afterEach(async () => {
  await emulator?.close();
});

function oauthClient(overrides: { clientSecret?: string; authBaseUrl?: string } = {}) {
  return new OAuth2Client({
    clientId: emulator.clientId,
    clientSecret: overrides.clientSecret ?? emulator.clientSecret,
    redirectUri: 'http://127.0.0.1:9/callback',
    endpoints: { oauth2TokenUrl: emulator.tokenUrl, ...(overrides.authBaseUrl ? { oauth2AuthBaseUrl: overrides.authBaseUrl } : {}) },
  });
}

/** A Gmail client for the user, with googleapis' own retries off so every answer is seen. */
function gmailFor(email: string, scopes?: string[]) {
  const auth = oauthClient();
  auth.setCredentials({ refresh_token: emulator.issueRefreshToken(email, scopes) });
  return { auth, gmail: gmailApi({ version: 'v1', rootUrl: emulator.url, auth, retry: false }) };
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

function message(subject: string, date: string, labelIds: string[] = ['INBOX'], extra: [string, string][] = []): SeedMessage {
  return {
    labelIds,
    internalDate: date,
    headers: [
      { name: 'From', value: 'Bob <bob@example.org>' },
      { name: 'To', value: `Ada <${ADA}>` },
      { name: 'Subject', value: subject },
      { name: 'Date', value: new Date(date).toUTCString() },
      ...extra.map(([name, value]) => ({ name, value })),
    ],
  };
}

describe('Google emulator: OAuth', () => {
  beforeEach(async () => {
    await start();
    emulator.addMailbox({ email: ADA, messages: [message('hello', '2024-01-01T10:00:00Z')] });
  });

  it('mints access tokens from a refresh token posted form-encoded with the client credentials', async () => {
    const { gmail } = gmailFor(ADA);
    const profile = await gmail.users.getProfile({ userId: 'me' });
    expect(profile.data.emailAddress).toBe(ADA);
    expect(emulator.requests(ADA).map((r) => [r.method, r.status])).toEqual([
      ['oauth.token', 200],
      ['gmail.users.getProfile', 200],
    ]);
    expect(emulator.usage(ADA).byMethod['oauth.token']).toEqual({ calls: 1, units: 0 });
  });

  it('answers an unknown or expired access token with 401 and Google’s body, and googleapis refreshes and retries', async () => {
    const auth = oauthClient();
    // No expiry_date: googleapis only refreshes on 401 when it cannot tell the token expired.
    auth.setCredentials({ refresh_token: emulator.issueRefreshToken(ADA), access_token: 'ya29.stale' });
    const gmail = gmailApi({ version: 'v1', rootUrl: emulator.url, auth, retry: false });
    await gmail.users.getProfile({ userId: 'me' });
    expect(emulator.requests().map((r) => [r.method, r.status])).toEqual([
      ['gmail.users.getProfile', 401],
      ['oauth.token', 200],
      ['gmail.users.getProfile', 200],
    ]);

    const { token } = await auth.getAccessToken();
    emulator.expireAccessTokens(ADA);
    const raw = await fetch(`${emulator.url}gmail/v1/users/me/profile`, { headers: { authorization: `Bearer ${token}` } });
    expect(raw.status).toBe(401);
    expect(raw.headers.get('www-authenticate')).toContain('invalid_token');
    const body = (await raw.json()) as { error: Record<string, any> };
    expect(body.error).toMatchObject({ code: 401, status: 'UNAUTHENTICATED' });
    expect(body.error.errors[0]).toMatchObject({ reason: 'authError', location: 'Authorization', locationType: 'header' });
  });

  it('refuses a revoked refresh token with invalid_grant and stops the access tokens already issued', async () => {
    const { auth, gmail } = gmailFor(ADA);
    await gmail.users.getProfile({ userId: 'me' });
    const { token } = await auth.getAccessToken();
    emulator.revokeGrants(ADA);

    const again = oauthClient();
    again.setCredentials({ refresh_token: auth.credentials.refresh_token! });
    const refused = await failure(again.refreshAccessToken());
    expect(refused.status).toBe(400);
    expect(refused.response.data).toEqual({ error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });

    const raw = await fetch(`${emulator.url}gmail/v1/users/me/profile`, { headers: { authorization: `Bearer ${token}` } });
    expect(raw.status).toBe(401);
    expect(
      emulator
        .requests(ADA)
        .filter((r) => r.method === 'oauth.token')
        .map((r) => r.status),
    ).toEqual([200, 400]);
  });

  it('refuses a wrong client secret with invalid_client', async () => {
    const auth = oauthClient({ clientSecret: 'not-the-secret' });
    auth.setCredentials({ refresh_token: emulator.issueRefreshToken(ADA) });
    const refused = await failure(auth.refreshAccessToken());
    expect(refused.status).toBe(401);
    expect(refused.response.data.error).toBe('invalid_client');
  });

  it('exchanges a one-time authorization code for tokens, bound to its redirect URI', async () => {
    const code = emulator.issueAuthorizationCode(ADA, { redirectUri: 'http://127.0.0.1:9/callback' });
    const { tokens } = await oauthClient().getToken(code);
    expect(tokens.refresh_token).toMatch(/^1\/\//);
    expect(tokens.scope).toContain(METADATA);
    const again = await failure(oauthClient().getToken(code));
    expect(again.response.data.error).toBe('invalid_grant');
  });

  it('consents at once on its auth URL and redirects back with a code and the state', async () => {
    const url = oauthClient({ authBaseUrl: emulator.authUrl }).generateAuthUrl({
      access_type: 'offline',
      scope: ['https://www.googleapis.com/auth/gmail.metadata', 'https://www.googleapis.com/auth/calendar.readonly'],
      state: 'st-123',
      login_hint: ADA,
    });
    const answer = await fetch(url, { redirect: 'manual' });
    expect(answer.status).toBe(302);
    const back = new URL(answer.headers.get('location')!);
    expect(back.origin + back.pathname).toBe('http://127.0.0.1:9/callback');
    expect(back.searchParams.get('state')).toBe('st-123');
    const { tokens } = await oauthClient().getToken(back.searchParams.get('code')!);
    expect(tokens.access_token).toMatch(/^ya29\./);
  });
});

describe('Google emulator: PKCE as Google checks it', () => {
  beforeEach(async () => {
    await start();
    emulator.addMailbox({ email: ADA, messages: [] });
  });

  /** A code from the consent screen, for an authorization request with these PKCE parameters. */
  const codeFor = async (pkce: { code_challenge?: string; code_challenge_method?: string }) => {
    const url = new URL(oauthClient({ authBaseUrl: emulator.authUrl }).generateAuthUrl({ scope: [METADATA], login_hint: ADA }));
    for (const [key, value] of Object.entries(pkce)) url.searchParams.set(key, value);
    const answer = await fetch(url, { redirect: 'manual' });
    expect(answer.status).toBe(302);
    return new URL(answer.headers.get('location')!).searchParams.get('code')!;
  };
  const verifier = 'v'.repeat(50);

  it('refuses a code_verifier for a code whose authorization carried no challenge (a downgrade), with Google’s error', async () => {
    const code = await codeFor({});
    const refused = await failure(oauthClient().getToken({ code, codeVerifier: verifier }));
    expect(refused.status).toBe(400);
    expect(refused.response.data).toEqual({ error: 'invalid_grant', error_description: 'code_verifier or verifier is not needed.' });
    // The code is spent: it does not work without the verifier afterwards either.
    expect((await failure(oauthClient().getToken(code))).response.data.error).toBe('invalid_grant');
  });

  it('takes S256 and plain challenges (both documented by Google), each only with its own verifier', async () => {
    const s256 = createHash('sha256').update(verifier).digest('base64url');
    expect(
      (
        await oauthClient().getToken({
          code: await codeFor({ code_challenge: s256, code_challenge_method: 'S256' }),
          codeVerifier: verifier,
        })
      ).tokens.access_token,
    ).toMatch(/^ya29\./);
    expect(
      (
        await oauthClient().getToken({
          code: await codeFor({ code_challenge: verifier, code_challenge_method: 'plain' }),
          codeVerifier: verifier,
        })
      ).tokens.access_token,
    ).toMatch(/^ya29\./);
    const wrong = await failure(
      oauthClient().getToken({
        code: await codeFor({ code_challenge: s256, code_challenge_method: 'S256' }),
        codeVerifier: 'w'.repeat(50),
      }),
    );
    expect(wrong.response.data).toEqual({ error: 'invalid_grant', error_description: 'Invalid code verifier.' });
    const missing = await failure(oauthClient().getToken(await codeFor({ code_challenge: s256, code_challenge_method: 'S256' })));
    expect(missing.response.data).toEqual({ error: 'invalid_grant', error_description: 'Missing code verifier.' });
  });
});

describe('Google emulator: Gmail scopes', () => {
  let id: string;
  beforeEach(async () => {
    await start();
    emulator.addMailbox({ email: ADA, messages: [] });
    id = emulator.addMessage(ADA, message('hello', '2024-01-01T10:00:00Z'));
  });

  it('under gmail.metadata refuses format=full and raw with Google’s 403 messages', async () => {
    const { gmail } = gmailFor(ADA);
    for (const format of ['full', 'raw']) {
      const refused = await failure(gmail.users.messages.get({ userId: 'me', id, format }));
      expect(refused.status).toBe(403);
      expect(refused.response.data.error.message).toBe(`Metadata scope doesn't allow format ${format.toUpperCase()}`);
      expect(refused.response.data.error.errors[0].reason).toBe('forbidden');
    }
  });

  it('under gmail.metadata refuses any q parameter, even an empty one', async () => {
    const { gmail } = gmailFor(ADA);
    for (const q of ['from:bob@example.org', '']) {
      const refused = await failure(gmail.users.messages.list({ userId: 'me', q }));
      expect(refused.status).toBe(403);
      expect(refused.response.data.error.message).toBe("Metadata scope does not support 'q' parameter");
    }
  });

  it('allows format=full under gmail.readonly, but not when gmail.metadata is granted beside it (as Gmail does)', async () => {
    const { gmail } = gmailFor(ADA, ['gmail.readonly']);
    const full = await gmail.users.messages.get({ userId: 'me', id, format: 'full' });
    expect(full.data.payload?.headers?.map((h) => h.name)).toEqual(['From', 'To', 'Subject', 'Date']);
    const raw = await gmail.users.messages.get({ userId: 'me', id, format: 'raw' });
    expect(Buffer.from(raw.data.raw!, 'base64url').toString()).toMatch(/^From: Bob <bob@example.org>\r\n[\s\S]*\r\n\r\n$/);

    const both = gmailFor(ADA, ['gmail.readonly', 'gmail.metadata']).gmail;
    expect((await failure(both.users.messages.get({ userId: 'me', id, format: 'full' }))).status).toBe(403);
    expect((await failure(both.users.messages.list({ userId: 'me', q: 'is:unread' }))).status).toBe(403);
  });

  it('refuses Gmail calls from a token without a Gmail scope with insufficientPermissions', async () => {
    const { gmail } = gmailFor(ADA, ['calendar.readonly']);
    const refused = await failure(gmail.users.getProfile({ userId: 'me' }));
    expect(refused.status).toBe(403);
    expect(refused.response.data.error.errors[0].reason).toBe('insufficientPermissions');
  });
});

describe('Google emulator: Gmail messages', () => {
  let gmail: gmail_v1.Gmail;
  beforeEach(async () => {
    await start();
  });

  function seed(messages: SeedMessage[]) {
    emulator.addMailbox({ email: ADA, messages });
    gmail = gmailFor(ADA).gmail;
  }

  async function listAll(params: gmail_v1.Params$Resource$Users$Messages$List) {
    const ids: string[] = [];
    let pageToken: string | undefined;
    do {
      const page = await gmail.users.messages.list({ userId: 'me', ...params, ...(pageToken ? { pageToken } : {}) });
      ids.push(...(page.data.messages ?? []).map((m) => m.id!));
      pageToken = page.data.nextPageToken ?? undefined;
    } while (pageToken);
    return ids;
  }

  it('lists newest first, ANDs labelIds, hides SPAM and TRASH unless asked, and pages', async () => {
    seed([
      { id: 'a1', ...message('one', '2024-01-01T00:00:00Z', ['INBOX']) },
      { id: 'a2', ...message('two', '2024-01-03T00:00:00Z', ['INBOX', 'UNREAD']) },
      { id: 'a3', ...message('three', '2024-01-02T00:00:00Z', ['SENT']) },
      { id: 'a4', ...message('four', '2024-01-05T00:00:00Z', ['INBOX', 'UNREAD']) },
      { id: 'a5', ...message('five', '2024-01-04T00:00:00Z', ['SPAM']) },
      { id: 'a6', ...message('six', '2024-01-06T00:00:00Z', ['TRASH', 'INBOX']) },
      { id: 'a7', ...message('seven', '2024-01-07T00:00:00Z', ['INBOX']) },
    ]);
    const first = await gmail.users.messages.list({ userId: 'me', labelIds: ['INBOX'], maxResults: 2 });
    expect(first.data.messages?.map((m) => m.id)).toEqual(['a7', 'a4']);
    expect(first.data.resultSizeEstimate).toBe(4);
    expect(first.data.nextPageToken).toBeTruthy();

    expect(await listAll({ labelIds: ['INBOX'], maxResults: 2 })).toEqual(['a7', 'a4', 'a2', 'a1']);
    expect(await listAll({ labelIds: ['INBOX', 'UNREAD'] })).toEqual(['a4', 'a2']);
    expect(await listAll({})).toEqual(['a7', 'a4', 'a2', 'a3', 'a1']);
    expect(await listAll({ includeSpamTrash: true })).toEqual(['a7', 'a6', 'a4', 'a5', 'a2', 'a3', 'a1']);
    expect(await listAll({ labelIds: ['TRASH'] })).toEqual(['a6']);

    const capped = await gmail.users.messages.list({ userId: 'me', maxResults: 5000 });
    expect(capped.data.messages).toHaveLength(5);
    expect((await failure(gmail.users.messages.list({ userId: 'me', maxResults: -1 }))).status).toBe(400);

    const empty = await gmail.users.messages.list({ userId: 'me', labelIds: ['Label_9'] });
    expect(empty.data).toEqual({ resultSizeEstimate: 0 });
  });

  it('refuses a page token replayed against a different listing', async () => {
    seed([message('one', '2024-01-01T00:00:00Z'), message('two', '2024-01-02T00:00:00Z')]);
    const first = await gmail.users.messages.list({ userId: 'me', maxResults: 1 });
    const refused = await failure(
      gmail.users.messages.list({ userId: 'me', maxResults: 1, labelIds: ['SENT'], pageToken: first.data.nextPageToken! }),
    );
    expect(refused.status).toBe(400);
  });

  it('pages without skipping or repeating a message while mail arrives and leaves between pages', async () => {
    const seeded = Array.from({ length: 12 }, (_, i) => ({
      id: `b${String(i).padStart(2, '0')}`,
      ...message(`m${i}`, new Date(Date.UTC(2024, 0, 1 + i)).toISOString()),
    }));
    seed(seeded);

    const seen: string[] = [];
    let pageToken: string | undefined;
    let round = 0;
    do {
      const page = await gmail.users.messages.list({ userId: 'me', maxResults: 3, ...(pageToken ? { pageToken } : {}) });
      seen.push(...page.data.messages!.map((m) => m.id!));
      pageToken = page.data.nextPageToken ?? undefined;
      round++;
      // Newer mail lands at the head of the list, an older import lands behind the cursor,
      // and a message not yet served is deleted.
      emulator.addMessage(ADA, message(`new${round}`, new Date(Date.UTC(2025, 0, round)).toISOString()));
      if (round === 1) emulator.addMessage(ADA, { id: 'late', ...message('late', '2023-06-01T00:00:00Z') });
      if (round === 2) emulator.deleteMessage(ADA, 'b02');
    } while (pageToken);

    expect(new Set(seen).size).toBe(seen.length);
    const expected = seeded
      .map((m) => m.id)
      .filter((id) => id !== 'b02')
      .reverse();
    expect(seen.filter((id) => id.startsWith('b'))).toEqual(expected);
    expect(seen).toContain('late');
  });

  it('serves format=metadata with only the requested headers, matched case-insensitively, in message order', async () => {
    seed([]);
    const id = emulator.addMessage(ADA, {
      labelIds: ['INBOX', 'CATEGORY_PERSONAL'],
      raw: 'Message-ID: <m1@example.org>\r\nFrom: Bob <bob@example.org>\r\nTo: ada@example.com\r\nSubject: Folded\r\n  subject\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n\r\nbody text never served',
    });
    const got = await gmail.users.messages.get({ userId: 'me', id, format: 'metadata', metadataHeaders: ['subject', 'FROM', 'X-Absent'] });
    expect(got.data).toMatchObject({
      id,
      threadId: id,
      labelIds: ['INBOX', 'CATEGORY_PERSONAL'],
      snippet: '',
      historyId: emulator.historyId(ADA),
      internalDate: String(Date.UTC(2024, 0, 1, 10)),
      payload: {
        mimeType: 'text/plain',
        headers: [
          { name: 'From', value: 'Bob <bob@example.org>' },
          { name: 'Subject', value: 'Folded subject' },
        ],
      },
    });
    expect(typeof got.data.sizeEstimate).toBe('number');

    const all = await gmail.users.messages.get({ userId: 'me', id, format: 'metadata' });
    expect(all.data.payload?.headers?.map((h) => h.name)).toEqual(['Message-ID', 'From', 'To', 'Subject', 'Date']);
    const minimal = await gmail.users.messages.get({ userId: 'me', id, format: 'minimal' });
    expect(minimal.data.payload).toBeUndefined();
    expect(minimal.data.internalDate).toBe(String(Date.UTC(2024, 0, 1, 10)));
  });

  it('answers 404 notFound for an unknown or deleted message', async () => {
    seed([{ id: 'c1', ...message('one', '2024-01-01T00:00:00Z') }]);
    emulator.deleteMessage(ADA, 'c1');
    const gone = await failure(gmail.users.messages.get({ userId: 'me', id: 'c1', format: 'metadata' }));
    expect(gone.status).toBe(404);
    expect(gone.response.data.error).toMatchObject({ code: 404, status: 'NOT_FOUND', errors: [{ reason: 'notFound' }] });
  });

  it('accepts the user’s own address as userId and refuses another mailbox', async () => {
    seed([]);
    emulator.addMailbox({ email: 'eve@example.com', messages: [] });
    expect((await gmail.users.getProfile({ userId: 'Ada@Example.com' })).data.emailAddress).toBe(ADA);
    const refused = await failure(gmail.users.messages.list({ userId: 'eve@example.com' }));
    expect(refused.status).toBe(403);
  });

  it('threads a reply with the message it answers', async () => {
    seed([]);
    const first = emulator.addMessage(ADA, message('Plans', '2024-01-01T00:00:00Z', ['INBOX'], [['Message-ID', '<p1@example.org>']]));
    const byReference = emulator.addMessage(
      ADA,
      message('Changed subject', '2024-01-02T00:00:00Z', ['SENT'], [['In-Reply-To', '<p1@example.org>']]),
    );
    const bySubject = emulator.addMessage(ADA, message('RE: plans', '2024-01-03T00:00:00Z'));
    const unrelated = emulator.addMessage(ADA, message('Plans', '2024-01-04T00:00:00Z'));
    const threads = await Promise.all(
      [first, byReference, bySubject, unrelated].map(
        async (id) => (await gmail.users.messages.get({ userId: 'me', id, format: 'minimal' })).data.threadId,
      ),
    );
    expect(threads).toEqual([first, first, first, unrelated]);
    expect((await gmail.users.getProfile({ userId: 'me' })).data).toMatchObject({ messagesTotal: 4, threadsTotal: 2 });
  });
});

describe('Google emulator: Gmail history', () => {
  let gmail: gmail_v1.Gmail;
  beforeEach(async () => {
    await start({ historyPageSize: 3 });
    emulator.addMailbox({ email: ADA, messages: [{ id: 'old1', ...message('seeded', '2024-01-01T00:00:00Z') }] });
    gmail = gmailFor(ADA).gmail;
  });

  async function allHistory(params: Omit<gmail_v1.Params$Resource$Users$History$List, 'userId'>) {
    const records: gmail_v1.Schema$History[] = [];
    const historyIds: string[] = [];
    let pageToken: string | undefined;
    do {
      const page = await gmail.users.history.list({ userId: 'me', ...params, ...(pageToken ? { pageToken } : {}) });
      records.push(...(page.data.history ?? []));
      historyIds.push(page.data.historyId!);
      pageToken = page.data.nextPageToken ?? undefined;
    } while (pageToken);
    return { records, historyIds };
  }

  it('pages through every change after startHistoryId in order and reports the current historyId', async () => {
    const start = (await gmail.users.getProfile({ userId: 'me' })).data.historyId!;
    const added = Array.from({ length: 5 }, (_, i) => emulator.addMessage(ADA, message(`n${i}`, `2024-02-0${i + 1}T00:00:00Z`)));
    emulator.deleteMessage(ADA, added[0]!);
    emulator.modifyLabels(ADA, added[1]!, { add: ['STARRED'], remove: ['INBOX'] });

    const { records, historyIds } = await allHistory({ startHistoryId: start });
    expect(historyIds).toHaveLength(3);
    expect(new Set(historyIds)).toEqual(new Set([emulator.historyId(ADA)]));
    const ids = records.map((r) => Number(r.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(ids[0]).toBeGreaterThan(Number(start));
    expect(records.flatMap((r) => r.messagesAdded ?? []).map((a) => a.message!.id)).toEqual(added);
    expect(records.flatMap((r) => r.messagesDeleted ?? []).map((d) => d.message!.id)).toEqual([added[0]]);
    expect(records.flatMap((r) => r.labelsAdded ?? [])).toEqual([
      { message: { id: added[1], threadId: added[1], labelIds: ['STARRED'] }, labelIds: ['STARRED'] },
    ]);
    expect(records.flatMap((r) => r.labelsRemoved ?? []).map((r) => r.labelIds)).toEqual([['INBOX']]);
    for (const record of records) expect(record.messages).toHaveLength(1);

    const latest = await gmail.users.messages.get({ userId: 'me', id: added[1]!, format: 'minimal' });
    expect(latest.data.historyId).toBe(emulator.historyId(ADA));
    const caughtUp = await gmail.users.history.list({ userId: 'me', startHistoryId: emulator.historyId(ADA) });
    expect(caughtUp.data).toEqual({ historyId: emulator.historyId(ADA) });
  });

  it('pages history without skipping or repeating a record while changes keep arriving', async () => {
    const start = emulator.historyId(ADA);
    const added = Array.from({ length: 7 }, (_, i) => emulator.addMessage(ADA, message(`h${i}`, '2024-02-01T00:00:00Z')));
    const seen: string[] = [];
    let pageToken: string | undefined;
    do {
      const page = await gmail.users.history.list({ userId: 'me', startHistoryId: start, ...(pageToken ? { pageToken } : {}) });
      seen.push(...(page.data.history ?? []).map((r) => r.messagesAdded![0]!.message!.id!));
      pageToken = page.data.nextPageToken ?? undefined;
      if (pageToken) added.push(emulator.addMessage(ADA, message('meanwhile', '2024-02-02T00:00:00Z')));
    } while (pageToken);
    expect(seen).toEqual(added);
  });

  it('filters by historyTypes and labelId', async () => {
    const start = emulator.historyId(ADA);
    const sent = emulator.addMessage(ADA, message('s', '2024-02-01T00:00:00Z', ['SENT']));
    const inbox = emulator.addMessage(ADA, message('i', '2024-02-02T00:00:00Z', ['INBOX']));
    emulator.deleteMessage(ADA, inbox);
    const addedOnly = await allHistory({ startHistoryId: start, historyTypes: ['messageAdded'] });
    expect(addedOnly.records.map((r) => r.messagesAdded?.[0]?.message?.id)).toEqual([sent, inbox]);
    const sentOnly = await allHistory({ startHistoryId: start, labelId: 'SENT' });
    expect(sentOnly.records.map((r) => r.messages?.[0]?.id)).toEqual([sent]);
  });

  it('gives history ids gaps, as Gmail does', async () => {
    const before = Number(emulator.historyId(ADA));
    for (let i = 0; i < 4; i++) emulator.addMessage(ADA, message(`g${i}`, '2024-03-01T00:00:00Z'));
    const { records } = await allHistory({ startHistoryId: String(before) });
    const steps = records.map((r, i) => Number(r.id) - (i === 0 ? before : Number(records[i - 1]!.id)));
    expect(steps.some((step) => step > 1)).toBe(true);
  });

  it('answers 404 notFound after expireHistory, and the new profile historyId works again', async () => {
    const start = emulator.historyId(ADA);
    emulator.addMessage(ADA, message('x', '2024-02-01T00:00:00Z'));
    emulator.expireHistory(ADA);
    const expired = await failure(gmail.users.history.list({ userId: 'me', startHistoryId: start }));
    expect(expired.status).toBe(404);
    expect(expired.response.data.error).toMatchObject({
      code: 404,
      status: 'NOT_FOUND',
      errors: [{ reason: 'notFound', domain: 'global' }],
    });

    const fresh = (await gmail.users.getProfile({ userId: 'me' })).data.historyId!;
    const id = emulator.addMessage(ADA, message('y', '2024-02-02T00:00:00Z'));
    const after = await gmail.users.history.list({ userId: 'me', startHistoryId: fresh });
    expect(after.data.history?.map((r) => r.messagesAdded?.[0]?.message?.id)).toEqual([id]);
  });

  it('answers 404 for a startHistoryId from before the mailbox was watched, and 400 without one', async () => {
    const seeded = await gmail.users.messages.get({ userId: 'me', id: 'old1', format: 'minimal' });
    expect(
      (await failure(gmail.users.history.list({ userId: 'me', startHistoryId: String(Number(seeded.data.historyId) - 1) }))).status,
    ).toBe(404);
    expect((await failure(gmail.users.history.list({ userId: 'me' }))).status).toBe(400);
  });
});
