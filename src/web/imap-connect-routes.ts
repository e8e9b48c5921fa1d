/**
 * "Other mailbox": adding an IMAP mailbox (and its CalDAV or .ics calendar) from the web app.
 *
 * GET /connect/imap — the form, filled from a preset (`?preset=fastmail`, src/providers/imap/imap-presets.ts)
 *   or, to reconnect, from one of the signed-in user's own IMAP mailboxes (`?login_hint=<address>`).
 * POST /connect/imap — signs in to the server once (checkImapMailbox) and reads the calendar
 *   sources once (checkCalendarSources); only when both work is the mailbox stored
 *   (connectAccount: app password encrypted like an OAuth grant). Otherwise the form comes back
 *   with the error and nothing is stored.
 *
 * Anyone can run an IMAP server that accepts any login, so a successful login proves nothing
 * about owning an address: this form only adds a mailbox to a user who is already signed in
 * (with Google or Microsoft), and never signs anyone in or creates a user. The mailbox is known
 * by its server and login, not by the address typed (connect-account.ts): another user's mailbox
 * of the same address is neither reached nor in the way.
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
import { checkCalendarSources } from '../accounts/check-calendar-sources.ts';
import { checkImapMailbox } from '../accounts/check-imap-mailbox.ts';
import { invalidCalendarSources, type CalendarSourcesInput } from '../accounts/calendar-sources.ts';
import type { CalendarSecrets, CalendarSourceSettings } from '../providers/caldav/calendar-source-settings.ts';
import { imapIdentity } from '../providers/imap/imap-server-settings.ts';
import { tokenContext } from '../security/token-cipher.ts';
import { AccountOwnedElsewhereError, connectAccount } from '../accounts/connect-account.ts';
import { normalizeAddress } from '../contacts/normalize-address.ts';
import type { ImapServerSettings } from '../db/schema.ts';
import { IMAP_PRESETS, imapPreset } from '../providers/imap/imap-presets.ts';
import { esc, sendMessage, sendPage } from './html.ts';
import { perUserLimit, RATE_LIMITS } from './rate-limits.ts';
import { csrfOk, csrfToken, readSession, type Session } from './session.ts';
import { formOf, type WebDeps } from './web-deps.ts';

/** What the form shows; never the password (a page is not a place to keep it). */
interface FormValues {
  email: string;
  host: string;
  port: string;
  security: ImapServerSettings['security'];
  user: string;
  acceptCertificate: boolean;
  caldavUrl: string;
  /** Empty: the IMAP user name. */
  caldavUser: string;
  icsUrl: string;
  acceptCalendarCertificate: boolean;
  /** The host of the subscription the mailbox has now, when reconnecting; empty when none. */
  currentIcsHost: string;
  /** Keep that subscription (its address is a secret, so the form never shows it). */
  keepIcs: boolean;
  /** The preset whose advice is shown next to the form. */
  preset: string;
}

const EMPTY: FormValues = {
  email: '',
  host: '',
  port: '993',
  security: 'tls',
  user: '',
  acceptCertificate: false,
  caldavUrl: '',
  caldavUser: '',
  icsUrl: '',
  acceptCalendarCertificate: false,
  currentIcsHost: '',
  keepIcs: false,
  preset: '',
};

const SECURITY_LABEL: Record<ImapServerSettings['security'], string> = {
  tls: 'TLS (usually port 993)',
  starttls: 'STARTTLS (usually port 143; Proton Mail Bridge: 1143)',
  none: 'None (only a server on this machine)',
};

