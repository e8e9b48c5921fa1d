/**
 * Google's revoke endpoint, through google-auth-library: a refresh token sent there ends the
 * app's whole grant for that Google account (every refresh and access token of it), and the
 * account's "Third-party connections" no longer lists rekindle. It lives beside the token
 * endpoint (oauth2.googleapis.com/token → /revoke), so the emulator's is found the same way.
 */
import { OAuth2Client } from 'google-auth-library';
import { GOOGLE_TOKEN_URL, NO_LIBRARY_RETRIES } from './google-auth.ts';

/** `gone`: Google no longer knew the token (revoked or expired already) — the same end state. */
export type RevokeOutcome = 'revoked' | 'gone' | 'failed';

export interface RevokeGoogleGrantOptions {
  clientId: string;
  clientSecret: string;
  tokenUrl?: string;
  refreshToken: string;
  timeoutMs?: number;
}

export async function revokeGoogleGrant(options: RevokeGoogleGrantOptions): Promise<{ outcome: RevokeOutcome; error?: string }> {
  const tokenUrl = options.tokenUrl ?? GOOGLE_TOKEN_URL;
  const client = new OAuth2Client({
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    endpoints: { oauth2TokenUrl: tokenUrl, oauth2RevokeUrl: new URL('revoke', tokenUrl).toString() },
    transporterOptions: { retryConfig: { ...NO_LIBRARY_RETRIES }, timeout: options.timeoutMs ?? 10_000 },
  });
  try {
    await client.revokeToken(options.refreshToken);
    return { outcome: 'revoked' };
  } catch (error) {
    const response = (error as { response?: { status?: number; data?: { error?: unknown } } }).response;
    if (response?.status === 400 && response.data?.error === 'invalid_token') return { outcome: 'gone' };
    // The message only: a client library's error carries the request, token in its URL.
    return {
      outcome: 'failed',
      error: response?.status
        ? `HTTP ${response.status}`
        : ((error as Error).message ?? String(error)).replace(/token=[^&\s]+/g, 'token=…'),
    };
  }
}
