/** The landing page (GET / when signed out) and the connect buttons the status page shows too. */
import { PROVIDER_LABEL, type WebProvider } from '../web-deps.ts';

/** What each provider is asked for, said only for the providers this server offers. */
const PERMISSIONS: Record<WebProvider, string> = {
  google: 'Gmail message metadata and read-only calendar',
  microsoft: 'Microsoft Mail.ReadBasic, Calendars.ReadBasic and your profile',
};

/**
 * Only the providers this server is set up for: which ones are not is the operator's business,
 * told in the log when the app starts (src/web/web-app.ts), not a button people cannot press.
 */
export function connectButtons(offered: readonly WebProvider[]): string {
  return offered.length > 0
    ? offered.map((p) => `<a class="button" data-add-tz href="/connect/${p}">Connect ${PROVIDER_LABEL[p]}</a>`).join(' ')
    : '<span class="muted" id="no-provider">Signing in is not available on this server yet.</span>';
}

export function landingPage(offered: readonly WebProvider[]): string {
  return `<h1>Keep in touch with the people who matter</h1>
<p>Connect your mailbox once. rekindle reads <strong>who</strong> you wrote to and <strong>when</strong> — never the messages themselves — and every week emails you a short list of people you have lost touch with. Reply “done 1” or click a link to act on it.</p>
<div class="card"><p>${connectButtons(offered)}</p>${
    offered.length > 0
      ? `
<p class="muted">Already connected? Connect the same mailbox again to sign in.</p>
<p class="muted">Fastmail, iCloud, Yahoo, Proton or your own server? Sign in with a ${offered.map((p) => PROVIDER_LABEL[p]).join(' or ')} mailbox first, then add it as another mailbox (IMAP) from your status page.</p>`
      : ''
  }</div>
${offered.length > 0 ? `<p class="muted">Permissions asked: ${offered.map((p) => PERMISSIONS[p]).join('; or ')}. You can disconnect at any time, and everything read from that mailbox is deleted.</p>` : ''}`;
}
