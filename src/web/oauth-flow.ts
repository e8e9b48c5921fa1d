/**
 * The OAuth 2.0 authorization-code flow with PKCE, for Google and Microsoft, as the web app runs
 * it (src/web/oauth-routes.ts): starting it, checking a callback belongs to it, and exchanging
 * the code.
 *
 * Starting makes a PKCE verifier and a browser nonce, kept in a short-lived signed cookie
 * (`rk_oauth`), and `state`: a signed, expiring token naming the provider, the nonce and the
 * signed-in user. A callback counts only when its state verifies, is for this provider, matches
 * this browser's nonce and this browser's user. The verifier never travels through the provider
 * or the URL: a code stolen from a redirect is useless without it, and a state replayed in
 * another browser has no matching nonce.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Config } from '../config/env.ts';
import type { AuthorizedMailbox } from '../providers/authorization.ts';
import { exchangeGoogleCode, type GoogleAuthorizationOptions, googleAuthorizeUrl } from '../providers/google/google-authorization.ts';
import {
  exchangeMicrosoftCode,
  type MicrosoftAuthorizationOptions,
  microsoftAuthorizeUrl,
} from '../providers/microsoft/microsoft-authorization.ts';
import { type SignedTokenKeys, signToken, verifyToken } from '../security/signed-token.ts';
import { OAUTH_FLOW_SECONDS } from './session.ts';
import { callbackUrl, PROVIDERS, type WebProvider } from './web-deps.ts';

export const STATE_PURPOSE = 'oauth-state';
const BROWSER_PURPOSE = 'oauth-browser';

interface StatePayload {
  /** Provider. */
  p: WebProvider;
  /** Nonce shared with this browser's rk_oauth cookie. */
  n: string;
  /** The signed-in user who started it, or null for a new sign-in. */
  u: string | null;
  /** The browser's timezone, for a new user. */
  tz: string | null;
}

interface BrowserPayload {
  n: string;
  /** PKCE verifier. */
  v: string;
  p: WebProvider;
}

/** The provider a URL names, when it is one the web app connects. */
export function providerOf(name: string): WebProvider | null {
  return (PROVIDERS as readonly string[]).includes(name) ? (name as WebProvider) : null;
}

const googleOptions = (config: Config): GoogleAuthorizationOptions => ({
  clientId: config.GOOGLE_CLIENT_ID!,
  clientSecret: config.GOOGLE_CLIENT_SECRET!,
  redirectUri: callbackUrl(config, 'google'),
  authUrl: config.GOOGLE_AUTH_URL,
  tokenUrl: config.GOOGLE_TOKEN_URL,
  ...(config.GOOGLE_API_URL ? { apiUrl: config.GOOGLE_API_URL } : {}),
});

const microsoftOptions = (config: Config): MicrosoftAuthorizationOptions => ({
  clientId: config.MICROSOFT_CLIENT_ID!,
  clientSecret: config.MICROSOFT_CLIENT_SECRET!,
  redirectUri: callbackUrl(config, 'microsoft'),
  tenant: config.MICROSOFT_TENANT,
  loginUrl: config.MICROSOFT_LOGIN_URL,
  graphUrl: config.MICROSOFT_GRAPH_URL,
});

/** A new flow: the token for the browser's rk_oauth cookie, and the provider's authorization URL to send the browser to. */
export function startFlow(
  config: Config,
  keys: SignedTokenKeys,
  provider: WebProvider,
  start: { userId: string | null; tz: string | null; loginHint?: string },
): { browserToken: string; authorizeUrl: string } {
  const nonce = randomBytes(16).toString('base64url');
  const verifier = randomBytes(32).toString('base64url');
  const expires = new Date(Date.now() + OAUTH_FLOW_SECONDS * 1000);
  const state = signToken(keys, STATE_PURPOSE, { p: provider, n: nonce, u: start.userId, tz: start.tz } satisfies StatePayload, expires);
  const browserToken = signToken(keys, BROWSER_PURPOSE, { n: nonce, v: verifier, p: provider } satisfies BrowserPayload, expires);
  const codeChallenge = createHash('sha256').update(verifier).digest('base64url');
  const request = { state, codeChallenge, ...(start.loginHint ? { loginHint: start.loginHint } : {}) };
  const authorizeUrl =
    provider === 'google' ? googleAuthorizeUrl(googleOptions(config), request) : microsoftAuthorizeUrl(microsoftOptions(config), request);
  return { browserToken, authorizeUrl };
}

/** Whether a callback belongs to a flow this browser and this user started: then its verifier and the browser's timezone. */
export function checkCallback(
  keys: SignedTokenKeys,
  provider: WebProvider,
  callback: { state: string; browserToken: string | undefined; userId: string | null },
): { ok: true; verifier: string; tz: string | null } | { ok: false; why: string } {
  const state = verifyToken<StatePayload>(keys, STATE_PURPOSE, callback.state);
  if (!state.ok) return { ok: false, why: `state ${state.reason}` };
  if (state.payload.p !== provider) return { ok: false, why: 'state for another provider' };
  const browser = callback.browserToken ? verifyToken<BrowserPayload>(keys, BROWSER_PURPOSE, callback.browserToken) : null;
  if (!browser?.ok || browser.payload.n !== state.payload.n || browser.payload.p !== provider)
    return { ok: false, why: 'state from another browser' };
  if (callback.userId !== state.payload.u) return { ok: false, why: 'state of another user' };
  return { ok: true, verifier: browser.payload.v, tz: state.payload.tz };
}

/** The code exchanged (with the flow's verifier) for the mailbox's grant and address. */
export function exchangeCode(config: Config, provider: WebProvider, code: string, verifier: string): Promise<AuthorizedMailbox> {
  return provider === 'google'
    ? exchangeGoogleCode(googleOptions(config), code, verifier)
    : exchangeMicrosoftCode(microsoftOptions(config), code, verifier);
}
