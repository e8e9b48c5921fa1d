/**
 * Google's OAuth endpoints, reduced to what rekindle uses: the token endpoint
 * (grant_type=refresh_token and authorization_code, client authenticated by form fields or
 * HTTP Basic, errors per RFC 6749 §5.2 as Google words them) and a consent screen that
 * consents at once and redirects back with a code. PKCE (RFC 7636): a code issued with a
 * `code_challenge` is redeemed only with the matching `code_verifier`.
 */
import { REVOKED_GRANT, type OAuthErrorBody } from './google-errors.ts';
import type { Grant, OAuthGrants, Pkce } from './oauth-grants.ts';

export interface OAuthClient {
  clientId: string;
  clientSecret: string;
}

export interface OAuthAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** The account the request concerned, when known. */
  user: string | null;
}

function oauthError(status: number, error: string, description: string, user: string | null = null): OAuthAnswer {
  const body: OAuthErrorBody = { error, error_description: description };
  return { status, body, user };
}

/** Form fields of a token request; Google also takes a JSON body. */
export function parseTokenRequest(contentType: string | undefined, raw: string): URLSearchParams {
  if (contentType?.includes('application/json')) {
    try {
      const json = JSON.parse(raw) as Record<string, unknown>;
      return new URLSearchParams(Object.entries(json).map(([k, v]): [string, string] => [k, String(v)]));
    } catch {
      return new URLSearchParams();
    }
  }
  return new URLSearchParams(raw);
}

export function handleToken(
  form: URLSearchParams,
  authorization: string | undefined,
  client: OAuthClient,
  grants: OAuthGrants,
): OAuthAnswer {
  let clientId = form.get('client_id');
  let clientSecret = form.get('client_secret');
  if (authorization?.startsWith('Basic ')) {
    const [id, secret] = Buffer.from(authorization.slice(6), 'base64').toString('utf8').split(':');
    clientId = decodeURIComponent(id ?? '');
    clientSecret = decodeURIComponent(secret ?? '');
  }
  const refreshToken = form.get('refresh_token');
  const user = refreshToken ? grants.ownerOf(refreshToken) : null;
  if (clientId !== client.clientId) return oauthError(401, 'invalid_client', 'The OAuth client was not found.', user);
  if (clientSecret !== client.clientSecret) return oauthError(401, 'invalid_client', 'Unauthorized', user);

  const grantType = form.get('grant_type');
  if (grantType === 'refresh_token') {
    if (!refreshToken) return oauthError(400, 'invalid_request', 'Missing required parameter: refresh_token');
    const grant = grants.grantOf(refreshToken);
    if (!grant) return { status: 400, body: REVOKED_GRANT, user };
    return { status: 200, body: tokenResponse(grants, grant), user: grant.email };
  }
  if (grantType === 'authorization_code') {
    const code = form.get('code');
    if (!code) return oauthError(400, 'invalid_request', 'Missing required parameter: code');
    const redeemed = grants.redeemCode(code, form.get('redirect_uri'), form.get('code_verifier'));
    if (redeemed === 'redirect_mismatch') return oauthError(400, 'redirect_uri_mismatch', 'Bad Request');
    // Google's words for a code_verifier sent with a code whose authorization had no code_challenge.
    if (redeemed === 'pkce_not_needed') return oauthError(400, 'invalid_grant', 'code_verifier or verifier is not needed.');
    if (redeemed === 'pkce_mismatch') {
      return oauthError(400, 'invalid_grant', form.get('code_verifier') ? 'Invalid code verifier.' : 'Missing code verifier.');
    }
    if (!redeemed) return oauthError(400, 'invalid_grant', 'Malformed auth code.');
    return {
      status: 200,
      body: { ...tokenResponse(grants, redeemed.grant), refresh_token: redeemed.refreshToken },
      user: redeemed.grant.email,
    };
  }
  return oauthError(400, 'unsupported_grant_type', `Invalid grant_type: ${grantType ?? ''}`);
}

function tokenResponse(grants: OAuthGrants, grant: Grant) {
  const { token, expiresIn } = grants.mintAccessToken(grant);
  return { access_token: token, expires_in: expiresIn, scope: grant.scopes.join(' '), token_type: 'Bearer' };
}

/**
 * The consent screen: whoever `login_hint` names (or the only mailbox there is) consents to
 * the requested scopes, and the browser goes back to redirect_uri with a code and the state.
 */
export function handleAuthorize(query: URLSearchParams, client: OAuthClient, grants: OAuthGrants, mailboxes: string[]): OAuthAnswer {
  const text = (status: number, message: string): OAuthAnswer => ({
    status,
    body: message,
    headers: { 'content-type': 'text/plain; charset=utf-8' },
    user: null,
  });
  if (query.get('client_id') !== client.clientId) return text(401, 'Error 401: invalid_client. The OAuth client was not found.');
  const redirectUri = query.get('redirect_uri');
  if (!redirectUri || !/^https?:\/\//.test(redirectUri)) return text(400, 'Error 400: invalid_request. Missing redirect_uri.');
  if (query.get('response_type') !== 'code') return text(400, 'Error 400: unsupported_response_type.');
  const scopes = (query.get('scope') ?? '').split(/\s+/).filter(Boolean);
  if (scopes.length === 0) return text(400, 'Error 400: invalid_request. Missing required parameter: scope');

  const hint = query.get('login_hint')?.toLowerCase();
  const email = hint ? mailboxes.find((m) => m === hint) : mailboxes.length === 1 ? mailboxes[0] : undefined;
  if (!email) return text(400, 'Error 400: the Google emulator needs a login_hint naming one of its mailboxes.');

  const challenge = query.get('code_challenge');
  const method = query.get('code_challenge_method') ?? 'plain';
  if (challenge !== null && method !== 'S256' && method !== 'plain')
    return text(400, 'Error 400: invalid_request. Invalid code_challenge_method.');
  if (challenge !== null && !/^[A-Za-z0-9._~-]{43,128}$/.test(challenge))
    return text(400, 'Error 400: invalid_request. Invalid code_challenge.');
  const pkce: Pkce | null = challenge === null ? null : { challenge, method: method as Pkce['method'] };

  const code = grants.issueCode(email, scopes, redirectUri, pkce);
  const target = new URL(redirectUri);
  const state = query.get('state');
  if (state !== null) target.searchParams.set('state', state);
  target.searchParams.set('code', code);
  target.searchParams.set('scope', scopes.join(' '));
  return { status: 302, body: '', headers: { location: target.toString() }, user: email };
}
