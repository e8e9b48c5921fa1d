/**
 * The identity platform's state: grants (one per consent), the refresh token each grant holds
 * right now, the access tokens minted from it, and one-time authorization codes.
 *
 * A refresh token is good for one use: redeeming it issues the next one and retires it. A
 * retired token presented again is counted as a reuse and refused (see emulator-types.ts on
 * why the emulator is stricter than Microsoft here).
 */
import { randomBytes } from 'node:crypto';
import { pkceMatches, type Pkce } from '../google/oauth-grants.ts';

export const GRAPH_RESOURCE = 'https://graph.microsoft.com/';

/** OpenID scopes that ride along with any request and are never Graph permissions. */
export const OIDC_SCOPES = new Set(['openid', 'profile', 'email', 'offline_access']);

export const DEFAULT_SCOPES = ['Mail.ReadBasic', 'Calendars.ReadBasic', 'User.Read', 'offline_access'];

/** `https://graph.microsoft.com/Mail.Read` → `Mail.Read`; `.default` and OpenID scopes pass through. */
export function normalizeScope(scope: string): string {
  return scope.startsWith(GRAPH_RESOURCE) ? scope.slice(GRAPH_RESOURCE.length) : scope;
}

export interface Grant {
  email: string;
  /** Normalized: Graph permissions by short name, OpenID scopes as they are. */
  scopes: Set<string>;
  revoked: boolean;
}

type RefreshState = 'live' | 'rotated';

interface AuthorizationCode {
  email: string;
  scopes: string[];
  redirectUri: string | null;
  /** PKCE (RFC 7636): the challenge the authorization request carried, if any. */
  challenge: Pkce | null;
}

export type RedeemResult = { ok: true; grant: Grant; refreshToken: string } | { ok: false; reason: 'unknown' | 'reused' | 'revoked' };

export class IdentityGrants {
  readonly #refresh = new Map<string, { grant: Grant; state: RefreshState }>();
  readonly #access = new Map<string, { grant: Grant; expiresAt: number }>();
  readonly #codes = new Map<string, AuthorizationCode>();
  readonly #reuses = new Map<string, number>();
  readonly #ttlSeconds: number;

  constructor(accessTokenTtlSeconds: number) {
    this.#ttlSeconds = accessTokenTtlSeconds;
  }

  get ttlSeconds(): number {
    return this.#ttlSeconds;
  }

  /** A new grant (as after consent) and its first refresh token. */
  grant(email: string, scopes: string[]): { grant: Grant; refreshToken: string } {
    const grant: Grant = { email, scopes: new Set(scopes.map(normalizeScope)), revoked: false };
    return { grant, refreshToken: this.#issueRefresh(grant) };
  }

  issueCode(email: string, scopes: string[], redirectUri: string | null, challenge: Pkce | null = null): string {
    const code = `0.A${randomBytes(48).toString('base64url')}`;
    this.#codes.set(code, { email, scopes, redirectUri, challenge });
    return code;
  }

  redeemCode(
    code: string,
    redirectUri: string | null,
    verifier: string | null = null,
  ): { grant: Grant; refreshToken: string } | 'redirect_mismatch' | 'pkce_mismatch' | null {
    const issued = this.#codes.get(code);
    if (!issued) return null;
    if (issued.redirectUri !== null && issued.redirectUri !== redirectUri) return 'redirect_mismatch';
    // A verifier for a code issued without a challenge is a mismatch too (a PKCE downgrade).
    if ((issued.challenge && !pkceMatches(issued.challenge, verifier)) || (!issued.challenge && verifier)) {
      this.#codes.delete(code);
      return 'pkce_mismatch';
    }
    this.#codes.delete(code);
    return this.grant(issued.email, issued.scopes);
  }

  /** Redeems a refresh token: the grant and its next refresh token, or why not. */
  redeemRefresh(token: string): RedeemResult {
    const entry = this.#refresh.get(token);
    if (!entry) return { ok: false, reason: 'unknown' };
    if (entry.grant.revoked) return { ok: false, reason: 'revoked' };
    if (entry.state === 'rotated') {
      this.#reuses.set(entry.grant.email, (this.#reuses.get(entry.grant.email) ?? 0) + 1);
      return { ok: false, reason: 'reused' };
    }
    entry.state = 'rotated';
    return { ok: true, grant: entry.grant, refreshToken: this.#issueRefresh(entry.grant) };
  }

  /** The owner of a refresh token, whatever its state (to log whose request it was). */
  ownerOf(token: string): string | null {
    return this.#refresh.get(token)?.grant.email ?? null;
  }

  mintAccessToken(grant: Grant): { token: string; expiresIn: number } {
    const token = `eyJ0eXAiOiJKV1QiLCJub25jZSI6${randomBytes(48).toString('base64url')}`;
    this.#access.set(token, { grant, expiresAt: Date.now() + this.#ttlSeconds * 1000 });
    return { token, expiresIn: this.#ttlSeconds };
  }

  /** The grant a bearer token acts for; null when unknown, expired or revoked. */
  authenticate(accessToken: string): Grant | null {
    const entry = this.#access.get(accessToken);
    if (!entry || entry.grant.revoked || Date.now() >= entry.expiresAt) return null;
    return entry.grant;
  }

  revoke(email: string): void {
    for (const { grant } of this.#refresh.values()) if (grant.email === email) grant.revoked = true;
    for (const [token, entry] of this.#access) if (entry.grant.email === email) this.#access.delete(token);
  }

  expireAccessTokens(email: string): void {
    for (const entry of this.#access.values()) if (entry.grant.email === email) entry.expiresAt = 0;
  }

  liveRefreshTokens(email: string): string[] {
    return [...this.#refresh].filter(([, e]) => e.grant.email === email && e.state === 'live' && !e.grant.revoked).map(([t]) => t);
  }

  reuses(email: string): number {
    return this.#reuses.get(email) ?? 0;
  }

  #issueRefresh(grant: Grant): string {
    const token = `0.AR${randomBytes(64).toString('base64url')}`;
    this.#refresh.set(token, { grant, state: 'live' });
    return token;
  }
}
