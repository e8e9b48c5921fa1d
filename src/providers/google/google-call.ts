import type { Logger } from 'pino';
import { isProviderError } from '../provider-error.ts';
import type { RequestGate } from '../types.ts';
import type { GoogleAuth } from './google-auth.ts';
import { mapGoogleError, type GoogleCall } from './map-google-error.ts';

/** Runs one Google API request through a gate; resolves to the response body. */
export type GoogleCaller = <T>(call: GoogleCall, cost: number, request: () => Promise<{ data: T }>) => Promise<T>;

/**
 * Every Google request goes through here: the gate paces it and retries what the mapped error
 * says is retryable; this wrapper gets a valid access token first, maps every failure to a
 * ProviderError, and handles a 401 itself: one refresh, one resend, and a second 401 means the
 * grant is gone. (The library's own refresh-and-resend never fires, see `google-auth.ts`: it
 * would also fire on 403 rate limits.) Refreshed tokens are saved before the result is handed back.
 */
export function createGoogleCaller(auth: GoogleAuth, gate: RequestGate, logger?: Logger): GoogleCaller {
  return async (call, cost, request) => {
    // Checked before the gate too, so a dead grant spends no quota units.
    if (auth.revoked) throw auth.revoked;
    return gate.run(cost, async () => {
      if (auth.revoked) throw auth.revoked;
      let result;
      try {
        result = await attempt(call, request);
      } catch (error) {
        if (isProviderError(error, 'auth_revoked')) auth.revoked ??= error;
        // The request's own error matters more; a failed save was logged where it happened.
        await auth.flush().catch(() => undefined);
        throw error;
      }
      await auth.flush();
      return result;
    });
  };

  async function attempt<T>(call: GoogleCall, request: () => Promise<{ data: T }>): Promise<T> {
    // Not mapped: a token store failure is ours, not Google's, and must not look permanent.
    await auth.ready();
    let token: string;
    try {
      token = await auth.accessToken();
    } catch (error) {
      throw mapGoogleError(error, { call: 'oauth.token' });
    }
    try {
      return (await request()).data;
    } catch (error) {
      if (statusOf(error) !== 401) throw mapGoogleError(error, { call });
      logger?.debug({ call }, 'google refused the access token; refreshing once');
    }
    try {
      await auth.renew(token);
    } catch (error) {
      throw mapGoogleError(error, { call: 'oauth.token' });
    }
    try {
      return (await request()).data;
    } catch (error) {
      throw mapGoogleError(error, { call, afterRefresh: true });
    }
  }
}

function statusOf(error: unknown): number | null {
  if (typeof error !== 'object' || error === null || !('response' in error)) return null;
  const response = (error as { response?: { status?: unknown } }).response;
  return typeof response?.status === 'number' ? response.status : null;
}
