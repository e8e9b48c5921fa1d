/**
 * Connecting a Microsoft account: the identity platform's authorize URL (authorization code
 * with PKCE, exactly MICROSOFT_SCOPES) and the code exchange, then the mailbox's addresses from
 * Graph's /me through our Graph client.
 */
import { AuthorizationError, type AuthorizationRequest, type AuthorizedMailbox } from '../authorization.ts';
import { createGraphClient } from './graph-client.ts';
import { mapGraphProfile, USER_SELECT, type GraphUser } from './map-graph-profile.ts';
import { MICROSOFT_LOGIN_URL, MICROSOFT_SCOPES } from './microsoft-auth.ts';

export interface MicrosoftAuthorizationOptions {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  tenant?: string;
  loginUrl?: string;
  graphUrl?: string;
  timeoutMs?: number;
}

function endpoint(options: MicrosoftAuthorizationOptions, name: 'authorize' | 'token'): string {
  return `${(options.loginUrl ?? MICROSOFT_LOGIN_URL).replace(/\/+$/, '')}/${options.tenant ?? 'common'}/oauth2/v2.0/${name}`;
}

export function microsoftAuthorizeUrl(options: MicrosoftAuthorizationOptions, request: AuthorizationRequest): string {
  const url = new URL(endpoint(options, 'authorize'));
  url.search = new URLSearchParams({
    client_id: options.clientId,
    redirect_uri: options.redirectUri,
    response_type: 'code',
    response_mode: 'query',
    scope: MICROSOFT_SCOPES.join(' '),
    state: request.state,
    code_challenge: request.codeChallenge,
    code_challenge_method: 'S256',
    ...(request.loginHint ? { login_hint: request.loginHint } : { prompt: 'select_account' }),
  }).toString();
  return url.toString();
}

export async function exchangeMicrosoftCode(
  options: MicrosoftAuthorizationOptions,
  code: string,
  codeVerifier: string,
): Promise<AuthorizedMailbox> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const response = await fetch(endpoint(options, 'token'), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({
      client_id: options.clientId,
      client_secret: options.clientSecret,
      grant_type: 'authorization_code',
      code,
      redirect_uri: options.redirectUri,
      code_verifier: codeVerifier,
      scope: MICROSOFT_SCOPES.join(' '),
    }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = (await response.json().catch(() => null)) as Record<string, unknown> | null;
  if (!response.ok) {
    const error = typeof body?.error === 'string' ? body.error : `http_${response.status}`;
    if (error === 'invalid_grant') throw new AuthorizationError('invalid_grant', String(body?.error_description ?? error).split('\n')[0]!);
    throw new AuthorizationError('provider_error', `Microsoft's token endpoint refused the code: ${error}`);
  }
  const granted = new Set(
    String(body?.scope ?? '')
      .split(/\s+/)
      .map((s) => s.replace(/^https:\/\/graph\.microsoft\.com\//, '').toLowerCase()),
  );
  const missing = MICROSOFT_SCOPES.filter((s) => s !== 'offline_access' && !granted.has(s.toLowerCase()));
  if (missing.length > 0) throw new AuthorizationError('missing_scope', `not granted: ${missing.join(' ')}`);
  const accessToken = body?.access_token;
  const refreshToken = body?.refresh_token;
  if (typeof accessToken !== 'string' || !accessToken) throw new AuthorizationError('provider_error', 'Microsoft returned no access token');
  if (typeof refreshToken !== 'string' || !refreshToken)
    throw new AuthorizationError('no_refresh_token', 'Microsoft returned no refresh token');

  const graph = createGraphClient({ graphUrl: options.graphUrl, timeoutMs });
  const me = (await graph
    .request('/me', accessToken)
    .select([...USER_SELECT, 'id'])
    .get()) as GraphUser & { id?: unknown };
  const profile = mapGraphProfile(me);
  if (!profile.email) throw new AuthorizationError('no_address', 'Microsoft Graph did not say which mailbox this is');
  if (typeof me.id !== 'string' || !me.id) throw new AuthorizationError('provider_error', 'Microsoft Graph did not say who signed in');
  return {
    email: profile.email,
    aliases: profile.aliases,
    // `mail` and the proxy addresses are set by the tenant's admin, unverified; `id` is Microsoft's.
    addressVerified: false,
    subject: me.id,
    refreshToken,
    accessToken,
    accessTokenExpiresAt: new Date(Date.now() + (Number(body?.expires_in) || 3600) * 1000),
  };
}
