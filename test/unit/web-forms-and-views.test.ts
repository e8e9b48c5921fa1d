/**
 * The web app's forms and pages as pure functions (src/web/*-form.ts, src/web/views/): what a
 * form accepts and refuses, and that a page says what the data says — no sentence the data does
 * not support, and everything from other people's mail escaped.
 */
import { describe, expect, it } from 'vitest';
import { readDueAction } from '../../src/web/due-actions.ts';
import { calendarSourcesOf, prefilledValues, readImapForm, serverSettings } from '../../src/web/imap-connect-form.ts';
import { readSettingsForm } from '../../src/web/settings-form.ts';
import type { UserStatus } from '../../src/web/user-status.ts';
import { accountDeletedText } from '../../src/web/views/account-deleted-page.ts';
import { settingsPage } from '../../src/web/views/settings-page.ts';
import { statusPage } from '../../src/web/views/status-page.ts';

const user = (over: Partial<UserStatus> = {}): UserStatus => ({
  id: '00000000-0000-4000-8000-000000000001',
  email: 'sam@example.com',
  timezone: 'Europe/Berlin',
  digestDay: 1,
  digestHour: 8,
  digestBudget: null,
  digestPausedAt: null,
  digestPausedReason: null,
  digestStoppedAt: null,
  contacts: 3,
  unresolved: { people: 0, messages: 0 },
  mailboxes: [],
  lastDigest: null,
  nextDigest: { at: new Date('2026-12-07T07:00:00Z'), soon: false },
  synced: true,
  ...over,
});

describe('readSettingsForm', () => {
  it('takes a day, an hour, a known timezone and 1 to 20 people', () => {
    expect(readSettingsForm({ day: '0', hour: '23', timezone: ' Asia/Tokyo ', budget: '20' })).toEqual({
      ok: true,
      settings: { day: 0, hour: 23, timezone: 'Asia/Tokyo', budget: 20 },
    });
  });

  it('names every field out of range, and nothing else', () => {
    expect(readSettingsForm({ day: '7', hour: '8.5', timezone: 'Mars/Olympus', budget: '0' })).toEqual({
      ok: false,
      problems: ['day', 'hour', 'people per list (1 to 20)', 'timezone'],
    });
    expect(readSettingsForm({ day: '1', hour: '8', timezone: 'UTC', budget: '21' })).toEqual({
      ok: false,
      problems: ['people per list (1 to 20)'],
    });
  });
});

describe('readDueAction', () => {
  it('takes the buttons the page offers, with a snooze or rhythm it offers', () => {
    expect(readDueAction({ do: 'met' })).toEqual({ verb: 'met' });
    expect(readDueAction({ do: 'snooze', for: '3m' })).toEqual({ verb: 'snooze', snooze: '3m' });
    expect(readDueAction({ do: 'every', every: 'auto' })).toEqual({ verb: 'every', rhythm: 'auto' });
  });

  it('refuses any other verb, duration or object key', () => {
    expect(readDueAction({ do: 'undo' })).toBeNull();
    expect(readDueAction({ do: 'snooze', for: '5y' })).toBeNull();
    expect(readDueAction({ do: 'snooze', for: 'constructor' })).toBeNull();
    expect(readDueAction({ do: 'every', every: '__proto__' })).toBeNull();
  });
});

