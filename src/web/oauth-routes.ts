/**
 * Connecting a mailbox: OAuth 2.0 authorization code with PKCE, for Google and Microsoft.
 *
 * GET /connect/:provider — makes a PKCE verifier and a browser nonce, keeps both in a short-lived
 *   signed cookie (`rk_oauth`, httpOnly, path /oauth), and sends the browser to the provider with
 *   `state` = a signed, expiring token naming the provider, the nonce and the signed-in user.
 * GET /oauth/:provider/callback — accepts the code only when the state verifies, is for this
 *   provider, matches this browser's nonce and this browser's user; exchanges it with the
 *   verifier; learns the mailbox's address; connects it; signs the browser in.
 *
 * The verifier never travels through the provider or the URL: a code stolen from a redirect is
 * useless without it, and a state replayed in another browser has no matching nonce.
 * Signing in again is connecting again: the mailbox identifies its owner.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { addUserAliases, AccountOwnedElsewhereError, connectAccount } from '../accounts/connect-account.ts';
import { isKnownTimezone } from '../digest/digest-week.ts';
import { AuthorizationError, type AuthorizedMailbox } from '../providers/authorization.ts';
import { exchangeGoogleCode, googleAuthorizeUrl, type GoogleAuthorizationOptions } from '../providers/google/google-authorization.ts';
import {
  exchangeMicrosoftCode,
  microsoftAuthorizeUrl,
  type MicrosoftAuthorizationOptions,
} from '../providers/microsoft/microsoft-authorization.ts';
import { signToken, verifyToken } from '../security/signed-token.ts';
import { sendMessage } from './html.ts';
import { RATE_LIMITS } from './rate-limits.ts';
import { appendCookie, cookieHeader, OAUTH_COOKIE, OAUTH_FLOW_SECONDS, parseCookies, readSession, startSession } from './session.ts';
import { callbackUrl, PROVIDER_LABEL, PROVIDERS, providerConfigured, type WebDeps, type WebProvider } from './web-deps.ts';

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

export function registerOAuthRoutes(app: FastifyInstance, deps: WebDeps): void {
  const { config, keys } = deps;

  const googleOptions = (): GoogleAuthorizationOptions => ({
    clientId: config.GOOGLE_CLIENT_ID!,
    clientSecret: config.GOOGLE_CLIENT_SECRET!,
    redirectUri: callbackUrl(config, 'google'),
    authUrl: config.GOOGLE_AUTH_URL,
    tokenUrl: config.GOOGLE_TOKEN_URL,
    ...(config.GOOGLE_API_URL ? { apiUrl: config.GOOGLE_API_URL } : {}),
  });
  const microsoftOptions = (): MicrosoftAuthorizationOptions => ({
    clientId: config.MICROSOFT_CLIENT_ID!,
    clientSecret: config.MICROSOFT_CLIENT_SECRET!,
    redirectUri: callbackUrl(config, 'microsoft'),
    tenant: config.MICROSOFT_TENANT,
    loginUrl: config.MICROSOFT_LOGIN_URL,
    graphUrl: config.MICROSOFT_GRAPH_URL,
  });

  const providerOf = (name: string): WebProvider | null => ((PROVIDERS as readonly string[]).includes(name) ? (name as WebProvider) : null);

  // Per address (src/web/rate-limits.ts): each callback costs a code exchange with the provider.
  app.get<{ Params: { provider: string }; Querystring: { tz?: string; login_hint?: string } }>(
    '/connect/:provider',
    { config: { rateLimit: RATE_LIMITS.connect } },
    async (request, reply) => {
      const provider = providerOf(request.params.provider);
      if (!provider) return sendMessage(reply, 404, 'Not found', 'rekindle connects Google and Microsoft mailboxes.');
      if (!providerConfigured(config, provider)) {
        return sendMessage(
          reply,
          503,
          `${PROVIDER_LABEL[provider]} is not set up`,
          `This rekindle has no ${PROVIDER_LABEL[provider]} OAuth client configured yet (see the README).`,
        );
      }
      const session = readSession(deps.session, request);
      const tz = typeof request.query.tz === 'string' && isKnownTimezone(request.query.tz) ? request.query.tz : null;
      const hint =
        typeof request.query.login_hint === 'string' && /^[^\s@]{1,64}@[^\s@]{1,255}$/.test(request.query.login_hint)
          ? request.query.login_hint
          : undefined;
      const nonce = randomBytes(16).toString('base64url');
      const verifier = randomBytes(32).toString('base64url');
      const expires = new Date(Date.now() + OAUTH_FLOW_SECONDS * 1000);
      const state = signToken(
        keys,
        STATE_PURPOSE,
        { p: provider, n: nonce, u: session?.userId ?? null, tz } satisfies StatePayload,
        expires,
      );
      const browser = signToken(keys, BROWSER_PURPOSE, { n: nonce, v: verifier, p: provider } satisfies BrowserPayload, expires);
      appendCookie(reply, cookieHeader(deps.session, OAUTH_COOKIE, browser, { maxAgeSeconds: OAUTH_FLOW_SECONDS, path: '/oauth' }));
      const codeChallenge = createHash('sha256').update(verifier).digest('base64url');
      const request_ = { state, codeChallenge, ...(hint ? { loginHint: hint } : {}) };
      const target =
        provider === 'google' ? googleAuthorizeUrl(googleOptions(), request_) : microsoftAuthorizeUrl(microsoftOptions(), request_);
      return reply.header('cache-control', 'no-store').redirect(target, 302);
    },
  );

  app.get<{ Params: { provider: string }; Querystring: Record<string, string | undefined> }>(
    '/oauth/:provider/callback',
    { config: { rateLimit: RATE_LIMITS.callback } },
    async (request, reply) => {
      const provider = providerOf(request.params.provider);
      if (!provider || !providerConfigured(config, provider)) return sendMessage(reply, 404, 'Not found', 'There is nothing here.');
      const startAgain = `<p><a class="button" href="/connect/${provider}">Start again</a> <a class="button secondary" href="/">Home</a></p>`;
      const refuse = (why: string) => {
        deps.logger.warn({ provider, why }, 'oauth callback refused');
        return sendMessage(
          reply,
          400,
          'Not connected',
          'This sign-in could not be completed: it is not valid here, or it took too long. Nothing was connected.',
          startAgain,
        );
      };

      const state = verifyToken<StatePayload>(keys, STATE_PURPOSE, request.query.state ?? '');
      if (!state.ok) return refuse(`state ${state.reason}`);
      if (state.payload.p !== provider) return refuse('state for another provider');
      const cookie = parseCookies(request.headers.cookie).get(OAUTH_COOKIE);
      const browser = cookie ? verifyToken<BrowserPayload>(keys, BROWSER_PURPOSE, cookie) : null;
      if (!browser?.ok || browser.payload.n !== state.payload.n || browser.payload.p !== provider)
        return refuse('state from another browser');
      const session = readSession(deps.session, request);
      if ((session?.userId ?? null) !== state.payload.u) return refuse('state of another user');
      // The flow is spent whatever happens next.
      appendCookie(reply, cookieHeader(deps.session, OAUTH_COOKIE, '', { maxAgeSeconds: 0, path: '/oauth' }));

      if (request.query.error) {
        const declined = request.query.error === 'access_denied';
        return sendMessage(
          reply,
          declined ? 200 : 502,
          declined ? 'Nothing was connected' : 'Not connected',
          declined
            ? `You did not give rekindle access to your ${PROVIDER_LABEL[provider]} mailbox, so nothing was connected.`
            : `${PROVIDER_LABEL[provider]} answered with an error (${request.query.error.slice(0, 80)}). Nothing was connected.`,
          startAgain,
        );
      }
      const code = request.query.code;
      if (!code) return refuse('no code');

      let mailbox: AuthorizedMailbox;
      try {
        mailbox =
          provider === 'google'
            ? await exchangeGoogleCode(googleOptions(), code, browser.payload.v)
            : await exchangeMicrosoftCode(microsoftOptions(), code, browser.payload.v);
      } catch (error) {
        if (error instanceof AuthorizationError && error.code === 'missing_scope') {
          return sendMessage(
            reply,
            400,
            'rekindle needs both permissions',
            `rekindle reads who you wrote to and when (never the messages themselves) and your calendar's meetings. ${PROVIDER_LABEL[provider]} was asked for less than that, so nothing was connected. Please start again and leave both boxes ticked.`,
            startAgain,
          );
        }
        deps.logger.warn({ provider, err: error instanceof Error ? error.message : String(error) }, 'oauth code exchange failed');
        return sendMessage(
          reply,
          400,
          'Not connected',
          `${PROVIDER_LABEL[provider]} did not accept this sign-in. Nothing was connected.`,
          startAgain,
        );
      }

      const owner = await ownerOf(deps, session?.userId ?? null, provider, mailbox);
      if (!owner.ok) {
        deps.logger.warn({ provider, why: owner.why }, 'oauth sign-in refused: the address does not prove who this is');
        return sendMessage(
          reply,
          409,
          'Not connected',
          'A rekindle account already uses this address, and Microsoft does not vouch that this sign-in is its owner. Sign in with a mailbox already connected to that account, then connect this one from its status page.',
          startAgain,
        );
      }
      let connected: { userId: string; accountId: string };
      try {
        connected = await connectAccount(
          deps.sql,
          {
            userEmail: owner.email,
            provider,
            accountEmail: mailbox.email,
            refreshToken: mailbox.refreshToken,
            timezone: state.payload.tz ?? undefined,
            subject: mailbox.subject,
          },
          deps.cipher,
        );
      } catch (error) {
        if (error instanceof AccountOwnedElsewhereError) {
          return sendMessage(
            reply,
            409,
            'Already connected elsewhere',
            'This mailbox is connected to another rekindle account. Sign in with that account, or disconnect it there first.',
            startAgain,
          );
        }
        throw error;
      }
      if (mailbox.aliases.length > 0) await addUserAliases(deps.sql, connected.userId, mailbox.aliases, 'provider');
      deps.logger.info({ provider, userId: connected.userId, accountId: connected.accountId, newSession: !session }, 'mailbox connected');
      startSession(deps.session, reply, connected.userId);
      return reply.redirect(`/status?connected=${provider}`, 303);
    },
  );
}

/**
 * Whose mailbox this becomes: the signed-in user's; else the user who connected it before (this
 * is how they sign in again) — for Microsoft only when it is the same Microsoft principal, as a
 * tenant's admin can give anyone any `mail`; else, when the provider vouches for the address,
 * the user of that address; else a new user named by the mailbox. A Microsoft sign-in whose
 * address a user already has, by another principal or none on record, signs nobody in.
 */
async function ownerOf(
  deps: WebDeps,
  sessionUserId: string | null,
  provider: WebProvider,
  mailbox: AuthorizedMailbox,
): Promise<{ ok: true; email: string } | { ok: false; why: string }> {
  if (sessionUserId) {
    const [user] = await deps.sql<{ email: string }[]>`select email from users where id = ${sessionUserId}`;
    if (user) return { ok: true, email: user.email };
  }
  const [known] = await deps.sql<{ email: string; subject: string | null }[]>`
    select u.email, a.subject from accounts a join users u on u.id = a.user_id where a.provider = ${provider} and a.email = ${mailbox.email}`;
  if (known) {
    if (mailbox.addressVerified || (known.subject !== null && known.subject === mailbox.subject)) return { ok: true, email: known.email };
    return { ok: false, why: known.subject === null ? 'mailbox has no subject on record' : 'another principal' };
  }
  const [user] = await deps.sql<{ id: string }[]>`select id from users where email = ${mailbox.email}`;
  if (user && !mailbox.addressVerified) return { ok: false, why: 'address of an existing user' };
  return { ok: true, email: mailbox.email };
}
