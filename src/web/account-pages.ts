/**
 * The signed-in pages: landing, status, settings (digest day, hour, timezone, list size,
 * pause and resume), disconnecting a mailbox, deleting the account, signing out. Every POST needs the session's
 * CSRF token (src/web/session.ts); a POST without it changes nothing and answers 403.
 */
import type { FastifyInstance } from 'fastify';
import { disconnectAccount } from '../accounts/disconnect-account.ts';
import { ACCESS_PAGES, heldGrants, withdrawAccess } from '../accounts/withdraw-access.ts';
import { isKnownTimezone } from '../digest/digest-week.ts';
import { DIGEST_MAX_ATTEMPTS } from '../digest/schedule-digests.ts';
import { applyVerdicts } from '../verdicts/apply-verdicts.ts';
import {
  ASSET_PATHS,
  dayName,
  esc,
  formatCalendarDay,
  formatDay,
  formatInstant,
  SCRIPT,
  sendMessage,
  sendPage,
  STYLESHEET,
} from './html.ts';
import { csrfToken, endSession, readSession } from './session.ts';
import { signedInHelpers } from './signed-in.ts';
import type { MailboxStatus, UserStatus } from './user-status.ts';
import { formOf, isUuid, PROVIDER_LABEL, providerLabel, PROVIDERS, providerConfigured, type WebDeps } from './web-deps.ts';

const TIMEZONES = new Set(Intl.supportedValuesOf('timeZone'));

/** What each provider is asked for, said only for the providers this server offers. */
const PERMISSIONS: Record<(typeof PROVIDERS)[number], string> = {
  google: 'Gmail message metadata and read-only calendar',
  microsoft: 'Microsoft Mail.ReadBasic, Calendars.ReadBasic and your profile',
};

