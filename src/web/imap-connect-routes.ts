/**
 * "Other mailbox": adding an IMAP mailbox (and its CalDAV or .ics calendar) from the web app.
 *
 * GET /connect/imap — the form, filled from a preset (`?preset=fastmail`, src/providers/imap/imap-presets.ts)
 *   or, to reconnect, from one of the signed-in user's own IMAP mailboxes (`?login_hint=<address>`).
 * POST /connect/imap — connectImapMailbox (src/accounts/connect-imap-mailbox.ts) signs in to the
 *   server once and reads the calendar sources once; only when both work is the mailbox stored.
 *   Otherwise the form comes back with the error and nothing is stored.
 *
 * Anyone can run an IMAP server that accepts any login, so a successful login proves nothing
 * about owning an address: this form only adds a mailbox to a user who is already signed in
 * (with Google or Microsoft), and never signs anyone in or creates a user. The mailbox is known
 * by its server and login, not by the address typed (connect-account.ts): another user's mailbox
 * of the same address is neither reached nor in the way.
 *
 * The form's values are src/web/imap-connect-form.ts; its page, src/web/views/imap-connect-page.ts.
 *
 * Each POST makes rekindle connect to a server the person names, so it needs the session's CSRF
 * token, is limited per client address and per user (rate-limits.ts), and connects only to
 * public addresses unless the operator allows private ones (ALLOW_PRIVATE_SERVERS,
 * src/security/network-guard.ts).
 *
 * Reconnecting replaces the calendar sources with what the form names: a calendar left out is
 * removed with the meetings it gave (calendar-sources.ts). The form is filled with the current
 * ones, and an `.ics` subscription (a secret address, never shown again) is kept by a tick.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { connectImapMailbox } from '../accounts/connect-imap-mailbox.ts';
import { currentIcsUrl, ownImapMailbox } from '../accounts/own-imap-mailbox.ts';
import { normalizeAddress } from '../contacts/normalize-address.ts';
import { imapIdentity } from '../providers/imap/imap-server-settings.ts';
import { sendMessage, sendPage } from './html.ts';
import { calendarSourcesOf, type FormValues, prefilledValues, readImapForm, serverSettings } from './imap-connect-form.ts';
import { type PerUserLimit, perUserLimit, RATE_LIMITS } from './rate-limits.ts';
import { csrfOk, csrfToken, readSession, type Session } from './session.ts';
import { refuseForeignForm } from './signed-in.ts';
import { loadUserEmail } from './user-status.ts';
import { imapConnectPage } from './views/imap-connect-page.ts';
import { formOf, type WebDeps } from './web-deps.ts';

const notSignedIn = (reply: FastifyReply) =>
  sendMessage(
    reply,
    403,
    'Sign in first',
    'An IMAP mailbox is added to a rekindle account you are signed in to: connect a Google or Microsoft mailbox first (or connect it again to sign in), then add this one from your status page. A password accepted by an IMAP server does not prove who owns an address, so it cannot sign you in.',
    '<p><a class="button" href="/">Home</a></p>',
  );

export function registerImapConnectRoutes(app: FastifyInstance, deps: WebDeps): void {
  const network = { allowPrivate: deps.config.ALLOW_PRIVATE_SERVERS };
  const perUser = perUserLimit(app, 'imap-check', RATE_LIMITS.imapCheckPerUser);

  const page = (reply: FastifyReply, status: number, session: Session, values: FormValues, error?: string) =>
    sendPage(
      reply,
      status,
      { title: 'Other mailbox', nav: '<a href="/status">Status</a><a href="/settings">Settings</a>' },
      imapConnectPage(csrfToken(deps.session, session), values, error),
    );

  app.get<{ Querystring: { preset?: string; login_hint?: string } }>('/connect/imap', async (request, reply) => {
    const found = await signedInUser(deps, request);
    if (!found) return notSignedIn(reply);
    const hint = typeof request.query.login_hint === 'string' ? normalizeAddress(request.query.login_hint) : null;
    // Reconnecting: the server as it was, from this user's own mailbox only.
    const own = hint ? await ownImapMailbox(deps.sql, found.session.userId, null, hint) : null;
    return page(reply, 200, found.session, prefilledValues(String(request.query.preset ?? ''), hint, own));
  });

  app.post('/connect/imap', { config: { rateLimit: RATE_LIMITS.imapCheck } }, async (request, reply) => {
    const found = await checkedPost(deps, perUser, request, reply);
    if (!found) return reply;
    const { session } = found;
    const { values, password, caldavPassword } = readImapForm(formOf(request));
    const again = (error: string) => page(reply, 400, session, values, error);
    const email = normalizeAddress(values.email);
    if (!email) return again('The address is not an e-mail address.');
    if (!password) return again('The app password is missing.');
    const server = serverSettings(values, email);
    // The subscription the mailbox has now, kept when ticked and no other address is given.
    const own = await ownImapMailbox(deps.sql, session.userId, imapIdentity(server), email);
    if (own?.settings?.ics) values.currentIcsHost = own.settings.ics.host;
    const icsUrl = values.icsUrl || (values.keepIcs && own ? (currentIcsUrl(deps.cipher, own) ?? '') : '');
    const connected = await connectImapMailbox(
      { sql: deps.sql, cipher: deps.cipher, logger: deps.logger, network },
      {
        userId: session.userId,
        userEmail: found.email,
        email,
        server,
        password,
        calendarSources: calendarSourcesOf(values, caldavPassword, icsUrl),
      },
    );
    if (!connected.ok) return again(connected.message);
    deps.logger.info(
      { provider: 'imap', userId: connected.userId, accountId: connected.accountId, host: server.host },
      'mailbox connected',
    );
    return reply.redirect('/status?connected=imap', 303);
  });
}

/** The session's user with their address, or null when signed out (or the user is gone). */
async function signedInUser(deps: WebDeps, request: FastifyRequest): Promise<{ session: Session; email: string } | null> {
  const session = readSession(deps.session, request);
  const email = session ? await loadUserEmail(deps.sql, session.userId) : null;
  return session && email ? { session, email } : null;
}

/** A POST's user when its CSRF token checks out and they are under their limit of checks; otherwise the refusal is sent (then null). */
async function checkedPost(
  deps: WebDeps,
  perUser: PerUserLimit,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<{ session: Session; email: string } | null> {
  const found = await signedInUser(deps, request);
  if (!found) {
    void notSignedIn(reply);
    return null;
  }
  const { session } = found;
  if (!csrfOk(deps.session, session, request, formOf(request).csrf)) {
    deps.logger.warn({ userId: session.userId, route: '/connect/imap' }, 'form refused: csrf');
    void refuseForeignForm(reply);
    return null;
  }
  // Counted once the form is known to be the user's own (a forged one costs them nothing).
  const limited = await perUser.over(request, session.userId);
  if (!limited.over) return found;
  deps.logger.warn({ userId: session.userId, route: '/connect/imap' }, 'form refused: checks per user');
  void reply
    .code(429)
    .header('retry-after', String(limited.retryAfterSeconds))
    .type('text/plain')
    .send('Too many mailbox checks from your account; try again later.');
  return null;
}
