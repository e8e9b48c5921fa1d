import type { GraphRequest } from '@microsoft/microsoft-graph-client';
import type { Logger } from 'pino';
import { isProviderError } from '../provider-error.ts';
import type { RequestGate } from '../types.ts';
import type { GraphClient } from './graph-client.ts';
import { mapGraphError, type GraphCall } from './map-graph-error.ts';
import type { MicrosoftAuth } from './microsoft-auth.ts';

/**
 * Runs one Graph GET through a gate; resolves to the response body. `target` is a path or a
 * link Graph handed out; `prepare` adds query options and headers to the request.
 */
export type GraphCaller = <T>(call: GraphCall, target: string, prepare?: (request: GraphRequest) => GraphRequest) => Promise<T>;

/**
 * Every Graph request goes through here: the gate paces it (1 unit per request against the
 * mailbox's budget), bounds requests in flight and retries what the mapped error says is
 * retryable; this wrapper gets a valid access token first, maps every failure to a
 * ProviderError, and handles a 401 itself: one refresh, one resend, and a second 401 means the
 * grant is gone.
 */
export function createGraphCaller(client: GraphClient, auth: MicrosoftAuth, gate: RequestGate, logger?: Logger): GraphCaller {
  return async <T>(call: GraphCall, target: string, prepare?: (request: GraphRequest) => GraphRequest): Promise<T> => {
    // Checked before the gate too, so a dead grant spends nothing.
    if (auth.revoked) throw auth.revoked;
    return gate.run(1, async () => {
      if (auth.revoked) throw auth.revoked;
      try {
        return await attempt<T>(call, target, prepare);
      } catch (error) {
        if (isProviderError(error, 'auth_revoked')) auth.revoked ??= error;
        throw error;
      }
    });
  };

  async function attempt<T>(call: GraphCall, target: string, prepare?: (request: GraphRequest) => GraphRequest): Promise<T> {
    const send = (token: string) => {
      const request = client.request(target, token);
      return (prepare ? prepare(request) : request).get() as Promise<T>;
    };
    const token = await withTokenErrors(() => auth.accessToken());
    try {
      return await send(token);
    } catch (error) {
      if (statusOf(error) !== 401) throw mapGraphError(error, { call });
      logger?.debug({ call }, 'microsoft graph refused the access token; refreshing once');
    }
    await withTokenErrors(() => auth.renew(token));
    try {
      return await send(await withTokenErrors(() => auth.accessToken()));
    } catch (error) {
      throw mapGraphError(error, { call, afterRefresh: true });
    }
  }
}

/**
 * Token endpoint failures are mapped (invalid_grant → auth_revoked); a token store failure is
 * ours, not Microsoft's, and propagates as it is (it must not look permanent).
 */
async function withTokenErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (isProviderError(error) || isIdentityOrNetwork(error)) throw mapGraphError(error, { call: 'identity.token' });
    throw error;
  }
}

function isIdentityOrNetwork(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { name?: unknown; oauthError?: unknown };
  return typeof e.oauthError === 'string' || e.name === 'TypeError' || e.name === 'TimeoutError' || e.name === 'AbortError';
}

function statusOf(error: unknown): number | null {
  if (typeof error !== 'object' || error === null) return null;
  const status = (error as { statusCode?: unknown }).statusCode;
  return typeof status === 'number' ? status : null;
}