export function registerAccountPages(app: FastifyInstance, deps: WebDeps): void {
  const { config } = deps;

  const { nav, signedIn, checkedPost } = signedInHelpers(deps);

  // Only the providers this server is set up for: which ones are not is the operator's business,
  // told in the log when the app starts (src/web/web-app.ts), not a button people cannot press.
  const offered = PROVIDERS.filter((p) => providerConfigured(config, p));
  const connectButtons = (hint = '') =>
    offered.length > 0
      ? offered.map((p) => `<a class="button" data-add-tz href="/connect/${p}${hint}">Connect ${PROVIDER_LABEL[p]}</a>`).join(' ')
      : '<span class="muted" id="no-provider">Signing in is not available on this server yet.</span>';

  app.get(ASSET_PATHS.css, async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=31536000, immutable').send(STYLESHEET),
  );
  app.get(ASSET_PATHS.js, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=31536000, immutable').send(SCRIPT),
  );

  app.get('/favicon.ico', async (_request, reply) => reply.code(204).header('cache-control', 'public, max-age=86400').send());

  app.get('/', async (request, reply) => {
    if (readSession(deps.session, request)) return reply.redirect('/status', 303);
    return sendPage(
      reply,
      200,
      { title: 'Keep in touch' },
      `<h1>Keep in touch with the people who matter</h1>
<p>Connect your mailbox once. rekindle reads <strong>who</strong> you wrote to and <strong>when</strong> — never the messages themselves — and every week emails you a short list of people you have lost touch with. Reply “done 1” or click a link to act on it.</p>
<div class="card"><p>${connectButtons()}</p>${
        offered.length > 0
          ? `
<p class="muted">Already connected? Connect the same mailbox again to sign in.</p>
<p class="muted">Fastmail, iCloud, Yahoo, Proton or your own server? Sign in with a ${offered.map((p) => PROVIDER_LABEL[p]).join(' or ')} mailbox first, then add it as another mailbox (IMAP) from your status page.</p>`
          : ''
      }</div>
${offered.length > 0 ? `<p class="muted">Permissions asked: ${offered.map((p) => PERMISSIONS[p]).join('; or ')}. You can disconnect at any time, and everything read from that mailbox is deleted.</p>` : ''}`,
    );
  });

  app.get<{ Querystring: { connected?: string } }>('/status', async (request, reply) => {
    const found = await signedIn(request, reply);
    if (!found) return reply;
    const { session, status } = found;
    const tz = status.timezone;
    const notices: string[] = [];
    const connected = providerLabel(String(request.query.connected ?? ''));
    if (connected) {
      // The first-sync sentence only while it is true: once synced, the history has been read.
      notices.push(
        status.synced
          ? `<p class="notice" id="connected">Your ${esc(connected)} mailbox is connected.</p>`
          : `<p class="notice" id="connected">Your ${esc(connected)} mailbox is connected. The first sync reads your history, newest first; this page updates by itself.</p>`,
      );
    }
    // Everything a person must act on shows here, whether or not an email could also say it.
    if (status.digestPausedReason === 'bounced') {
      notices.push(
        `<p class="notice error" id="paused-bounced">Your weekly list is <strong>paused</strong>: the last one to ${esc(status.email)} bounced. Once that address takes mail again, <a href="/settings">resume it in settings</a>.</p>`,
      );
    } else if (status.digestPausedReason === 'complaint') {
      notices.push(
        `<p class="notice error" id="paused-complaint">Your weekly list is <strong>paused</strong>: your mail provider reported the last one to ${esc(status.email)} as spam, so rekindle sends nothing more. If that was a mistake, <a href="/settings">resume it in settings</a>.</p>`,
      );
    } else if (status.digestPausedAt) {
      notices.push(
        `<p class="notice">Your weekly list is <strong>paused</strong> since ${esc(formatDay(status.digestPausedAt, tz))}. <a href="/settings">Resume it in settings</a>.</p>`,
      );
    }
    if (status.digestStoppedAt) {
      notices.push(
        `<p class="notice">You <strong>unsubscribed</strong> from the weekly list on ${esc(formatDay(status.digestStoppedAt, tz))}. <a href="/settings">Subscribe again in settings</a>.</p>`,
      );
    }
    if (status.lastDigest?.status === 'failed') {
      const gaveUp = status.lastDigest.attempts >= DIGEST_MAX_ATTEMPTS;
      notices.push(
        `<p class="notice error" id="digest-failed">Your list for the week of ${esc(formatCalendarDay(status.lastDigest.weekOf))} could not be handed to the mail server${gaveUp ? `, and rekindle gave up after ${status.lastDigest.attempts} tries; the next one is due as usual` : '; rekindle is trying again'}. If this keeps happening, tell whoever runs this rekindle.</p>`,
      );
    }
    for (const m of status.mailboxes.filter((x) => x.state === 'needs_reauth')) {
      notices.push(
        `<p class="notice error" data-needs-reauth="${esc(m.id)}">rekindle lost access to ${esc(m.email)}; syncing it stopped. <a href="/connect/${esc(m.provider)}?login_hint=${encodeURIComponent(m.email)}">Reconnect it</a>.</p>`,
      );
    }
    const overall = status.mailboxes.length === 0 ? 'no mailbox' : status.synced ? 'synced' : 'syncing';
    const badge = overall === 'synced' ? 'ok' : overall === 'syncing' ? 'busy' : '';
    const next = status.nextDigest
      ? status.nextDigest.soon
        ? status.synced
          ? 'within a few minutes'
          : 'as soon as the first sync is done'
        : formatInstant(status.nextDigest.at, tz)
      : status.digestStoppedAt
        ? 'none: you unsubscribed'
        : 'none while paused';
    return sendPage(
      reply,
      200,
      { title: 'Status', nav: nav(session), refreshSeconds: overall === 'syncing' ? 3 : undefined },
      `<h1>Status <span class="badge ${badge}" id="sync-state">${overall}</span></h1>
${notices.join('\n')}
<div class="card" id="summary"><dl class="facts">
<dt>Signed in as</dt><dd>${esc(status.email)}</dd>
<dt>Contacts found</dt><dd id="contacts-found">${status.contacts}</dd>
${unresolvedLine(status.unresolved)}
<dt>Next digest</dt><dd id="next-digest">${esc(next)}</dd>
<dt>List size</dt><dd>${status.digestBudget ?? config.DIGEST_BUDGET} people at most</dd>
${status.lastDigest ? `<dt>Last digest</dt><dd>week of ${esc(formatCalendarDay(status.lastDigest.weekOf))} (${esc(status.lastDigest.status)})</dd>` : ''}
</dl>
<p><a class="button secondary" href="/due" id="who-is-due">Who is due</a> <span class="muted">the next lists' likely people, and everyone you marked</span></p></div>
${status.mailboxes.map((m) => mailboxCard(m, tz)).join('\n')}
<div class="card"><h2>Connect another mailbox</h2><p class="muted">Mail from all your mailboxes makes one list of contacts; a message in two of them counts once.</p><p>${connectButtons()} <a class="button" href="/connect/imap" id="connect-imap">Other mailbox (IMAP)</a></p>
<p class="muted">Other mailbox: Fastmail, iCloud, Yahoo, AOL, GMX, Proton Mail Bridge, Zoho or your own server, with an app password.</p></div>`,
    );
  });

  app.get<{ Querystring: { saved?: string } }>('/settings', async (request, reply) => {
    const found = await signedIn(request, reply);
    if (!found) return reply;
    const { session, status } = found;
    const csrf = `<input type="hidden" name="csrf" value="${esc(csrfToken(deps.session, session))}">`;
    const days = [1, 2, 3, 4, 5, 6, 0]
      .map((d) => `<option value="${d}"${d === status.digestDay ? ' selected' : ''}>${dayName(d)}</option>`)
      .join('');
    const hours = Array.from(
      { length: 24 },
      (_, h) => `<option value="${h}"${h === status.digestHour ? ' selected' : ''}>${String(h).padStart(2, '0')}:00</option>`,
    ).join('');
    const paused = status.digestPausedAt !== null || status.digestStoppedAt !== null;
    return sendPage(
      reply,
      200,
      { title: 'Settings', nav: nav(session) },
      `<h1>Settings</h1>
${request.query.saved ? '<p class="notice" id="saved">Saved.</p>' : ''}
<form class="card" method="post" action="/settings" id="settings-form">${csrf}
<h2>Weekly list</h2>
<label for="day">Day</label><select id="day" name="day">${days}</select>
<label for="hour">Hour</label><select id="hour" name="hour">${hours}</select>
<label for="timezone">Timezone</label><input id="timezone" name="timezone" value="${esc(status.timezone)}" list="timezones" autocomplete="off" required>
<datalist id="timezones">${[...TIMEZONES].map((z) => `<option value="${esc(z)}">`).join('')}</datalist>
<p class="muted">Your browser says: <span data-detected-tz>unknown</span> <button type="button" class="secondary" data-use-tz="timezone" hidden>Use it</button></p>
<label for="budget">People per list</label><input id="budget" name="budget" type="number" min="1" max="20" value="${status.digestBudget ?? config.DIGEST_BUDGET}" required>
<p><button type="submit">Save</button></p>
</form>
<div class="card" id="pause"><h2>${paused ? 'The weekly list is off' : 'Pause'}</h2>
${
  paused
    ? `<p>${status.digestStoppedAt ? 'You unsubscribed.' : status.digestPausedReason === 'bounced' ? 'Paused because the last list bounced.' : status.digestPausedReason === 'complaint' ? 'Paused because the last list was reported as spam.' : 'Paused.'} No list is sent until you resume.</p>
<form method="post" action="/settings/resume">${csrf}<button type="submit">Resume the weekly list</button></form>`
    : `<p>Stop the weekly list for a while; your mailboxes keep syncing.</p>
<form method="post" action="/settings/pause">${csrf}<button type="submit" class="secondary">Pause the weekly list</button></form>`
}</div>
<div class="card"><h2>Mailboxes</h2>
${status.mailboxes
  .map(
    (
      m,
    ) => `<form method="post" action="/accounts/${esc(m.id)}/disconnect" class="mailbox-row">${csrf}<p><strong>${esc(m.email)}</strong> <span class="muted">${esc(PROVIDER_LABEL[m.provider] ?? m.provider)}</span><br>
<button type="submit" class="danger">Disconnect and delete its data</button></p></form>`,
  )
  .join('\n')}
<p class="muted">Disconnecting deletes that mailbox's tokens and everything read from it, and your contacts are recomputed from your other mailboxes. A Google mailbox's grant is revoked at Google too; for a Microsoft mailbox, withdraw it yourself: Microsoft account → Privacy → Apps and services (work or school: My Apps). For an IMAP mailbox, revoke the app password you made for rekindle at your mail provider.</p></div>
<form class="card" method="post" action="/account/delete" id="delete-account">${csrf}<h2>Delete your account</h2>
<p>Deletes everything rekindle holds about you at once: every mailbox's tokens and synced metadata, your contacts, marks, past lists and replies, and your settings. It cannot be undone.</p>
<label><input type="checkbox" name="confirm" value="yes" required> Yes, delete all of it</label>
<p><button type="submit" class="danger">Delete my account</button></p></form>`,
    );
  });

  app.post('/settings', async (request, reply) => {
    const session = checkedPost(request, reply);
    if (!session) return reply;
    const form = formOf(request);
    const day = Number(form.day);
    const hour = Number(form.hour);
    const budget = Number(form.budget);
    const timezone = String(form.timezone ?? '').trim();
    const problems = [
      Number.isInteger(day) && day >= 0 && day <= 6 ? null : 'day',
      Number.isInteger(hour) && hour >= 0 && hour <= 23 ? null : 'hour',
      Number.isInteger(budget) && budget >= 1 && budget <= 20 ? null : 'people per list (1 to 20)',
      isKnownTimezone(timezone) && timezone.length <= 64 ? null : 'timezone',
    ].filter((p): p is string => p !== null);
    if (problems.length > 0)
      return sendMessage(
        reply,
        400,
        'Not saved',
        `Please check: ${problems.join(', ')}.`,
        '<p><a class="button" href="/settings">Back to settings</a></p>',
      );
    await deps.sql`update users set digest_day = ${day}, digest_hour = ${hour}, timezone = ${timezone}, digest_budget = ${budget} where id = ${session.userId}`;
    deps.logger.info({ userId: session.userId }, 'settings saved');
    return reply.redirect('/settings?saved=1', 303);
  });

  app.post('/settings/pause', async (request, reply) => {
    const session = checkedPost(request, reply);
    if (!session) return reply;
    await deps.sql.begin((tx) => applyVerdicts(tx, session.userId, [{ verb: 'pause' }], { source: 'settings' }));
    deps.logger.info({ userId: session.userId }, 'digest paused');
    return reply.redirect('/settings?saved=1', 303);
  });

  app.post('/settings/resume', async (request, reply) => {
    const session = checkedPost(request, reply);
    if (!session) return reply;
    await deps.sql.begin((tx) => applyVerdicts(tx, session.userId, [{ verb: 'resume' }], { source: 'settings' }));
    deps.logger.info({ userId: session.userId }, 'digest resumed');
    return reply.redirect('/settings?saved=1', 303);
  });

  app.post<{ Params: { id: string } }>('/accounts/:id/disconnect', async (request, reply) => {
    const session = checkedPost(request, reply);
    if (!session) return reply;
    if (!isUuid(request.params.id)) return sendMessage(reply, 404, 'Not found', 'There is no such mailbox.');
    const grants = await heldGrants(deps.sql, deps.cipher, session.userId, request.params.id);
    const result = await disconnectAccount(deps.sql, session.userId, request.params.id);
    if (!result) return sendMessage(reply, 404, 'Not found', 'There is no such mailbox among yours.');
    deps.logger.info({ userId: session.userId, accountId: request.params.id, ...result }, 'mailbox disconnected');
    for (const grant of grants) await withdrawAccess(config, grant, deps.logger);
    return reply.redirect('/status', 303);
  });

  // Every table holding a user's data references users with ON DELETE CASCADE: one row goes, all of it goes.
  app.post('/account/delete', async (request, reply) => {
    const session = checkedPost(request, reply);
    if (!session) return reply;
    if (formOf(request).confirm !== 'yes')
      return sendMessage(
        reply,
        400,
        'Nothing was deleted',
        'Tick the box to confirm, then press the button again.',
        '<p><a class="button" href="/settings">Back to settings</a></p>',
      );
    const grants = await heldGrants(deps.sql, deps.cipher, session.userId);
    const deleted = await deps.sql.begin(async (tx) => {
      // Replies and links lock the user's row too; this waits for them and leaves nothing behind.
      await tx`select 1 from users where id = ${session.userId} for update`;
      return tx`delete from users where id = ${session.userId} returning 1`;
    });
    deps.logger.info({ userId: session.userId, deleted: deleted.length }, 'account deleted');
    endSession(deps.session, reply);
    const outcomes = await Promise.all(
      grants.map(async (grant) => ({ provider: grant.provider, outcome: await withdrawAccess(config, grant, deps.logger) })),
    );
    const leftOpen = [...new Set(outcomes.filter((o) => o.outcome === 'failed' || o.outcome === 'not-offered').map((o) => o.provider))];
    // An IMAP server cannot be asked to forget a password: the person revokes the app password themselves.
    const steps = leftOpen.flatMap((p) =>
      !Object.hasOwn(ACCESS_PAGES, p)
        ? []
        : p === 'imap'
          ? [`for your IMAP mailbox, ${ACCESS_PAGES.imap}`]
          : [`at ${PROVIDER_LABEL[p] ?? p}: ${ACCESS_PAGES[p]}`],
    );
    const advice = steps.length
      ? ` To withdraw its access as well: ${steps.join('; ')}.`
      : outcomes.length
        ? ' Its access to your mailbox is withdrawn.'
        : '';
    return sendMessage(
      reply,
      200,
      'Your account is deleted',
      `Everything rekindle held about you is gone.${advice}`,
      '<p><a class="button" href="/">Home</a></p>',
    );
  });

  app.post('/signout', async (request, reply) => {
    const session = checkedPost(request, reply);
    if (!session) return reply;
    endSession(deps.session, reply);
    return reply.redirect('/', 303);
  });
}

