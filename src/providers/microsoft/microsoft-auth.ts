import type { Logger } from 'pino';
import { ProviderError } from '../provider-error.ts';
import type { StoredTokens, TokenStore } from '../types.ts';
import { IdentityError } from './map-graph-error.ts';

/**
 * The only permissions rekindle asks Microsoft for: message metadata (no bodies, no headers),
 * calendar events without bodies, the user's own profile (addresses), and offline_access for
 * the refresh token a background service needs.
 */
export const MICROSOFT_SCOPES = ['Mail.ReadBasic', 'Calendars.ReadBasic', 'offline_access', 'User.Read'] as const;

export const MICROSOFT_LOGIN_URL = 'https://login.microsoftonline.com';

/** Refresh an access token this long before it expires, so no request goes out with a dying one. */
const EXPIRY_MARGIN_MS = 60_000;

/** Runs `fn` while holding the account's token lock (shared by every process that syncs it). */
export type RefreshLock = <T>(fn: () => Promise<T>) => Promise<T>;

export interface MicrosoftAuthOptions {
  clientId: string;
  clientSecret: string;
  /** `${loginUrl}/${tenant}/oauth2/v2.0/token`. */
  tokenUrl: string;
  tokens: TokenStore;
  timeoutMs: number;
  /**
   * Serializes refreshes of one account across processes. Microsoft rotates the refresh token on
   * every use, and an account's mail and calendar streams run as separate jobs, possibly in
   * separate processes: without the lock both could redeem the same refresh token. Default: a
   * lock within this process only (enough for one-process uses and tests).
   */
  refreshLock?: RefreshLock;
  logger?: Logger;
  now?: () => number;
}

export interface MicrosoftAuth {
  /** A valid access token, refreshed first when missing or about to expire. */
  accessToken(): Promise<string>;
  /** Graph refused `rejected` with 401: get a new access token, unless one was got meanwhile. */
  renew(rejected: string): Promise<void>;
  /** Set once Microsoft said the grant is gone; every later request of the account fails at once. */
  revoked: ProviderError | null;
}

/**
 * Access tokens for one account from the identity platform's token endpoint (plain fetch: it is
 * not Graph, and the Graph client has no part in it).
 *
 * Rotation: every refresh returns a new refresh token and retires the old one. The new one is
 * saved through the TokenStore before it is used, and every refresh starts from the token store's
 * newest refresh token while holding the account's lock, so no refresh token is presented twice
 * — not by two requests of one job, and not by the mail and calendar jobs of the same account.
 */
export function createMicrosoftAuth(options: MicrosoftAuthOptions): MicrosoftAuth {
  const now = options.now ?? Date.now;
  const lock = options.refreshLock ?? localLock();
  let current: StoredTokens | null = null;
  let refreshing: Promise<void> | null = null;

  async function load(): Promise<StoredTokens> {
    if (current) return current;
    current = await options.tokens.load();
    return current;
  }

  function fresh(tokens: StoredTokens, rejected: string | null): boolean {
    return Boolean(
      tokens.accessToken &&
        tokens.accessToken !== rejected &&
        tokens.accessTokenExpiresAt &&
        tokens.accessTokenExpiresAt.getTime() - now() > EXPIRY_MARGIN_MS,
    );
  }

  async function refresh(rejected: string | null): Promise<void> {
    refreshing ??= lock(async () => {
      // Another job or process may have rotated the token since we loaded it: start from the newest.
      const stored = await options.tokens.load();
      if (fresh(stored, rejected)) {
        current = stored;
        return;
      }
      if (!stored.refreshToken) {
        throw new ProviderError('auth_revoked', 'no Microsoft refresh token stored for this account', { provider: 'microsoft' });
      }
      const next = await redeem(stored.refreshToken);
      current = next;
      await saveRotated(next);
      options.logger?.debug(
        { expiresAt: next.accessTokenExpiresAt, rotated: next.refreshToken !== stored.refreshToken },
        'microsoft access token refreshed',
      );
    }).finally(() => {
      refreshing = null;
    });
    await refreshing;
  }

  /** The old refresh token is dead once redeemed, so the new one must reach the store. */
  async function saveRotated(tokens: StoredTokens): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await options.tokens.save(tokens);
        return;
      } catch (error) {
        options.logger?.error({ err: error, attempt }, 'saving the rotated microsoft refresh token failed');
        if (attempt >= 3) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      }
    }
  }

  async function redeem(refreshToken: string): Promise<StoredTokens> {
    const response = await fetch(options.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({
        client_id: options.clientId,
        client_secret: options.clientSecret,
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
        scope: MICROSOFT_SCOPES.join(' '),
      }),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    const body = (await response.json().catch(() => null)) as Record<string, unknown> | null;
    if (!response.ok) {
      const codes = Array.isArray(body?.error_codes) ? body.error_codes.filter((c): c is number => typeof c === 'number') : [];
      throw new IdentityError(
        response.status,
        typeof body?.error === 'string' ? body.error : `http_${response.status}`,
        codes,
        response.headers.get('retry-after'),
      );
    }
    const accessToken = body?.access_token;
    const expiresIn = Number(body?.expires_in);
    if (typeof accessToken !== 'string' || !accessToken || !(expiresIn > 0)) {
      throw new ProviderError('transient', 'Microsoft token endpoint returned no usable access token', { provider: 'microsoft' });
    }
    return {
      // Absent only if the grant lacks offline_access; then the old one stays in use.
      refreshToken: typeof body?.refresh_token === 'string' && body.refresh_token ? body.refresh_token : refreshToken,
      accessToken,
      accessTokenExpiresAt: new Date(now() + expiresIn * 1000),
    };
  }

  const auth: MicrosoftAuth = {
    revoked: null,
    async accessToken() {
      const tokens = await load();
      if (!fresh(tokens, null)) await refresh(null);
      return current!.accessToken!;
    },
    async renew(rejected) {
      await load();
      if (current!.accessToken !== rejected && fresh(current!, rejected)) return;
      await refresh(rejected);
    },
  };
  return auth;
}

/** A lock that only orders callers within this process. */
function localLock(): RefreshLock {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>) => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => undefined);
    return run;
  };
}
