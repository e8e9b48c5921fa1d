import { rejectBrokenJson } from './broken-answer.ts';
import { OAuth2Client, type Credentials } from 'google-auth-library';
import type { Logger } from 'pino';
import { ProviderError } from '../provider-error.ts';
import type { StoredTokens, TokenStore } from '../types.ts';

/**
 * The only scopes rekindle asks Google for: message metadata (headers and labels, never
 * bodies; `q` and `format=full|raw` are refused under it) and read-only calendar.
 */
export const GOOGLE_SCOPES = [
  'https://www.googleapis.com/auth/gmail.metadata',
  'https://www.googleapis.com/auth/calendar.readonly',
] as const;

export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';

/**
 * No retries inside the library: googleapis-common turns `retry` on for every API call and
 * google-auth-library turns it on (POST included) for the token endpoint, which would resend a
 * throttled request at once, three times, behind the gate's back and outside its quota count.
 * `retryConfig.retry = 0` in the transporter's defaults is deep-merged into every request the
 * client sends (API calls and token refreshes alike) and makes gaxios give up at the first error.
 */
export const NO_LIBRARY_RETRIES = { retry: 0, noResponseRetries: 0 } as const;

export interface GoogleAuthOptions {
  clientId: string;
  clientSecret: string;
  tokenUrl?: string;
  tokens: TokenStore;
  timeoutMs: number;
  logger?: Logger;
}

export interface GoogleAuth {
  /** The client the API objects are built with (it signs every request). */
  readonly client: OAuth2Client;
  /**
   * Loads the stored tokens, once. Its failures are the token store's (a database error) and
   * propagate as they are; only a missing refresh token is `auth_revoked`.
   */
  ready(): Promise<void>;
  /** The access token, refreshed first when missing or expiring. Call `ready()` first. */
  accessToken(): Promise<string>;
  /**
   * Google refused `rejected` with 401: get a new access token, unless another request already
   * replaced that one. Throws the token endpoint's error (invalid_grant when the grant is gone).
   */
  renew(rejected: string): Promise<void>;
  /** Waits until every refreshed token seen so far is saved; throws if a save failed. */
  flush(): Promise<void>;
  /**
   * Set once Google said the grant is gone. An account object lives for one job, so every
   * later request of it fails at once instead of asking the token endpoint again.
   */
  revoked: ProviderError | null;
}

export function createGoogleAuth(options: GoogleAuthOptions): GoogleAuth {
  const client = new OAuth2Client({
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    endpoints: { oauth2TokenUrl: options.tokenUrl ?? GOOGLE_TOKEN_URL },
    // rejectBrokenJson: a token answer cut short is a failed request, not a string to read tokens from.
    transporterOptions: { retryConfig: { ...NO_LIBRARY_RETRIES }, timeout: options.timeoutMs, adapter: rejectBrokenJson },
  });

  let loading: Promise<void> | null = null;
  let refreshToken = '';
  let renewing: Promise<void> | null = null;
  let saving: Promise<void> = Promise.resolve();
  let saveError: unknown = null;

  // google-auth-library emits `tokens` once per refresh, before it puts the new access token in
  // its credentials. `refresh_token` is present only when Google issued a new one.
  client.on('tokens', (credentials: Credentials) => {
    if (credentials.refresh_token) refreshToken = credentials.refresh_token;
    const next: StoredTokens = {
      refreshToken,
      accessToken: credentials.access_token ?? null,
      accessTokenExpiresAt: credentials.expiry_date ? new Date(credentials.expiry_date) : null,
    };
    options.logger?.debug({ expiresAt: next.accessTokenExpiresAt }, 'google access token refreshed');
    saving = saving
      .then(() => options.tokens.save(next))
      .catch((error: unknown) => {
        options.logger?.error({ err: error }, 'saving refreshed google tokens failed');
        saveError ??= error;
      });
  });

  async function load(): Promise<void> {
    const stored = await options.tokens.load();
    if (!stored.refreshToken) {
      throw new ProviderError('auth_revoked', 'no Google refresh token stored for this account', { provider: 'google' });
    }
    refreshToken = stored.refreshToken;
    // An access token without a known expiry is not used: with no `expiry_date` the library
    // would answer any 401 *or 403* (rate limits included) with its own refresh-and-resend.
    const usable = stored.accessToken && stored.accessTokenExpiresAt;
    client.setCredentials({
      refresh_token: stored.refreshToken,
      ...(usable ? { access_token: stored.accessToken, expiry_date: stored.accessTokenExpiresAt!.getTime() } : {}),
    });
  }

  async function ready(): Promise<void> {
    loading ??= load().catch((error: unknown) => {
      loading = null;
      throw error;
    });
    await loading;
  }

  return {
    client,
    revoked: null,
    ready,
    async accessToken() {
      await ready();
      const { token } = await client.getAccessToken();
      // The library keeps its old refresh token after a refresh even when Google sent a new
      // one; put the newest back so the next refresh uses it.
      if (client.credentials.refresh_token !== refreshToken) client.credentials.refresh_token = refreshToken;
      if (!token) throw new ProviderError('transient', 'Google token endpoint returned no access token', { provider: 'google' });
      return token;
    },
    async renew(rejected) {
      if (client.credentials.access_token !== rejected) return;
      renewing ??= (async () => {
        client.setCredentials({ refresh_token: refreshToken });
        await client.getAccessToken();
      })().finally(() => {
        renewing = null;
      });
      await renewing;
    },
    async flush() {
      await saving;
      if (saveError !== null) {
        const error = saveError;
        saveError = null;
        throw error;
      }
    },
  };
}
