/**
 * The emulator's OAuth state: refresh tokens (one per consent), the access tokens minted
 * from them, and one-time authorization codes. Revoking a user's grants kills all three.
 */
import { createHash, randomBytes } from 'node:crypto';

export const SCOPE_PREFIX = 'https://www.googleapis.com/auth/';

export const GMAIL_METADATA = `${SCOPE_PREFIX}gmail.metadata`;
export const CALENDAR_READONLY = `${SCOPE_PREFIX}calendar.readonly`;
export const DEFAULT_SCOPES = [GMAIL_METADATA, CALENDAR_READONLY];

/** Gmail scopes that can read messages; gmail.metadata is the narrowest. */
export const GMAIL_READ_SCOPES = [
  'https://mail.google.com/',
  `${SCOPE_PREFIX}gmail.modify`,
  `${SCOPE_PREFIX}gmail.readonly`,
  GMAIL_METADATA,
];

export const CALENDAR_READ_SCOPES = [
  `${SCOPE_PREFIX}calendar`,
  CALENDAR_READONLY,
  `${SCOPE_PREFIX}calendar.events`,
  `${SCOPE_PREFIX}calendar.events.readonly`,
];

/** 'gmail.readonly' → its URL; URLs and OpenID names ('openid', 'email') pass unchanged. */
export function normalizeScope(scope: string): string {
  if (/^https?:\/\//.test(scope) || ['openid', 'email', 'profile'].includes(scope)) return scope;
  return SCOPE_PREFIX + scope;
}

export interface Grant {
  email: string;
  scopes: string[];
  revoked: boolean;
}

/**
 * True when Gmail applies the metadata scope's limits (no `q`, no format full/raw). Gmail
 * applies them whenever gmail.metadata is granted, even beside a broader scope such as
 * gmail.readonly: a long-standing behaviour Google acknowledged (issuetracker 115621456) and
 * client libraries still report, so a token is only as capable as its narrowest Gmail scope.
 */
export function metadataOnly(grant: Grant): boolean {
  return grant.scopes.includes(GMAIL_METADATA);
}

interface AccessToken {
  grant: Grant;
  expiresAt: number;
}

interface AuthorizationCode {
  email: string;
  scopes: string[];
  redirectUri: string | null;
  /** PKCE (RFC 7636): the challenge the authorization request carried, if any. */
  challenge: Pkce | null;
}

export interface Pkce {
  challenge: string;
  method: 'S256' | 'plain';
}

/** True when `verifier` answers the PKCE challenge (RFC 7636 §4.6). */
export function pkceMatches(pkce: Pkce, verifier: string | null): boolean {
  if (!verifier) return false;
  const derived = pkce.method === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
  return derived === pkce.challenge;
}

export class OAuthGrants {
  readonly #refreshTokens = new Map<string, Grant>();
  readonly #accessTokens = new Map<string, AccessToken>();
  readonly #codes = new Map<string, AuthorizationCode>();
  readonly #ttlSeconds: number;

  constructor(accessTokenTtlSeconds: number) {
    this.#ttlSeconds = accessTokenTtlSeconds;
  }

  get ttlSeconds(): number {
    return this.#ttlSeconds;
  }

  issueRefreshToken(email: string, scopes: string[]): string {
    const token = `1//${randomToken(32)}`;
    this.#refreshTokens.set(token, { email, scopes: scopes.map(normalizeScope), revoked: false });
    return token;
  }

  issueCode(email: string, scopes: string[], redirectUri: string | null, challenge: Pkce | null = null): string {
    const code = `4/${randomToken(24)}`;
    this.#codes.set(code, { email, scopes: scopes.map(normalizeScope), redirectUri, challenge });
    return code;
  }

  /** The live grant behind a refresh token, or null (unknown or revoked). */
  grantOf(refreshToken: string): Grant | null {
    const grant = this.#refreshTokens.get(refreshToken);
    return grant && !grant.revoked ? grant : null;
  }

  /** Uses a code up; null when unknown, used, or issued for another redirect URI or PKCE challenge. */
  redeemCode(
    code: string,
    redirectUri: string | null,
    verifier: string | null = null,
  ): { refreshToken: string; grant: Grant } | 'redirect_mismatch' | 'pkce_mismatch' | 'pkce_not_needed' | null {
    const issued = this.#codes.get(code);
    if (!issued) return null;
    if (issued.redirectUri !== null && issued.redirectUri !== redirectUri) return 'redirect_mismatch';
    // A verifier for a code issued without a challenge is refused, not ignored (a downgrade:
    // PKCE stripped from the authorization request must not pass unnoticed).
    if (!issued.challenge && verifier) {
      this.#codes.delete(code);
      return 'pkce_not_needed';
    }
    // Google spends the code on a failed verifier too.
    if (issued.challenge && !pkceMatches(issued.challenge, verifier)) {
      this.#codes.delete(code);
      return 'pkce_mismatch';
    }
    this.#codes.delete(code);
    const refreshToken = this.issueRefreshToken(issued.email, issued.scopes);
    return { refreshToken, grant: this.#refreshTokens.get(refreshToken)! };
  }

  mintAccessToken(grant: Grant): { token: string; expiresIn: number } {
    const token = `ya29.${randomToken(48)}`;
    this.#accessTokens.set(token, { grant, expiresAt: Date.now() + this.#ttlSeconds * 1000 });
    return { token, expiresIn: this.#ttlSeconds };
  }

  /** The grant a bearer token acts for, or null when it is unknown, expired or revoked. */
  authenticate(accessToken: string): Grant | null {
    const entry = this.#accessTokens.get(accessToken);
    if (!entry || entry.grant.revoked || Date.now() >= entry.expiresAt) return null;
    return entry.grant;
  }

  /** The owner of a refresh token even when revoked (for logging the request's user). */
  ownerOf(refreshToken: string): string | null {
    return this.#refreshTokens.get(refreshToken)?.email ?? null;
  }

  /**
   * Google's revoke endpoint: a refresh or access token ends the app's whole grant for its
   * user (every token of it). The user whose grant ended, or null when the token is unknown,
   * expired or already revoked.
   */
  revokeByToken(token: string): string | null {
    const refresh = this.#refreshTokens.get(token);
    const email = refresh ? (refresh.revoked ? null : refresh.email) : (this.authenticate(token)?.email ?? null);
    if (email) this.revoke(email);
    return email;
  }

  revoke(email: string): void {
    for (const grant of this.#refreshTokens.values()) if (grant.email === email) grant.revoked = true;
    for (const [token, entry] of this.#accessTokens) if (entry.grant.email === email) this.#accessTokens.delete(token);
  }

  expireAccessTokens(email: string): void {
    for (const entry of this.#accessTokens.values()) if (entry.grant.email === email) entry.expiresAt = 0;
  }
}

function randomToken(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}
