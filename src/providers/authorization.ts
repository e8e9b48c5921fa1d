/**
 * The authorization-code half of OAuth (the web app's connect flow), one shape for both
 * providers. The refresh-token half lives in each provider's auth module.
 */

export interface AuthorizationRequest {
  /** Signed, expiring state (src/web/oauth-flow.ts). */
  state: string;
  /** PKCE S256 challenge: base64url(sha256(verifier)). */
  codeChallenge: string;
  /** Pre-fills the account chooser (a reconnect link knows the mailbox). */
  loginHint?: string;
}

export interface AuthorizedMailbox {
  /** The mailbox's primary address, lower-cased. */
  email: string;
  aliases: string[];
  refreshToken: string;
  accessToken: string;
  accessTokenExpiresAt: Date;
  /**
   * Whether the provider vouches that this person owns `email`. Gmail's address is Google's
   * own; a Microsoft `mail` is whatever the tenant's admin typed (any tenant can sign in to a
   * `common` app), so it identifies nobody and must never sign anyone in to an existing user.
   */
  addressVerified: boolean;
  /** The provider's immutable id of who signed in (Microsoft Graph's user `id`), when it has one. */
  subject: string | null;
}

/**
 * Why a code could not be turned into a usable grant. `invalid_grant`: the code is used,
 * expired, or its PKCE verifier does not match; `missing_scope`: the person unticked a
 * permission rekindle needs; `no_refresh_token`: the provider gave no offline access.
 */
export class AuthorizationError extends Error {
  readonly code: 'invalid_grant' | 'missing_scope' | 'no_refresh_token' | 'no_address' | 'provider_error';
  constructor(code: AuthorizationError['code'], message: string) {
    super(message);
    this.name = 'AuthorizationError';
    this.code = code;
  }
}
