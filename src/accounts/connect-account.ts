import { normalizeAddress } from '../contacts/normalize-address.ts';
import type { TransactionSql } from 'postgres';
import { CalendarSourcesError, storeCalendarSources, type CalendarSourcesInput } from './calendar-sources.ts';
import type { Sql } from '../db/client.ts';
import type { ImapServerSettings, ProviderName } from '../db/schema.ts';
import { imapIdentity } from '../providers/imap/imap-server-settings.ts';
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
  /**
   * `imap` only: where its meetings come from (CalDAV, an .ics feed); leaves them as they were
   * when absent. A source it no longer names is removed with what it gave (calendar-sources.ts).
   */
  calendarSources?: CalendarSourcesInput;
  timezone?: string;
  /**
   * The provider's immutable id of who signed in (Microsoft). A mailbox row that has one is
   * reconnected only by that same principal: another tenant's user with the same `mail` is
   * someone else. Ignored for `imap`, whose subject is its server and login (imapIdentity).
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

    const account =
      input.provider === 'imap'
        ? await upsertImapAccount(tx, userId, accountEmail, input.imapServer)
        : await upsertGrantAccount(tx, userId, input.provider, accountEmail, input.subject ?? null);
    // The row's id is part of the ciphertext's associated data, so the token is written once the id is known.
    await tx`update accounts set refresh_token = ${cipher.encrypt(input.refreshToken, tokenContext('refresh_token', account.id))},
                                 imap_server = ${input.imapServer ? tx.json(input.imapServer as never) : null}
              where id = ${account.id}`;
    if (account.serverChanged) {
      // Another server (or login) under the same address: its folders and UIDs are not the old
      // one's, so its mail is read from scratch (Message-IDs keep anything from counting twice).
      await tx`update sync_streams set cursor = null, phase = 'backfill', lease_owner = null, lease_until = null,
                                       backfill_started_at = null, backfill_completed_at = null
                where account_id = ${account.id} and stream = 'mail'`;
    }
    if (input.calendarSources) {
      await storeCalendarSources(
        tx,
        { userId, accountId: account.id },
        input.calendarSources,
        input.imapServer?.user ?? accountEmail,
        cipher,
      );
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

/**
 * A Google or Microsoft mailbox: one row per provider and address. Reconnected only by the user
 * who has it, and for Microsoft only by the same principal (`subject`).
 */
async function upsertGrantAccount(
  tx: TransactionSql,
  userId: string,
  provider: ProviderName,
  email: string,
  subject: string | null,
): Promise<{ id: string; serverChanged: false }> {
  const [account] = await tx<{ id: string }[]>`
    insert into accounts (user_id, provider, email, subject)
    values (${userId}, ${provider}, ${email}, ${subject})
    on conflict (provider, email) where provider <> 'imap' do update
       set access_token = null, access_token_expires_at = null, subject = coalesce(accounts.subject, excluded.subject),
           status = 'active', needs_reauth_at = null, reauth_notified_at = null, last_error = null
     where accounts.user_id = ${userId}
       and (accounts.subject is null or excluded.subject is null or accounts.subject = excluded.subject)
    returning id`;
  if (!account) throw new AccountOwnedElsewhereError(email);
  return { id: account.id, serverChanged: false };
}

/**
 * An IMAP mailbox is who the server accepted the password for (imapIdentity: host, port, login),
 * never the address typed next to it. The same identity is this user's mailbox again (the
 * address it is shown under may change), or another user's (refused: one mailbox, one user).
 * Otherwise this user's own IMAP mailbox of the same address takes the new server (the mailbox
 * moved), or a new one is made. Another user's mailbox of the same address is never looked at:
 * an address proves nothing over IMAP, so it can neither reach that user nor block this one.
 */
async function upsertImapAccount(
  tx: TransactionSql,
  userId: string,
  email: string,
  server: ImapServerSettings | null | undefined,
): Promise<{ id: string; serverChanged: boolean }> {
  if (!server) throw new Error('An IMAP account needs its server');
  const identity = imapIdentity(server);
  const reconnected = `access_token = null, access_token_expires_at = null, status = 'active', needs_reauth_at = null,
                       reauth_notified_at = null, last_error = null`;
  const [same] = await tx<{ id: string; userId: string }[]>`
    select id, user_id as "userId" from accounts where provider = 'imap' and subject = ${identity} for update`;
  if (same) {
    if (same.userId !== userId) throw new AccountOwnedElsewhereError(email);
    await tx.unsafe(`update accounts set email = $1, ${reconnected} where id = $2`, [email, same.id]);
    return { id: same.id, serverChanged: false };
  }
  const [moved] = await tx<{ id: string; server: ImapServerSettings | null }[]>`
    select id, imap_server as server from accounts
     where provider = 'imap' and user_id = ${userId} and email = ${email}
     order by created_at limit 1 for update`;
  if (moved) {
    await tx.unsafe(`update accounts set subject = $1, ${reconnected} where id = $2`, [identity, moved.id]);
    return { id: moved.id, serverChanged: !moved.server || imapIdentity(moved.server) !== identity };
  }
  const [made] = await tx<{ id: string }[]>`
    insert into accounts (user_id, provider, email, subject) values (${userId}, 'imap', ${email}, ${identity})
    on conflict (provider, subject) where provider = 'imap' do nothing
    returning id`;
  // Another user connected the same identity in the meantime.
  if (!made) throw new AccountOwnedElsewhereError(email);
  return { id: made.id, serverChanged: false };
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