function mailboxCard(m: MailboxStatus, tz: string): string {
  const badge = m.state === 'synced' ? 'ok' : m.state === 'syncing' ? 'busy' : m.state === 'needs_reauth' ? 'bad' : '';
  const label = m.state === 'needs_reauth' ? 'needs reconnecting' : m.state;
  const reach = m.mail?.backfillOldestAt ? formatDay(m.mail.backfillOldestAt, tz) : '—';
  return `<div class="card mailbox" data-account="${esc(m.id)}"><h2>${esc(m.email)} <span class="badge ${badge}">${esc(label)}</span></h2>
${syncBar(m, tz)}
<dl class="facts">
<dt>Provider</dt><dd>${esc(PROVIDER_LABEL[m.provider] ?? m.provider)}</dd>
<dt>Messages synced</dt><dd class="messages-synced">${m.mail?.items ?? 0}</dd>
<dt>Events synced</dt><dd class="events-synced">${m.calendar?.items ?? 0}</dd>
<dt>History back to</dt><dd>${esc(reach)}${m.mail?.backfillCompletedAt ? ' (all of it)' : m.state === 'syncing' ? ' (so far)' : ''}</dd>
<dt>Last synced</dt><dd>${m.mail?.lastSyncedAt ? esc(formatInstant(m.mail.lastSyncedAt, tz)) : '—'}</dd>
</dl></div>`;
}

