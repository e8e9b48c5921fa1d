/**
 * The IMAP form's values (src/web/views/imap-connect-page.ts): filled from a preset or the
 * user's own mailbox when it is shown, read back from a POST, and turned into the server and
 * calendar settings to check. Never the password: a page is not a place to keep it.
 */
import type { CalendarSourcesInput } from '../accounts/calendar-sources.ts';
import type { OwnImapMailbox } from '../accounts/own-imap-mailbox.ts';
import type { ImapServerSettings } from '../db/schema.ts';
import { imapPreset } from '../providers/imap/imap-presets.ts';

export interface FormValues {
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

/** The form as first shown: a preset's server, then (reconnecting `hint`) the server and calendars of the user's own mailbox. */
export function prefilledValues(presetId: string, hint: string | null, own: OwnImapMailbox | null): FormValues {
  const values: FormValues = { ...EMPTY };
  const preset = imapPreset(presetId);
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
  if (!hint) return values;
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
  return values;
}

/** A POST's fields: the values to show again, and the passwords as typed (spaces can be part of one: Apple and Google show theirs in groups). */
export function readImapForm(form: Record<string, string>): { values: FormValues; password: string; caldavPassword: string } {
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
  const password = typeof form.password === 'string' ? form.password : '';
  const caldavPassword = typeof form.caldav_password === 'string' ? form.caldav_password : '';
  return { values, password, caldavPassword };
}

export function serverSettings(values: FormValues, email: string): ImapServerSettings {
  return {
    host: values.host,
    port: Number(values.port),
    security: values.security,
    user: values.user || email,
    allowUntrustedCertificate: values.acceptCertificate,
  };
}

/** The calendars the form names; `icsUrl` is the one typed, or the current one kept by the tick. */
export function calendarSourcesOf(values: FormValues, caldavPassword: string, icsUrl: string): CalendarSourcesInput {
  return {
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
}