export function registerImapConnectRoutes(app: FastifyInstance, deps: WebDeps): void {
  const network = { allowPrivate: deps.config.ALLOW_PRIVATE_SERVERS };
  const perUser = perUserLimit(app, 'imap-check', RATE_LIMITS.imapCheckPerUser);

  /** This user's IMAP mailbox that a connection with these settings reconnects: the same server and login, else the same address. */
  const ownMailbox = async (userId: string, identity: string | null, email: string) => {
    const [row] = await deps.sql<
      { id: string; server: ImapServerSettings | null; settings: CalendarSourceSettings | null; secret: string | null }[]
    >`
      select id, imap_server as server, calendar_sources as settings, calendar_secret as secret from accounts
       where user_id = ${userId} and provider = 'imap' and (subject = ${identity ?? ''} or email = ${email})
       order by (subject = ${identity ?? ''}) desc, created_at limit 1`;
    return row ?? null;
  };
  const signedInUser = async (request: FastifyRequest): Promise<{ session: Session; email: string } | null> => {
    const session = readSession(deps.session, request);
    if (!session) return null;
    const [user] = await deps.sql<{ email: string }[]>`select email from users where id = ${session.userId}`;
    return user ? { session, email: user.email } : null;
  };

  const notSignedIn = (reply: FastifyReply, status: number) =>
    sendMessage(
      reply,
      status,
      'Sign in first',
      'An IMAP mailbox is added to a rekindle account you are signed in to: connect a Google or Microsoft mailbox first (or connect it again to sign in), then add this one from your status page. A password accepted by an IMAP server does not prove who owns an address, so it cannot sign you in.',
      '<p><a class="button" href="/">Home</a></p>',
    );

  const page = (reply: FastifyReply, status: number, session: Session, values: FormValues, error?: string) => {
    const preset = imapPreset(values.preset);
    const csrf = esc(csrfToken(deps.session, session));
    const presetLinks = IMAP_PRESETS.map(
      (p) => `<a class="button secondary" href="/connect/imap?preset=${esc(p.id)}">${esc(p.label)}</a>`,
    ).join(' ');
    const securityOptions = (Object.keys(SECURITY_LABEL) as ImapServerSettings['security'][])
      .map((s) => `<option value="${s}"${s === values.security ? ' selected' : ''}>${esc(SECURITY_LABEL[s])}</option>`)
      .join('');
    const checked = (on: boolean) => (on ? ' checked' : '');
    return sendPage(
      reply,
      status,
      { title: 'Other mailbox', nav: '<a href="/status">Status</a><a href="/settings">Settings</a>' },
      `<h1>Add another mailbox (IMAP)</h1>
${error ? `<p class="notice error" id="connect-error" role="alert">${esc(error)} Nothing was saved.</p>` : ''}
<div class="card"><h2>Your provider</h2><p>${presetLinks}</p>
${preset ? `<p id="preset-advice"><strong>${esc(preset.label)}:</strong> make an app password just for rekindle: ${esc(preset.appPassword)}.</p>` : '<p class="muted">Pick one to fill in its server, or enter your own server below.</p>'}
<p class="muted">rekindle reads only the headers of your messages (who, when, which conversation), never a body, and opens every folder read-only. An app password is a separate password for rekindle alone: you can revoke it at your provider at any time without changing your own.</p></div>
<form class="card" method="post" action="/connect/imap" id="imap-form"><input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="preset" value="${esc(values.preset)}">
<h2>Mailbox</h2>
<label for="email">Address</label><input id="email" name="email" type="email" value="${esc(values.email)}" autocomplete="email" required>
<label for="host">IMAP server</label><input id="host" name="host" value="${esc(values.host)}" autocomplete="off" required>
<label for="port">Port</label><input id="port" name="port" type="number" min="1" max="65535" value="${esc(values.port)}" required>
<label for="security">Security</label><select id="security" name="security">${securityOptions}</select>
<label for="user">User name <span class="muted">(empty: the address)</span></label><input id="user" name="user" value="${esc(values.user)}" autocomplete="username">
<label for="password">App password</label><input id="password" name="password" type="password" autocomplete="new-password" required>
<label><input type="checkbox" name="accept_certificate" value="yes"${checked(values.acceptCertificate)}> This is my own server (or Proton Mail Bridge): accept its certificate without checking it</label>
<h2>Calendar <span class="muted">(optional)</span></h2>
<p class="muted">Meetings help rekindle see who is close. Leave these empty for mail only; a calendar you leave out when reconnecting is removed, with the meetings it gave.</p>
<label for="caldav_url">CalDAV address</label><input id="caldav_url" name="caldav_url" value="${esc(values.caldavUrl)}" placeholder="https://caldav.example.com/" autocomplete="off">
<label for="caldav_user">CalDAV user name <span class="muted">(empty: the IMAP user name)</span></label><input id="caldav_user" name="caldav_user" value="${esc(values.caldavUser)}" autocomplete="off">
<label for="caldav_password">CalDAV password <span class="muted">(empty: the app password above signs in to CalDAV too, as at Fastmail and iCloud)</span></label><input id="caldav_password" name="caldav_password" type="password" autocomplete="new-password">
<label for="ics_url">or an .ics subscription address</label><input id="ics_url" name="ics_url" value="${esc(values.icsUrl)}" placeholder="https://calendar.example.com/….ics" autocomplete="off">
${values.currentIcsHost ? `<label><input type="checkbox" name="keep_ics" value="yes"${checked(values.keepIcs)}> Keep the current subscription (${esc(values.currentIcsHost)}) unless I give another address above</label>` : ''}
<label><input type="checkbox" name="accept_calendar_certificate" value="yes"${checked(values.acceptCalendarCertificate)}> This calendar is on my own server: accept its certificate without checking it</label>
<p><button type="submit">Check and add this mailbox</button></p>
<p class="muted">rekindle signs in once and lists your folders before saving anything. The app password is stored encrypted.</p>
</form>`,
    );
  };

  app.get<{ Querystring: { preset?: string; login_hint?: string } }>('/connect/imap', async (request, reply) => {
    const found = await signedInUser(request);
    if (!found) return notSignedIn(reply, 403);
    const values: FormValues = { ...EMPTY };
    const preset = imapPreset(String(request.query.preset ?? ''));
    if (preset) {
      Object.assign(values, {
        preset: preset.id,
        host: preset.host,
        port: String(preset.port),
        security: preset.security,
        acceptCertificate: preset.allowUntrustedCertificate ?? false,
        caldavUrl: preset.caldavUrl ?? '',
      });
    }
    const hint = typeof request.query.login_hint === 'string' ? normalizeAddress(request.query.login_hint) : null;
    if (hint) {
      // Reconnecting: the server as it was, from this user's own mailbox only.
      const own = await ownMailbox(found.session.userId, null, hint);
      values.email = hint;
      if (own?.server) {
        Object.assign(values, {
          host: own.server.host,
          port: String(own.server.port),
          security: own.server.security,
          user: own.server.user === hint ? '' : own.server.user,
          acceptCertificate: own.server.allowUntrustedCertificate,
        });
      }
      // Its calendars as they are, so reconnecting keeps them unless the person changes them.
      const calendars = own?.settings;
      if (calendars?.caldav) {
        values.caldavUrl = calendars.caldav.url;
        values.caldavUser = calendars.caldav.user === own?.server?.user ? '' : calendars.caldav.user;
      }
      if (calendars?.ics) Object.assign(values, { currentIcsHost: calendars.ics.host, keepIcs: true });
      values.acceptCalendarCertificate = Boolean(calendars?.caldav?.allowUntrustedCertificate || calendars?.ics?.allowUntrustedCertificate);
    }
    return page(reply, 200, found.session, values);
  });

  app.post('/connect/imap', { config: { rateLimit: RATE_LIMITS.imapCheck } }, async (request, reply) => {
    const found = await signedInUser(request);
    if (!found) return notSignedIn(reply, 403);
    const { session } = found;
    const form = formOf(request);
    if (!csrfOk(deps.session, session, request, form.csrf)) {
      deps.logger.warn({ userId: session.userId, route: '/connect/imap' }, 'form refused: csrf');
      return sendMessage(
        reply,
        403,
        'Not accepted',
        'This form did not come from your rekindle page, so nothing was changed. Reload the page and try again.',
      );
    }
    // Counted once the form is known to be the user's own (a forged one costs them nothing).
    const limited = await perUser.over(request, session.userId);
    if (limited.over) {
      deps.logger.warn({ userId: session.userId, route: '/connect/imap' }, 'form refused: checks per user');
      return reply
        .code(429)
        .header('retry-after', String(limited.retryAfterSeconds))
        .type('text/plain')
        .send('Too many mailbox checks from your account; try again later.');
    }
    const text = (name: string) => (typeof form[name] === 'string' ? form[name].trim().slice(0, 2048) : '');
    const security = text('security');
    const values: FormValues = {
      email: text('email'),
      host: text('host').toLowerCase(),
      port: text('port'),
      security: security === 'starttls' || security === 'none' ? security : 'tls',
      user: text('user'),
      acceptCertificate: form.accept_certificate === 'yes',
      caldavUrl: text('caldav_url'),
      caldavUser: text('caldav_user'),
      icsUrl: text('ics_url'),
      acceptCalendarCertificate: form.accept_calendar_certificate === 'yes',
      currentIcsHost: '',
      keepIcs: form.keep_ics === 'yes',
      preset: imapPreset(text('preset'))?.id ?? '',
    };
    // The password as typed: spaces can be part of it (Apple and Google show theirs in groups).
    const password = typeof form.password === 'string' ? form.password : '';
    const caldavPassword = typeof form.caldav_password === 'string' ? form.caldav_password : '';
    const again = (error: string) => page(reply, 400, session, values, error);

    const email = normalizeAddress(values.email);
    if (!email) return again('The address is not an e-mail address.');
    if (!password) return again('The app password is missing.');
    const server: ImapServerSettings = {
      host: values.host,
      port: Number(values.port),
      security: values.security,
      user: values.user || email,
      allowUntrustedCertificate: values.acceptCertificate,
    };
    // The subscription the mailbox has now, kept when ticked and no other address is given.
    const own = await ownMailbox(session.userId, imapIdentity(server), email);
    let icsUrl = values.icsUrl;
    if (own?.settings?.ics) values.currentIcsHost = own.settings.ics.host;
    if (!icsUrl && values.keepIcs && own?.settings?.ics && own.secret) {
      const secrets = JSON.parse(deps.cipher.decrypt(own.secret, tokenContext('calendar_secret', own.id))) as CalendarSecrets;
      icsUrl = secrets.icsUrl ?? '';
    }
    // Always given, so a calendar left out of a reconnection is removed.
    const calendarSources: CalendarSourcesInput = {
      caldav: values.caldavUrl
        ? {
            url: values.caldavUrl,
            ...(values.caldavUser ? { user: values.caldavUser } : {}),
            password: caldavPassword || null,
            allowUntrustedCertificate: values.acceptCalendarCertificate,
          }
        : null,
      ics: icsUrl ? { url: icsUrl, allowUntrustedCertificate: values.acceptCalendarCertificate } : null,
    };
    // Settings no server could accept are said before any connection is made.
    const invalidCalendar = invalidCalendarSources(calendarSources);
    if (invalidCalendar) return again(invalidCalendar);
    const imap = await checkImapMailbox(server, password, { network });
    if (!imap.ok) {
      deps.logger.info({ userId: session.userId, host: server.host, port: server.port, reason: imap.reason }, 'imap mailbox check failed');
      return again(imap.message);
    }
    if (calendarSources.caldav || calendarSources.ics) {
      const calendar = await checkCalendarSources(calendarSources, { user: server.user, password, email }, { network });
      if (!calendar.ok) {
        deps.logger.info({ userId: session.userId, source: calendar.source }, 'calendar sources check failed');
        return again(calendar.message);
      }
    }
    let connected: { userId: string; accountId: string };
    try {
      // The signed-in user's own address names the user: this form never makes or picks another.
      connected = await connectAccount(
        deps.sql,
        { userEmail: found.email, provider: 'imap', accountEmail: email, refreshToken: password, imapServer: server, calendarSources },
        deps.cipher,
      );
    } catch (error) {
      if (error instanceof AccountOwnedElsewhereError)
        return again(
          'This login on this server is connected to another rekindle account. Sign in with that account, or disconnect it there first.',
        );
      throw error;
    }
    deps.logger.info(
      { provider: 'imap', userId: connected.userId, accountId: connected.accountId, host: server.host },
      'mailbox connected',
    );
    return reply.redirect('/status?connected=imap', 303);
  });
}
