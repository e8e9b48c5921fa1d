/**
 * The Microsoft identity platform (v2.0 endpoints), reduced to what rekindle uses: the token
 * endpoint for grant_type=refresh_token and authorization_code (client authenticated by form
 * fields or HTTP Basic; `scope` required, as v2.0 wants it) and an authorize endpoint that
 * consents at once and redirects back with a code (PKCE checked when the request carried a
 * `code_challenge`). Errors carry AADSTS codes as Microsoft's do.
 */
import { identityError } from './graph-errors.ts';
import { GRAPH_RESOURCE, OIDC_SCOPES, normalizeScope, type Grant, type IdentityGrants } from './identity-grants.ts';

export interface IdentityClient {
  clientId: string;
  clientSecret: string;
}

export interface IdentityAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** The account the request concerned, when known. */
  user: string | null;
  /** The OAuth `error` of a refusal. */
  errorCode?: string;
}

export function handleToken(
  form: URLSearchParams,
  authorization: string | undefined,
  client: IdentityClient,
  grants: IdentityGrants,
  loginUrl: string,
): IdentityAnswer {
  const refreshToken = form.get('refresh_token');
  const user = refreshToken ? grants.ownerOf(refreshToken) : null;
  const fail = (status: number, error: string, aadsts: number, text: string): IdentityAnswer => ({
    status,
    body: identityError(error, aadsts, text, loginUrl),
    user,
    errorCode: error,
  });
  const missing = (name: string) =>
    fail(400, 'invalid_request', 900144, `The request body must contain the following parameter: '${name}'.`);

  let clientId = form.get('client_id');
  let clientSecret = form.get('client_secret');
  if (authorization?.startsWith('Basic ')) {
    const [id, secret] = Buffer.from(authorization.slice(6), 'base64').toString('utf8').split(':');
    clientId = decodeURIComponent(id ?? '');
    clientSecret = decodeURIComponent(secret ?? '');
  }
  if (!clientId) return missing('client_id');
  if (clientId !== client.clientId) {
    return fail(400, 'unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory.`);
  }
  if (!clientSecret)
    return fail(
      401,
      'invalid_client',
      7000218,
      "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    );
  if (clientSecret !== client.clientSecret) {
    return fail(
      401,
      'invalid_client',
      7000215,
      'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.',
    );
  }
  const grantType = form.get('grant_type');
  if (!grantType) return missing('grant_type');
  const scope = form.get('scope');

  if (grantType === 'refresh_token') {
    if (!refreshToken) return missing('refresh_token');
    if (!scope) return missing('scope');
    const redeemed = grants.redeemRefresh(refreshToken);
    if (!redeemed.ok) {
      switch (redeemed.reason) {
        case 'revoked':
          return fail(
            400,
            'invalid_grant',
            50173,
            'The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.',
          );
        case 'reused':
          return fail(400, 'invalid_grant', 70000, 'Provided grant is invalid or malformed. The refresh token was already redeemed.');
        default:
          return fail(400, 'invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid.');
      }
    }
    const notGranted = requested(scope).find((s) => !redeemed.grant.scopes.has(s));
    if (notGranted) {
      return fail(
        400,
        'invalid_grant',
        65001,
        `The user or administrator has not consented to use the application with ID '${clientId}'. Send an interactive authorization request for this user and resource (scope ${notGranted}).`,
      );
    }
    return { status: 200, body: tokenResponse(grants, redeemed.grant, redeemed.refreshToken), user: redeemed.grant.email };
  }

  if (grantType === 'authorization_code') {
    const code = form.get('code');
    if (!code) return missing('code');
    if (!scope) return missing('scope');
    const redeemed = grants.redeemCode(code, form.get('redirect_uri'), form.get('code_verifier'));
    if (redeemed === 'redirect_mismatch') {
      return fail(400, 'invalid_grant', 50148, 'The redirect_uri does not match the one used in the authorization request.');
    }
    if (redeemed === 'pkce_mismatch') {
      return fail(
        400,
        'invalid_grant',
        501481,
        'The Code_Verifier does not match the code_challenge supplied in the authorization request.',
      );
    }
    if (!redeemed) {
      return fail(
        400,
        'invalid_grant',
        54005,
        'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.',
      );
    }
    return { status: 200, body: tokenResponse(grants, redeemed.grant, redeemed.refreshToken), user: redeemed.grant.email };
  }

  return fail(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grantType}'.`);
}

/** The Graph permissions a `scope` parameter asks for (OpenID scopes are not permissions). */
function requested(scope: string): string[] {
  return scope
    .split(/\s+/)
    .filter(Boolean)
    .map(normalizeScope)
    .filter((s) => !OIDC_SCOPES.has(s) && s !== '.default' && s !== `${GRAPH_RESOURCE}.default`);
}

function tokenResponse(grants: IdentityGrants, grant: Grant, refreshToken: string) {
  const { token, expiresIn } = grants.mintAccessToken(grant);
  const permissions = [...grant.scopes].filter((s) => !OIDC_SCOPES.has(s));
  return {
    token_type: 'Bearer',
    scope: permissions.join(' '),
    expires_in: expiresIn,
    ext_expires_in: expiresIn,
    access_token: token,
    // Only a grant that includes offline_access gets refresh tokens.
    ...(grant.scopes.has('offline_access') ? { refresh_token: refreshToken } : {}),
  };
}

/**
 * The sign-in and consent screen, consenting at once: whoever `login_hint` names (or the only
 * mailbox there is) grants the requested scopes, and the browser returns to redirect_uri.
 */
export function handleAuthorize(
  query: URLSearchParams,
  client: IdentityClient,
  grants: IdentityGrants,
  mailboxes: string[],
): IdentityAnswer {
  const text = (status: number, message: string): IdentityAnswer => ({
    status,
    body: message,
    headers: { 'content-type': 'text/plain; charset=utf-8' },
    user: null,
  });
  if (query.get('client_id') !== client.clientId)
    return text(400, `AADSTS700016: Application with identifier '${query.get('client_id') ?? ''}' was not found in the directory.`);
  const redirectUri = query.get('redirect_uri');
  if (!redirectUri || !/^https?:\/\//.test(redirectUri))
    return text(400, "AADSTS900144: The request body must contain the following parameter: 'redirect_uri'.");
  if (query.get('response_type') !== 'code') return text(400, 'AADSTS700054: response_type is not enabled for the application.');
  const scopes = (query.get('scope') ?? '').split(/\s+/).filter(Boolean);
  if (scopes.length === 0) return text(400, "AADSTS900144: The request body must contain the following parameter: 'scope'.");
  const hint = query.get('login_hint')?.toLowerCase();
  const email = hint ? mailboxes.find((m) => m === hint) : mailboxes.length === 1 ? mailboxes[0] : undefined;
  if (!email) return text(400, 'The Graph emulator needs a login_hint naming one of its mailboxes.');

  // The identity platform takes `S256` and `plain` (plain when the method is left out), and a
  // challenge of 43 to 128 characters; its error codes for the rest are AADSTS50149 and 501491.
  const challenge = query.get('code_challenge');
  const method = query.get('code_challenge_method') ?? 'plain';
  if (challenge !== null && method !== 'S256' && method !== 'plain')
    return text(400, 'AADSTS50149: Invalid Code_Challenge_method parameter.');
  if (challenge !== null && (challenge.length < 43 || challenge.length > 128))
    return text(400, 'AADSTS501491: Invalid size of Code_Challenge parameter.');
  const code = grants.issueCode(email, scopes, redirectUri, challenge === null ? null : { challenge, method: method as 'S256' | 'plain' });
  const target = new URL(redirectUri);
  target.searchParams.set('code', code);
  const state = query.get('state');
  if (state !== null) target.searchParams.set('state', state);
  target.searchParams.set('session_state', '00000000-0000-0000-0000-000000000000');
  return { status: 302, body: '', headers: { location: target.toString() }, user: email };
}
