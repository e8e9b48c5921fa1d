import type { TransactionSql } from 'postgres';
import type { Sql } from '../db/client.ts';
import { removeCalendarData } from './remove-calendar-data.ts';
import type { ResolvedCalendarSources } from '../providers/caldav/account-calendar-source.ts';
import type { CalendarSecrets, CalendarSourceSettings } from '../providers/caldav/calendar-source-settings.ts';
import { insecureUrlReason } from '../providers/caldav/dav-fetch.ts';
import { feedAddress } from '../providers/caldav/ics-feed-source.ts';
import { tokenContext, type TokenCipher } from '../security/token-cipher.ts';

/** What the person gives for an IMAP account's calendars (the web form, a script). */
export interface CalendarSourcesInput {
  caldav?: {
    url: string;
    /** Default: the IMAP login name. */
    user?: string;
    /** A password of its own; absent: the IMAP app password signs in to CalDAV too. */
    password?: string | null;
    allowUntrustedCertificate?: boolean;
  } | null;
  ics?: { url: string; allowUntrustedCertificate?: boolean } | null;
}

export class CalendarSourcesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CalendarSourcesError';
  }
}

/** Settings no server could accept, or that would send a secret in the clear; null when fine. */
export function invalidCalendarSources(input: CalendarSourcesInput): string | null {
  if (input.caldav) {
    let url: URL;
    try {
      url = new URL(input.caldav.url.trim());
    } catch {
      return 'The CalDAV address is not a URL (it looks like https://caldav.example.com/).';
    }
    const insecure = insecureUrlReason(url);
    if (insecure) return insecure;
    if (input.caldav.user !== undefined && !input.caldav.user.trim()) return 'The CalDAV user name is empty.';
    if (input.caldav.password !== undefined && input.caldav.password !== null && !input.caldav.password)
      return 'The CalDAV password is empty.';
  }
  if (input.ics) {
    let url: URL;
    try {
      url = feedAddress(input.ics.url).url;
    } catch {
      return 'The calendar subscription address is not a URL (it usually ends in .ics).';
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:')
      return `A calendar subscription is read over https (or webcal), not ${url.protocol.replace(':', '')}.`;
  }
  return null;
}

/**
 * Gives an IMAP account its calendar sources (or takes them away, with none): settings in
 * `calendar_sources`, secrets encrypted in `calendar_secret`, bound to the account row as its app
 * password is. The calendar stream is made due at once. A source taken away (or replaced by
 * another server or subscription) takes what it gave with it, at once (remove-calendar-data.ts).
 * Check the sources first (check-calendar-sources.ts): this only stores them. An account
 * connected with its calendar gives them to connectAccount instead, in the same transaction.
 */
export async function setCalendarSources(sql: Sql, accountId: string, input: CalendarSourcesInput, cipher: TokenCipher): Promise<void> {
  const [account] = await sql<{ userId: string; server: { user: string } | null }[]>`
    select user_id as "userId", imap_server as server from accounts where id = ${accountId} and provider = 'imap'`;
  if (!account)
    throw new CalendarSourcesError(`No IMAP account ${accountId}: calendars over CalDAV or .ics are offered for IMAP mailboxes`);
  await sql.begin(async (tx) => {
    await storeCalendarSources(tx, { userId: account.userId, accountId }, input, account.server?.user ?? '', cipher);
    await tx`
      insert into sync_streams (account_id, stream) values (${accountId}, 'calendar')
      on conflict (account_id, stream) do update set next_run_at = now(), consecutive_failures = 0, last_error = null`;
  });
}

/**
 * Writes an account's calendar sources in a transaction; when a source it had is gone or now
 * points elsewhere (another CalDAV address or user, another feed), what the old one gave is
 * removed. A new password for the same source changes nothing else. Returns the meetings removed.
 */
export async function storeCalendarSources(
  tx: TransactionSql,
  account: { userId: string; accountId: string },
  input: CalendarSourcesInput,
  imapUser: string,
  cipher: TokenCipher,
): Promise<number> {
  const { accountId } = account;
  const columns = calendarSourceColumns(input, imapUser, accountId, cipher);
  const [before] = await tx<{ settings: CalendarSourceSettings | null; secret: string | null }[]>`
    select calendar_sources as settings, calendar_secret as secret from accounts where id = ${accountId} for update`;
  const old = before?.settings ?? null;
  const oldSecrets: CalendarSecrets =
    before?.secret && old?.ics ? JSON.parse(cipher.decrypt(before.secret, tokenContext('calendar_secret', accountId))) : {};
  const next = columns.settings;
  const caldavGone = old?.caldav != null && (next?.caldav?.url !== old.caldav.url || next.caldav.user !== old.caldav.user);
  const icsGone = old?.ics != null && (next?.ics == null || input.ics?.url.trim() !== oldSecrets.icsUrl);
  await tx`update accounts set calendar_sources = ${next ? tx.json(next as never) : null}, calendar_secret = ${columns.secret}
            where id = ${accountId}`;
  return caldavGone || icsGone ? removeCalendarData(tx, account.userId, accountId) : 0;
}

/** The two columns that hold an IMAP account's calendar sources; throws CalendarSourcesError on settings no server could accept. */
export function calendarSourceColumns(
  input: CalendarSourcesInput,
  imapUser: string,
  accountId: string,
  cipher: TokenCipher,
): { settings: CalendarSourceSettings | null; secret: string | null } {
  const invalid = invalidCalendarSources(input);
  if (invalid) throw new CalendarSourcesError(invalid);
  const settings: CalendarSourceSettings = { caldav: null, ics: null };
  const secrets: CalendarSecrets = {};
  if (input.caldav) {
    const ownPassword = typeof input.caldav.password === 'string';
    settings.caldav = {
      url: new URL(input.caldav.url.trim()).href,
      user: input.caldav.user?.trim() || imapUser,
      ownPassword,
      allowUntrustedCertificate: input.caldav.allowUntrustedCertificate ?? false,
    };
    if (ownPassword) secrets.caldavPassword = input.caldav.password!;
  }
  if (input.ics) {
    const { url } = feedAddress(input.ics.url);
    settings.ics = { host: url.host, allowUntrustedCertificate: input.ics.allowUntrustedCertificate ?? false };
    secrets.icsUrl = input.ics.url.trim();
  }
  return {
    settings: settings.caldav || settings.ics ? settings : null,
    secret: Object.keys(secrets).length > 0 ? cipher.encrypt(JSON.stringify(secrets), tokenContext('calendar_secret', accountId)) : null,
  };
}

/**
 * An IMAP account's calendar sources with their secrets, decrypted only here, when a sync job
 * starts reading them.
 */
export async function resolveCalendarSources(sql: Sql, accountId: string, cipher: TokenCipher): Promise<ResolvedCalendarSources> {
  const [row] = await sql<{ settings: CalendarSourceSettings | null; secret: string | null; password: string | null }[]>`
    select calendar_sources as settings, calendar_secret as secret, refresh_token as password from accounts where id = ${accountId}`;
  if (!row?.settings) return { caldav: null, ics: null };
  const secrets: CalendarSecrets = row.secret ? JSON.parse(cipher.decrypt(row.secret, tokenContext('calendar_secret', accountId))) : {};
  const { caldav, ics } = row.settings;
  let resolvedCaldav: ResolvedCalendarSources['caldav'] = null;
  if (caldav) {
    const password = caldav.ownPassword
      ? secrets.caldavPassword
      : row.password
        ? cipher.decrypt(row.password, tokenContext('refresh_token', accountId))
        : undefined;
    if (!password) throw new Error(`IMAP account ${accountId} has a CalDAV server but no password for it; connect its calendar again`);
    resolvedCaldav = { server: caldav, password, passwordIsTheMailbox: !caldav.ownPassword };
  }
  let resolvedIcs: ResolvedCalendarSources['ics'] = null;
  if (ics) {
    if (!secrets.icsUrl) throw new Error(`IMAP account ${accountId} has a calendar subscription but no address for it; subscribe again`);
    resolvedIcs = { url: secrets.icsUrl, allowUntrustedCertificate: ics.allowUntrustedCertificate };
  }
  return { caldav: resolvedCaldav, ics: resolvedIcs };
}
