/**
 * Connecting a mailbox: OAuth 2.0 authorization code with PKCE, for Google and Microsoft.
 *
 * GET /connect/:provider — starts a flow (src/web/oauth-flow.ts): its PKCE verifier and browser
 *   nonce go into a short-lived signed cookie (`rk_oauth`, httpOnly, path /oauth), and the
 *   browser goes to the provider with a signed, expiring `state`.
 * GET /oauth/:provider/callback — accepts the code only when the callback belongs to this
 *   browser's flow (checkCallback); exchanges it with the verifier; learns the mailbox's
 *   address; connects it (src/accounts/connect-authorized-mailbox.ts); signs the browser in.
 *
 * Signing in again is connecting again: the mailbox identifies its owner.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { connectAuthorizedMailbox, ownerOf } from '../accounts/connect-authorized-mailbox.ts';
import { isKnownTimezone } from '../digest/digest-week.ts';
import { AuthorizationError, type AuthorizedMailbox } from '../providers/authorization.ts';
import { sendMessage } from './html.ts';
import { checkCallback, exchangeCode, providerOf, startFlow } from './oauth-flow.ts';
import { RATE_LIMITS } from './rate-limits.ts';
import { appendCookie, cookieHeader, OAUTH_COOKIE, OAUTH_FLOW_SECONDS, parseCookies, readSession, startSession } from './session.ts';
import { PROVIDER_LABEL, providerConfigured, type WebDeps, type WebProvider } from './web-deps.ts';

export function registerOAuthRoutes(app: FastifyInstance, deps: WebDeps): void {
  const { config, keys } = deps;

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
      const flow = startFlow(config, keys, provider, { userId: session?.userId ?? null, tz, loginHint: hint });
      appendCookie(
        reply,
        cookieHeader(deps.session, OAUTH_COOKIE, flow.browserToken, { maxAgeSeconds: OAUTH_FLOW_SECONDS, path: '/oauth' }),
      );
      return reply.header('cache-control', 'no-store').redirect(flow.authorizeUrl, 302);
    },
  );

  app.get<{ Params: { provider: string }; Querystring: Record<string, string | undefined> }>(
    '/oauth/:provider/callback',
    { config: { rateLimit: RATE_LIMITS.callback } },
    async (request, reply) => {
      const provider = providerOf(request.params.provider);
      if (!provider || !providerConfigured(config, provider)) return sendMessage(reply, 404, 'Not found', 'There is nothing here.');
      return connectFromCallback(deps, provider, request, reply);
    },
  );
}

/** A callback of a flow this browser started: the code exchanged, the mailbox connected, the browser signed in. */
async function connectFromCallback(
  deps: WebDeps,
  provider: WebProvider,
  request: FastifyRequest<{ Querystring: Record<string, string | undefined> }>,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const notConnected = callbackAnswers(reply, provider);
  const refuse = (why: string) => {
    deps.logger.warn({ provider, why }, 'oauth callback refused');
    return notConnected.refused();
  };
  const session = readSession(deps.session, request);
  const browserToken = parseCookies(request.headers.cookie).get(OAUTH_COOKIE);
  const flow = checkCallback(deps.keys, provider, { state: request.query.state ?? '', browserToken, userId: session?.userId ?? null });
  if (!flow.ok) return refuse(flow.why);
  // The flow is spent whatever happens next.
  appendCookie(reply, cookieHeader(deps.session, OAUTH_COOKIE, '', { maxAgeSeconds: 0, path: '/oauth' }));
  if (request.query.error) return notConnected.providerError(request.query.error);
  const code = request.query.code;
  if (!code) return refuse('no code');

  let mailbox: AuthorizedMailbox;
  try {
    mailbox = await exchangeCode(deps.config, provider, code, flow.verifier);
  } catch (error) {
    if (error instanceof AuthorizationError && error.code === 'missing_scope') return notConnected.missingScope();
    deps.logger.warn({ provider, err: error instanceof Error ? error.message : String(error) }, 'oauth code exchange failed');
    return notConnected.exchangeFailed();
  }
  const owner = await ownerOf(deps.sql, session?.userId ?? null, provider, mailbox);
  if (!owner.ok) {
    deps.logger.warn({ provider, why: owner.why }, 'oauth sign-in refused: the address does not prove who this is');
    return notConnected.ownerUnproven();
  }
  const connection = { ownerEmail: owner.email, provider, mailbox, timezone: flow.tz };
  const connected = await connectAuthorizedMailbox(deps.sql, deps.cipher, connection);
  if (!connected) return notConnected.ownedElsewhere();
  deps.logger.info({ provider, userId: connected.userId, accountId: connected.accountId, newSession: !session }, 'mailbox connected');
  startSession(deps.session, reply, connected.userId);
  return reply.redirect(`/status?connected=${provider}`, 303);
}

/** What a callback that connected nothing answers, each with the way to start again. */
function callbackAnswers(reply: FastifyReply, provider: WebProvider) {
  const label = PROVIDER_LABEL[provider];
  const startAgain = `<p><a class="button" href="/connect/${provider}">Start again</a> <a class="button secondary" href="/">Home</a></p>`;
  const say = (status: number, title: string, message: string) => sendMessage(reply, status, title, message, startAgain);
  return {
    refused: () =>
      say(400, 'Not connected', 'This sign-in could not be completed: it is not valid here, or it took too long. Nothing was connected.'),
    providerError: (error: string) =>
      error === 'access_denied'
        ? say(200, 'Nothing was connected', `You did not give rekindle access to your ${label} mailbox, so nothing was connected.`)
        : say(502, 'Not connected', `${label} answered with an error (${error.slice(0, 80)}). Nothing was connected.`),
    missingScope: () =>
      say(
        400,
        'rekindle needs both permissions',
        `rekindle reads who you wrote to and when (never the messages themselves) and your calendar's meetings. ${label} was asked for less than that, so nothing was connected. Please start again and leave both boxes ticked.`,
      ),
    exchangeFailed: () => say(400, 'Not connected', `${label} did not accept this sign-in. Nothing was connected.`),
    ownerUnproven: () =>
      say(
        409,
        'Not connected',
        'A rekindle account already uses this address, and Microsoft does not vouch that this sign-in is its owner. Sign in with a mailbox already connected to that account, then connect this one from its status page.',
      ),
    ownedElsewhere: () =>
      say(
        409,
        'Already connected elsewhere',
        'This mailbox is connected to another rekindle account. Sign in with that account, or disconnect it there first.',
      ),
  };
}
