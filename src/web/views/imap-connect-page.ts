/** The "other mailbox" form (GET and POST /connect/imap): presets, the IMAP server, the optional calendar, and an error when a check failed. */
import type { ImapServerSettings } from '../../db/schema.ts';
import { IMAP_PRESETS, imapPreset } from '../../providers/imap/imap-presets.ts';
import { esc } from '../html.ts';
import type { FormValues } from '../imap-connect-form.ts';

const SECURITY_LABEL: Record<ImapServerSettings['security'], string> = {
  tls: 'TLS (usually port 993)',
  starttls: 'STARTTLS (usually port 143; Proton Mail Bridge: 1143)',
  none: 'None (only a server on this machine)',
};

/** `csrf`: the session's token (not escaped yet). */
export function imapConnectPage(csrf: string, values: FormValues, error?: string): string {
  const preset = imapPreset(values.preset);
  const presetLinks = IMAP_PRESETS.map(
    (p) => `<a class="button secondary" href="/connect/imap?preset=${esc(p.id)}">${esc(p.label)}</a>`,
  ).join(' ');
  const securityOptions = (Object.keys(SECURITY_LABEL) as ImapServerSettings['security'][])
    .map((s) => `<option value="${s}"${s === values.security ? ' selected' : ''}>${esc(SECURITY_LABEL[s])}</option>`)
    .join('');
  const checked = (on: boolean) => (on ? ' checked' : '');
  return `<h1>Add another mailbox (IMAP)</h1>
${error ? `<p class="notice error" id="connect-error" role="alert">${esc(error)} Nothing was saved.</p>` : ''}
<div class="card"><h2>Your provider</h2><p>${presetLinks}</p>
${preset ? `<p id="preset-advice"><strong>${esc(preset.label)}:</strong> make an app password just for rekindle: ${esc(preset.appPassword)}.</p>` : '<p class="muted">Pick one to fill in its server, or enter your own server below.</p>'}
<p class="muted">rekindle reads only the headers of your messages (who, when, which conversation), never a body, and opens every folder read-only. An app password is a separate password for rekindle alone: you can revoke it at your provider at any time without changing your own.</p></div>
<form class="card" method="post" action="/connect/imap" id="imap-form"><input type="hidden" name="csrf" value="${esc(csrf)}"><input type="hidden" name="preset" value="${esc(values.preset)}">
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
</form>`;
}
