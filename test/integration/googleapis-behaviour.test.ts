/**
 * What rekindle relies on in googleapis / gaxios / google-auth-library, checked against a bare
 * HTTP server that answers exactly what each case needs (the emulator answers like Google;
 * this one answers like a misbehaving Google). The real libraries run unmodified.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createGoogleAccount } from '../../src/providers/google/create-google-account.ts';
import { METADATA_HEADERS } from '../../src/mail/message-meta.ts';
import type { ProviderError } from '../../src/providers/provider-error.ts';
import type { StoredTokens, TokenStore } from '../../src/providers/types.ts';
import { createRequestGate } from '../../src/sync/request-gate.ts';

interface Seen {
  method: string;
  url: URL;
  body: string;
  authorization: string | undefined;
}

type Handler = (req: Seen, res: ServerResponse) => void;

const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function fakeGoogle(handler: Handler) {
  const seen: Seen[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const entry = {
        method: req.method ?? 'GET',
        url: new URL(req.url ?? '/', 'http://x'),
        body,
        authorization: req.headers.authorization,
      };
      seen.push(entry);
      handler(entry, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const handle = {
    url: `http://127.0.0.1:${port}/`,
    tokenUrl: `http://127.0.0.1:${port}/token`,
    seen,
    api: () => seen.filter((s) => !s.url.pathname.startsWith('/token')),
    token: () => seen.filter((s) => s.url.pathname.startsWith('/token')),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  servers.push(handle);
  return handle;
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function tokenAnswer(res: ServerResponse, accessToken = 'fresh-access') {
  json(res, 200, { access_token: accessToken, expires_in: 3599, token_type: 'Bearer', scope: 'x' });
}

function memoryTokens(initial: StoredTokens): TokenStore & { saved: StoredTokens[] } {
  let current = initial;
  const saved: StoredTokens[] = [];
  return {
    saved,
    async load() {
      return current;
    },
    async save(tokens) {
      saved.push(tokens);
      current = tokens;
    },
  };
}

const validTokens = (): StoredTokens => ({
  refreshToken: 'refresh-1',
  accessToken: 'access-1',
  accessTokenExpiresAt: new Date(Date.now() + 3_600_000),
});

function account(fake: { url: string; tokenUrl: string }, tokens: TokenStore, extra: { timeoutMs?: number } = {}) {
  // attempts: 1 so that every request we count is one the library sent, not the gate.
  const gate = createRequestGate({ concurrency: 4, attempts: 1 });
  return {
    gate,
    account: createGoogleAccount({
      clientId: 'id',
      clientSecret: 'secret',
      apiUrl: fake.url,
      tokenUrl: fake.tokenUrl,
      tokens,
      mailGate: gate,
      calendarGate: gate,
      ...extra,
    }),
  };
}

const googleError = (code: number, reason: string, message = 'error') => ({
  error: { code, message, errors: [{ domain: 'usageLimits', reason, message }] },
});

describe('googleapis as rekindle configures it', () => {
  it('sends a 5xx answer once: no library retry', async () => {
    const fake = await fakeGoogle((req, res) =>
      req.url.pathname === '/token' ? tokenAnswer(res) : json(res, 503, googleError(503, 'backendError')),
    );
    const { account: google } = account(fake, memoryTokens(validTokens()));
    await expect(google.profile()).rejects.toMatchObject({ kind: 'transient', status: 503 });
    expect(fake.api()).toHaveLength(1);
  });

  it('sends a 429 answer once and reports its Retry-After', async () => {
    const fake = await fakeGoogle((_req, res) => json(res, 429, googleError(429, 'rateLimitExceeded'), { 'retry-after': '7' }));
    const { account: google } = account(fake, memoryTokens(validTokens()));
    await expect(google.profile()).rejects.toMatchObject({ kind: 'throttled', retryAfterMs: 7000 });
    expect(fake.api()).toHaveLength(1);
  });

  it('does not refresh and resend on a 403 rate limit, even for a stored token without expiry', async () => {
    const fake = await fakeGoogle((req, res) =>
      req.url.pathname === '/token' ? tokenAnswer(res) : json(res, 403, googleError(403, 'userRateLimitExceeded')),
    );
    const tokens = memoryTokens({ refreshToken: 'refresh-1', accessToken: 'access-1', accessTokenExpiresAt: null });
    const { account: google } = account(fake, tokens);
    await expect(google.profile()).rejects.toMatchObject({ kind: 'throttled', retryAfterMs: null });
    expect(fake.api()).toHaveLength(1);
    // The token without an expiry was not trusted: exactly one refresh, before the request.
    expect(fake.token()).toHaveLength(1);
  });

  it('asks the token endpoint once when it fails: no library retry on the refresh POST', async () => {
    const fake = await fakeGoogle((req, res) =>
      req.url.pathname === '/token' ? json(res, 503, { error: 'backend_error' }) : json(res, 200, {}),
    );
    const { account: google } = account(fake, memoryTokens({ refreshToken: 'refresh-1', accessToken: null, accessTokenExpiresAt: null }));
    await expect(google.profile()).rejects.toMatchObject({ kind: 'transient', status: 503 });
    expect(fake.token()).toHaveLength(1);
    expect(fake.api()).toHaveLength(0);
  });

  it('turns invalid_grant into auth_revoked without keeping the refresh token in the error', async () => {
    const fake = await fakeGoogle((_req, res) =>
      json(res, 400, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' }),
    );
    const { account: google } = account(
      fake,
      memoryTokens({ refreshToken: 'secret-refresh-token', accessToken: null, accessTokenExpiresAt: null }),
    );
    const error = (await google.profile().catch((e: unknown) => e)) as ProviderError;
    expect(error).toMatchObject({ kind: 'auth_revoked' });
    expect(fake.token()[0]!.body).toContain('refresh_token=secret-refresh-token');
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain('secret-refresh-token');
    expect(JSON.stringify(error.cause, Object.getOwnPropertyNames(error.cause))).not.toContain('secret-refresh-token');
  });

  it('refreshes once on a 401, resends, and saves the new token with its expiry', async () => {
    const fake = await fakeGoogle((req, res) => {
      if (req.url.pathname === '/token') return tokenAnswer(res, 'access-2');
      if (req.authorization !== 'Bearer access-2')
        return json(res, 401, { error: { code: 401, message: 'Invalid Credentials', status: 'UNAUTHENTICATED' } });
      json(res, 200, { emailAddress: 'ada@example.com', historyId: '10', messagesTotal: 0, threadsTotal: 0 });
    });
    const tokens = memoryTokens(validTokens());
    const before = Date.now();
    const { account: google } = account(fake, tokens);
    await expect(google.profile()).resolves.toEqual({ email: 'ada@example.com', aliases: [] });
    expect(fake.api().map((r) => r.authorization)).toEqual(['Bearer access-1', 'Bearer access-2']);
    expect(fake.token()).toHaveLength(1);
    expect(tokens.saved).toHaveLength(1);
    expect(tokens.saved[0]).toMatchObject({ refreshToken: 'refresh-1', accessToken: 'access-2' });
    const expiresAt = tokens.saved[0]!.accessTokenExpiresAt!.getTime();
    expect(expiresAt).toBeGreaterThanOrEqual(before + 3_599_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 3_599_000);
  });

  it('a second 401 after the refresh means the grant is gone', async () => {
    const fake = await fakeGoogle((req, res) =>
      req.url.pathname === '/token' ? tokenAnswer(res) : json(res, 401, { error: { code: 401, message: 'Invalid Credentials' } }),
    );
    const { account: google } = account(fake, memoryTokens(validTokens()));
    await expect(google.profile()).rejects.toMatchObject({ kind: 'auth_revoked', status: 401 });
    expect(fake.api()).toHaveLength(2);
  });

  it('keeps a refresh token Google rotates, saves it and refreshes with it next time', async () => {
    let issued = 0;
    let valid = '';
    const fake = await fakeGoogle((req, res) => {
      if (req.url.pathname === '/token') {
        issued++;
        valid = `a${issued}`;
        return json(res, 200, { access_token: valid, expires_in: 3599, refresh_token: `refresh-${issued + 1}` });
      }
      // Each access token works once, so the second call has to refresh again.
      if (req.authorization !== `Bearer ${valid}`) return json(res, 401, { error: { code: 401, message: 'Invalid Credentials' } });
      valid = '';
      json(res, 200, { emailAddress: 'ada@example.com', historyId: '1' });
    });
    const tokens = memoryTokens({ refreshToken: 'refresh-1', accessToken: null, accessTokenExpiresAt: null });
    const { account: google } = account(fake, tokens);
    await google.profile();
    await google.profile();
    expect(tokens.saved.map((t) => t.refreshToken)).toEqual(['refresh-2', 'refresh-3']);
    expect(fake.token().map((r) => new URLSearchParams(r.body).get('refresh_token'))).toEqual(['refresh-1', 'refresh-2']);
  });

  it('refreshes once for many concurrent first requests', async () => {
    const fake = await fakeGoogle((req, res) => {
      if (req.url.pathname === '/token') return setTimeout(() => tokenAnswer(res), 50);
      json(res, 200, {
        id: req.url.pathname.split('/').pop(),
        labelIds: ['INBOX'],
        internalDate: '1700000000000',
        payload: { headers: [] },
      });
    });
    const tokens = memoryTokens({ refreshToken: 'refresh-1', accessToken: null, accessTokenExpiresAt: null });
    const { account: google } = account(fake, tokens);
    const { messages } = await google.mail.hydrate(Array.from({ length: 8 }, (_, i) => ({ providerId: `m${i}` })));
    expect(messages).toHaveLength(8);
    expect(fake.token()).toHaveLength(1);
    expect(tokens.saved).toHaveLength(1);
  });

  it('asks messages.get for metadata with each header as its own metadataHeaders parameter', async () => {
    const fake = await fakeGoogle((_req, res) =>
      json(res, 200, { id: 'm1', labelIds: ['SENT'], internalDate: '1700000000000', payload: { headers: [] } }),
    );
    const { account: google } = account(fake, memoryTokens(validTokens()));
    await google.mail.hydrate([{ providerId: 'm1' }]);
    const url = fake.api()[0]!.url;
    expect(url.pathname).toBe('/gmail/v1/users/me/messages/m1');
    expect(url.searchParams.get('format')).toBe('metadata');
    expect(url.searchParams.getAll('metadataHeaders')).toEqual([...METADATA_HEADERS]);
    expect(url.searchParams.has('q')).toBe(false);
  });

  it('gives up on a request that outlives the timeout, once, as transient', async () => {
    const fake = await fakeGoogle((_req, res) => setTimeout(() => json(res, 200, {}), 1_000));
    const { account: google } = account(fake, memoryTokens(validTokens()), { timeoutMs: 100 });
    await expect(google.profile()).rejects.toMatchObject({ kind: 'transient', status: null });
    expect(fake.api()).toHaveLength(1);
  });

  it('treats a refused connection as transient', async () => {
    const fake = await fakeGoogle((_req, res) => json(res, 200, {}));
    const { url, tokenUrl } = fake;
    await fake.close();
    const { account: google } = account({ url, tokenUrl }, memoryTokens(validTokens()));
    const error = (await google.profile().catch((e: unknown) => e)) as ProviderError;
    expect(error).toMatchObject({ kind: 'transient', status: null });
    expect((error.cause as { code?: string }).code).toBe('ECONNREFUSED');
  });
});