/**
 * The first sync's progress as a bar. Providers say nothing of how much history a mailbox
 * holds, so the bar counts what is known: the two parts of a first sync (mail, calendar)
 * finished; while neither has, it is an indeterminate bar (moving, no share claimed). The text
 * beside it says how far each part got.
 */
export function syncBar(m: MailboxStatus, tz: string): string {
  if (m.state === 'imported' || m.state === 'needs_reauth') return '';
  if (m.state === 'synced')
    return '<p class="sync-progress"><progress value="1" max="1" aria-label="First sync: done"></progress> <span>First sync done.</span></p>';
  const part = (label: string, stream: MailboxStatus['mail'], items: string) =>
    !stream
      ? `${label}: not started`
      : stream.backfillCompletedAt
        ? `${label}: done`
        : `${label}: reading${label === 'mail' && stream.backfillOldestAt ? `, back to ${formatDay(stream.backfillOldestAt, tz)} so far` : ''} (${stream.items} ${items})`;
  const finished = [m.mail, m.calendar].filter((x) => x?.backfillCompletedAt).length;
  const text = `First sync — ${part('mail', m.mail, m.mail?.items === 1 ? 'message' : 'messages')}; ${part('calendar', m.calendar, m.calendar?.items === 1 ? 'event' : 'events')}.`;
  const bar =
    finished === 0
      ? `<progress aria-label="${esc(text)}"></progress>`
      : `<progress value="${finished}" max="2" aria-label="${esc(text)}"></progress>`;
  return `<p class="sync-progress">${bar} <span>${esc(text)}</span></p>`;
}

/**
 * People named without an e-mail address (Exchange directory names, bare display names) that
 * no message has shown yet: said only when there are some.
 */
function unresolvedLine({ people, messages }: UserStatus['unresolved']): string {
  if (people === 0) return '';
  const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  return `<dt>Not yet known</dt><dd id="unresolved">${plural(people, 'person', 'people')} on ${plural(messages, 'message', 'messages')} named without an e-mail address (an Exchange directory name, or a name alone) that your mail has not shown yet; counted as soon as it does</dd>`;
}