describe('the IMAP form', () => {
  it('reads the fields trimmed and the password as typed, and falls back to TLS', () => {
    const read = readImapForm({
      email: ' Me@Fastmail.example ',
      host: ' IMAP.Fastmail.COM ',
      port: '993',
      security: 'rot13',
      password: ' abcd efgh ',
      caldav_url: 'https://caldav.example/',
      accept_calendar_certificate: 'yes',
    });
    expect(read.password).toBe(' abcd efgh ');
    expect(read.values).toMatchObject({
      email: 'Me@Fastmail.example',
      host: 'imap.fastmail.com',
      security: 'tls',
      acceptCalendarCertificate: true,
    });
    expect(serverSettings(read.values, 'me@fastmail.example')).toEqual({
      host: 'imap.fastmail.com',
      port: 993,
      security: 'tls',
      user: 'me@fastmail.example',
      allowUntrustedCertificate: false,
    });
    expect(calendarSourcesOf(read.values, '', '')).toEqual({
      caldav: { url: 'https://caldav.example/', password: null, allowUntrustedCertificate: true },
      ics: null,
    });
  });

  it('when reconnecting, shows the mailbox as it is, never its subscription address', () => {
    const values = prefilledValues('', 'me@example.org', {
      id: 'a',
      server: { host: 'mail.example.org', port: 143, security: 'starttls', user: 'me', allowUntrustedCertificate: true },
      settings: { caldav: null, ics: { host: 'calendar.example.org', allowUntrustedCertificate: false } },
      secret: 'rk1.secret',
    });
    expect(values).toMatchObject({
      email: 'me@example.org',
      host: 'mail.example.org',
      port: '143',
      user: 'me',
      currentIcsHost: 'calendar.example.org',
      keepIcs: true,
      icsUrl: '',
    });
  });
});

describe('statusPage', () => {
  it('says why the list is paused, and escapes the address it names', () => {
    const { body } = statusPage({
      status: user({ email: 'a<b>@example.com', digestPausedAt: new Date(), digestPausedReason: 'bounced', nextDigest: null }),
      connected: null,
      defaultBudget: 5,
      offered: [],
    });
    expect(body).toContain('id="paused-bounced"');
    expect(body).toContain('a&lt;b&gt;@example.com');
    expect(body).not.toContain('a<b>@example.com');
    expect(body).toContain('<dd id="next-digest">none while paused</dd>');
    expect(body).toContain('id="no-provider"');
  });

  it('speaks of the first sync only while it runs, and reloads itself only then', () => {
    const syncing = statusPage({
      status: user({ synced: false, mailboxes: [mailbox('syncing')] }),
      connected: 'Google',
      defaultBudget: 5,
      offered: ['google'],
    });
    expect(syncing.body).toContain('The first sync reads your history');
    expect(syncing.refreshSeconds).toBe(3);
    const synced = statusPage({
      status: user({ mailboxes: [mailbox('synced')] }),
      connected: 'Google',
      defaultBudget: 5,
      offered: ['google'],
    });
    expect(synced.body).toContain('Your Google mailbox is connected.</p>');
    expect(synced.body).not.toContain('first sync reads');
    expect(synced.refreshSeconds).toBeUndefined();
  });
});

describe('settingsPage', () => {
  it('offers resume, saying why the list is off', () => {
    const html = settingsPage({
      status: user({ digestStoppedAt: new Date() }),
      csrf: '<input type="hidden" name="csrf" value="t">',
      saved: false,
      defaultBudget: 5,
    });
    expect(html).toContain('You unsubscribed. No list is sent until you resume.');
    expect(html).toContain('action="/settings/resume"');
    expect(html).not.toContain('action="/settings/pause"');
  });
});

describe('accountDeletedText', () => {
  it('says where to withdraw what rekindle could not, once per provider', () => {
    const text = accountDeletedText([
      { provider: 'microsoft', outcome: 'not-offered' },
      { provider: 'microsoft', outcome: 'not-offered' },
      { provider: 'google', outcome: 'revoked' },
    ]);
    expect(text.match(/at Microsoft:/g)).toHaveLength(1);
    expect(text).not.toContain('Google');
    expect(accountDeletedText([])).toBe('Everything rekindle held about you is gone.');
    expect(accountDeletedText([{ provider: 'google', outcome: 'revoked' }])).toBe(
      'Everything rekindle held about you is gone. Its access to your mailbox is withdrawn.',
    );
  });
});

function mailbox(state: 'synced' | 'syncing'): UserStatus['mailboxes'][number] {
  const stream = {
    items: 2,
    backfillOldestAt: null,
    backfillCompletedAt: state === 'synced' ? new Date() : null,
    lastSyncedAt: null,
    lastError: null,
  };
  return {
    id: '00000000-0000-4000-8000-000000000002',
    provider: 'google',
    email: 'sam@example.com',
    status: 'active',
    needsReauthAt: null,
    connectedAt: new Date(),
    mail: stream,
    calendar: stream,
    state,
  };
}
