import { normalizeAddress } from '../contacts/normalize-address.ts';
import { calendarSourceColumns, CalendarSourcesError, type CalendarSourcesInput } from './calendar-sources.ts';
import type { Sql } from '../db/client.ts';
import type { ImapServerSettings, ProviderName } from '../db/schema.ts';
import { defaultTokenCipher, tokenContext, type TokenCipher } from '../security/token-cipher.ts';

export interface ConnectAccountInput {
  /** The person's address (digests go here); a new user is created when unknown. */
  userEmail: string;
  provider: ProviderName;
  /** The mailbox's primary address. */
  accountEmail: string;
  /** The OAuth refresh token; for `imap`, the app password. Stored encrypted. */
  refreshToken: string;
  /** `imap` only: where the server is. */
  imapServer?: ImapServerSettings | null;
  /** `imap` only: where its meetings come from (CalDAV, an .ics feed); leaves them as they were when absent. */
  calendarSources?: CalendarSourcesInput;
  timezone?: string;
  /**
   * The provider's immutable id of who signed in (Microsoft). A mailbox row that has one is
   * reconnected only by that same principal: another tenant's user with the same `mail` is
   * someone else.
   */
  subject?: string | null;
}

/**
 * Connects (or reconnects) a mailbox: the user, the account with its grant, the account's
 * address as one of the user's own, and due sync streams for mail and calendar. Reconnecting
 * a known mailbox keeps its cursors and data, replaces the grant and resumes syncing.
 */
export async function connectAccount(
  sql: Sql,
  input: ConnectAccountInput,
  cipher: TokenCipher = defaultTokenCipher(),
): Promise<{ userId: string; accountId: string }> {
  const userEmail = input.userEmail.trim().toLowerCase();
  const accountEmail = input.accountEmail.trim().toLowerCase();
  const addresses = [...new Set([normalizeAddress(accountEmail), normalizeAddress(userEmail)])].filter((a): a is string => a !== null);
  if (!normalizeAddress(accountEmail)) throw new Error(`Not an e-mail address: ${input.accountEmail}`);
  if (input.calendarSources && input.provider !== 'imap')
    throw new CalendarSourcesError('Calendars over CalDAV or .ics are offered for IMAP mailboxes');

  return sql.begin(async (tx) => {
    const [user] = await tx<{ id: string }[]>`
      insert into users (email, timezone) values (${userEmail}, ${input.timezone ?? 'UTC'})
      on conflict (email) do update set email = excluded.email
      returning id`;
    const userId = user!.id;

    // The row's id is part of the ciphertext's associated data, so the token is written once the id is known.
    const [account] = await tx<{ id: string }[]>`
      insert into accounts (user_id, provider, email, subject)
      values (${userId}, ${input.provider}, ${accountEmail}, ${input.subject ?? null})
      on conflict (provider, email) do update
         set access_token = null, access_token_expires_at = null, subject = coalesce(accounts.subject, excluded.subject),
             status = 'active', needs_reauth_at = null, reauth_notified_at = null, last_error = null
       where accounts.user_id = ${userId}
         and (accounts.subject is null or excluded.subject is null or accounts.subject = excluded.subject)
      returning id`;
    if (!account) throw new AccountOwnedElsewhereError(accountEmail);
    await tx`update accounts set refresh_token = ${cipher.encrypt(input.refreshToken, tokenContext('refresh_token', account.id))},
                                 imap_server = ${input.imapServer ? tx.json(input.imapServer as never) : null}
              where id = ${account.id}`;
    if (input.calendarSources) {
      const calendar = calendarSourceColumns(input.calendarSources, input.imapServer?.user ?? accountEmail, account.id, cipher);
      await tx`update accounts set calendar_sources = ${calendar.settings ? tx.json(calendar.settings as never) : null}, calendar_secret = ${calendar.secret}
                where id = ${account.id}`;
    }

    await tx`
      insert into user_addresses (user_id, address, source)
      select ${userId}, unnest(${addresses}::text[]), 'account'
      on conflict do nothing`;
    await tx`
      insert into sync_streams (account_id, stream) values (${account.id}, 'mail'), (${account.id}, 'calendar')
      on conflict (account_id, stream) do update set next_run_at = now(), consecutive_failures = 0, last_error = null`;
    return { userId, accountId: account.id };
  });
}

/** The mailbox is connected to another rekindle user; one mailbox belongs to one user. */
export class AccountOwnedElsewhereError extends Error {
  constructor(mailbox: string) {
    super(`The mailbox ${mailbox} is already connected by another user`);
    this.name = 'AccountOwnedElsewhereError';
  }
}

/** Adds addresses the user also writes from (aliases); they are never contacts. */
export async function addUserAliases(
  sql: Sql,
  userId: string,
  aliases: Iterable<string>,
  source: 'alias' | 'provider' | 'learned' = 'alias',
): Promise<void> {
  const addresses = [...aliases].map((a) => normalizeAddress(a)).filter((a): a is string => a !== null);
  if (addresses.length === 0) return;
  await sql`
    insert into user_addresses (user_id, address, source)
    select ${userId}, unnest(${addresses}::text[]), ${source}
    on conflict do nothing`;
}

export async function findUserByEmail(sql: Sql, email: string): Promise<{ id: string; email: string; timezone: string } | null> {
  const [user] = await sql<{ id: string; email: string; timezone: string }[]>`
    select id, email, timezone from users where email = ${email.trim().toLowerCase()}`;
  return user ?? null;
}
