/**
 * Connecting a Google account: the consent-screen URL (authorization code with PKCE, offline
 * access, exactly GOOGLE_SCOPES) and the code exchange through the real google-auth-library,
 * then the mailbox's address from Gmail's getProfile (allowed under gmail.metadata).
 */
import { gmail as gmailApi } from '@googleapis/gmail';
import { OAuth2Client } from 'google-auth-library';
import { AuthorizationError, type AuthorizationRequest, type AuthorizedMailbox } from '../authorization.ts';
import { GOOGLE_SCOPES, GOOGLE_TOKEN_URL, NO_LIBRARY_RETRIES } from './google-auth.ts';

export const GOOGLE_AUTH_URL = 'https://accounts.google.com/o/oauth2/v2/auth';

export interface GoogleAuthorizationOptions {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  authUrl?: string;
  tokenUrl?: string;
  /** Root of the Gmail API (an emulator's address); default Google's. */
  apiUrl?: string;
  timeoutMs?: number;
}

export function googleAuthorizeUrl(options: GoogleAuthorizationOptions, request: AuthorizationRequest): string {
  const url = new URL(options.authUrl ?? GOOGLE_AUTH_URL);
  url.search = new URLSearchParams({
    client_id: options.clientId,
    redirect_uri: options.redirectUri,
    response_type: 'code',
    scope: GOOGLE_SCOPES.join(' '),
    // A refresh token every time, also for someone who consented before (a reconnect).
    access_type: 'offline',
    prompt: 'consent',
    state: request.state,
    code_challenge: request.codeChallenge,
    code_challenge_method: 'S256',
    ...(request.loginHint ? { login_hint: request.loginHint } : {}),
  }).toString();
  return url.toString();
}

export async function exchangeGoogleCode(
  options: GoogleAuthorizationOptions,
  code: string,
  codeVerifier: string,
): Promise<AuthorizedMailbox> {
  const timeout = options.timeoutMs ?? 30_000;
  const client = new OAuth2Client({
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    redirectUri: options.redirectUri,
    endpoints: { oauth2TokenUrl: options.tokenUrl ?? GOOGLE_TOKEN_URL },
    transporterOptions: { retryConfig: { ...NO_LIBRARY_RETRIES }, timeout },
  });
  let tokens;
  try {
    ({ tokens } = await client.getToken({ code, codeVerifier }));
  } catch (error) {
    const data = (error as { response?: { data?: { error?: string; error_description?: string } } }).response?.data;
    if (data?.error === 'invalid_grant') throw new AuthorizationError('invalid_grant', data.error_description ?? 'invalid_grant');
    throw new AuthorizationError('provider_error', `Google's token endpoint refused the code: ${data?.error ?? (error as Error).message}`);
  }
  // Google's consent screen lets people untick permissions; rekindle needs both.
  const granted = new Set((tokens.scope ?? '').split(/\s+/));
  const missing = GOOGLE_SCOPES.filter((s) => !granted.has(s));
  if (missing.length > 0) throw new AuthorizationError('missing_scope', `not granted: ${missing.join(' ')}`);
  if (!tokens.refresh_token) throw new AuthorizationError('no_refresh_token', 'Google returned no refresh token');
  if (!tokens.access_token) throw new AuthorizationError('provider_error', 'Google returned no access token');
  client.setCredentials(tokens);

  const gmail = gmailApi({ version: 'v1', auth: client, retry: false, timeout, ...(options.apiUrl ? { rootUrl: options.apiUrl } : {}) });
  const { data } = await gmail.users.getProfile({ userId: 'me' });
  const email = data.emailAddress?.trim().toLowerCase();
  if (!email) throw new AuthorizationError('no_address', 'Gmail did not say which mailbox this is');
  return {
    email,
    aliases: [],
    // Gmail's own address for the mailbox: Google (or the Workspace's verified domain) vouches for it.
    addressVerified: true,
    subject: null,
    refreshToken: tokens.refresh_token,
    accessToken: tokens.access_token,
    accessTokenExpiresAt: new Date(tokens.expiry_date ?? Date.now() + 3_000_000),
  };
}
