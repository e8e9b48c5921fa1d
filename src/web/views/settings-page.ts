/**
 * The settings page (GET /settings): the weekly list's day, hour, timezone and size; pause or
 * resume; each mailbox with its disconnect button; deleting the account. Every form carries
 * the session's CSRF field.
 */
import { dayName, esc } from '../html.ts';
import type { UserStatus } from '../user-status.ts';
import { PROVIDER_LABEL } from '../web-deps.ts';

const TIMEZONES = [...new Set(Intl.supportedValuesOf('timeZone'))];

export interface SettingsPageData {
  status: UserStatus;
  /** The session's hidden CSRF input. */
  csrf: string;
  /** After a POST that saved (`?saved=1`). */
  saved: boolean;
  defaultBudget: number;
}

export function settingsPage({ status, csrf, saved, defaultBudget }: SettingsPageData): string {
  const days = [1, 2, 3, 4, 5, 6, 0]
    .map((d) => `<option value="${d}"${d === status.digestDay ? ' selected' : ''}>${dayName(d)}</option>`)
    .join('');
  const hours = Array.from(
    { length: 24 },
    (_, h) => `<option value="${h}"${h === status.digestHour ? ' selected' : ''}>${String(h).padStart(2, '0')}:00</option>`,
  ).join('');
  return `<h1>Settings</h1>
${saved ? '<p class="notice" id="saved">Saved.</p>' : ''}
<form class="card" method="post" action="/settings" id="settings-form">${csrf}
<h2>Weekly list</h2>
<label for="day">Day</label><select id="day" name="day">${days}</select>
<label for="hour">Hour</label><select id="hour" name="hour">${hours}</select>
<label for="timezone">Timezone</label><input id="timezone" name="timezone" value="${esc(status.timezone)}" list="timezones" autocomplete="off" required>
<datalist id="timezones">${TIMEZONES.map((z) => `<option value="${esc(z)}">`).join('')}</datalist>
<p class="muted">Your browser says: <span data-detected-tz>unknown</span> <button type="button" class="secondary" data-use-tz="timezone" hidden>Use it</button></p>
<label for="budget">People per list</label><input id="budget" name="budget" type="number" min="1" max="20" value="${status.digestBudget ?? defaultBudget}" required>
<p><button type="submit">Save</button></p>
</form>
${pauseCard(status, csrf)}
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
<p><button type="submit" class="danger">Delete my account</button></p></form>`;
}

function pauseCard(status: UserStatus, csrf: string): string {
  const paused = status.digestPausedAt !== null || status.digestStoppedAt !== null;
  const why = status.digestStoppedAt
    ? 'You unsubscribed.'
    : status.digestPausedReason === 'bounced'
      ? 'Paused because the last list bounced.'
      : status.digestPausedReason === 'complaint'
        ? 'Paused because the last list was reported as spam.'
        : 'Paused.';
  return `<div class="card" id="pause"><h2>${paused ? 'The weekly list is off' : 'Pause'}</h2>
${
  paused
    ? `<p>${why} No list is sent until you resume.</p>
<form method="post" action="/settings/resume">${csrf}<button type="submit">Resume the weekly list</button></form>`
    : `<p>Stop the weekly list for a while; your mailboxes keep syncing.</p>
<form method="post" action="/settings/pause">${csrf}<button type="submit" class="secondary">Pause the weekly list</button></form>`
}</div>`;
}
