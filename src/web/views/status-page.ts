/**
 * The status page (GET /status): what needs the person's action first, then the summary, one
 * card per mailbox with its first sync's progress, and the buttons to connect another.
 */
import { DIGEST_MAX_ATTEMPTS } from '../../digest/schedule-digests.ts';
import { esc, formatCalendarDay, formatDay, formatInstant } from '../html.ts';
import type { MailboxStatus, UserStatus } from '../user-status.ts';
import { PROVIDER_LABEL, type WebProvider } from '../web-deps.ts';
import { connectButtons } from './landing-page.ts';
import { syncBar } from './sync-bar.ts';

export interface StatusPageData {
  status: UserStatus;
  /** The provider label of a mailbox just connected (`?connected=`), or null. */
  connected: string | null;
  defaultBudget: number;
  offered: readonly WebProvider[];
}

/** The page's body, and whether it reloads itself (while a first sync runs). */
export function statusPage({ status, connected, defaultBudget, offered }: StatusPageData): { body: string; refreshSeconds?: number } {
  const tz = status.timezone;
  const overall = status.mailboxes.length === 0 ? 'no mailbox' : status.synced ? 'synced' : 'syncing';
  const badge = overall === 'synced' ? 'ok' : overall === 'syncing' ? 'busy' : '';
  const body = `<h1>Status <span class="badge ${badge}" id="sync-state">${overall}</span></h1>
${statusNotices(status, connected).join('\n')}
<div class="card" id="summary"><dl class="facts">
<dt>Signed in as</dt><dd>${esc(status.email)}</dd>
<dt>Contacts found</dt><dd id="contacts-found">${status.contacts}</dd>
${unresolvedLine(status.unresolved)}
<dt>Next digest</dt><dd id="next-digest">${esc(nextDigestText(status))}</dd>
<dt>List size</dt><dd>${status.digestBudget ?? defaultBudget} people at most</dd>
${status.lastDigest ? `<dt>Last digest</dt><dd>week of ${esc(formatCalendarDay(status.lastDigest.weekOf))} (${esc(status.lastDigest.status)})</dd>` : ''}
</dl>
<p><a class="button secondary" href="/due" id="who-is-due">Who is due</a> <span class="muted">the next lists' likely people, and everyone you marked</span></p></div>
${status.mailboxes.map((m) => mailboxCard(m, tz)).join('\n')}
<div class="card"><h2>Connect another mailbox</h2><p class="muted">Mail from all your mailboxes makes one list of contacts; a message in two of them counts once.</p><p>${connectButtons(offered)} <a class="button" href="/connect/imap" id="connect-imap">Other mailbox (IMAP)</a></p>
<p class="muted">Other mailbox: Fastmail, iCloud, Yahoo, AOL, GMX, Proton Mail Bridge, Zoho or your own server, with an app password.</p></div>`;
  return { body, refreshSeconds: overall === 'syncing' ? 3 : undefined };
}

/** Everything a person must act on shows here, whether or not an email could also say it. */
function statusNotices(status: UserStatus, connected: string | null): string[] {
  const tz = status.timezone;
  const notices: string[] = [];
  if (connected) {
    // The first-sync sentence only while it is true: once synced, the history has been read.
    notices.push(
      status.synced
        ? `<p class="notice" id="connected">Your ${esc(connected)} mailbox is connected.</p>`
        : `<p class="notice" id="connected">Your ${esc(connected)} mailbox is connected. The first sync reads your history, newest first; this page updates by itself.</p>`,
    );
  }
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
  return notices;
}

function nextDigestText(status: UserStatus): string {
  if (!status.nextDigest) return status.digestStoppedAt ? 'none: you unsubscribed' : 'none while paused';
  if (!status.nextDigest.soon) return formatInstant(status.nextDigest.at, status.timezone);
  return status.synced ? 'within a few minutes' : 'as soon as the first sync is done';
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
 * People named without an e-mail address (Exchange directory names, bare display names) that
 * no message has shown yet: said only when there are some.
 */
function unresolvedLine({ people, messages }: UserStatus['unresolved']): string {
  if (people === 0) return '';
  const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  return `<dt>Not yet known</dt><dd id="unresolved">${plural(people, 'person', 'people')} on ${plural(messages, 'message', 'messages')} named without an e-mail address (an Exchange directory name, or a name alone) that your mail has not shown yet; counted as soon as it does</dd>`;
}
