/**
 * Connecting a mailbox a provider authorized (OAuth): whose it becomes, then the account stored
 * with its grant and the addresses the provider says are the user's own.
 */
import type { Sql } from '../db/client.ts';
import type { AuthorizedMailbox } from '../providers/authorization.ts';
import type { TokenCipher } from '../security/token-cipher.ts';
import { AccountOwnedElsewhereError, addUserAliases, connectAccount } from './connect-account.ts';

/**
 * Whose mailbox this becomes: the signed-in user's; else the user who connected it before (this
 * is how they sign in again) — for Microsoft only when it is the same Microsoft principal, as a
 * tenant's admin can give anyone any `mail`; else, when the provider vouches for the address,
 * the user of that address; else a new user named by the mailbox. A Microsoft sign-in whose
 * address a user already has, by another principal or none on record, signs nobody in.
 */
export async function ownerOf(
  sql: Sql,
  sessionUserId: string | null,
  provider: string,
  mailbox: AuthorizedMailbox,
): Promise<{ ok: true; email: string } | { ok: false; why: string }> {
  if (sessionUserId) {
    const [user] = await sql<{ email: string }[]>`select email from users where id = ${sessionUserId}`;
    if (user) return { ok: true, email: user.email };
  }
  const [known] = await sql<{ email: string; subject: string | null }[]>`
    select u.email, a.subject from accounts a join users u on u.id = a.user_id where a.provider = ${provider} and a.email = ${mailbox.email}`;
  if (known) {
    if (mailbox.addressVerified || (known.subject !== null && known.subject === mailbox.subject)) return { ok: true, email: known.email };
    return { ok: false, why: known.subject === null ? 'mailbox has no subject on record' : 'another principal' };
  }
  const [user] = await sql<{ id: string }[]>`select id from users where email = ${mailbox.email}`;
  if (user && !mailbox.addressVerified) return { ok: false, why: 'address of an existing user' };
  return { ok: true, email: mailbox.email };
}

/** Stores the mailbox for the user of `ownerEmail`; null when another user's account holds it. */
export async function connectAuthorizedMailbox(
  sql: Sql,
  cipher: TokenCipher,
  connection: { ownerEmail: string; provider: 'google' | 'microsoft'; mailbox: AuthorizedMailbox; timezone: string | null },
): Promise<{ userId: string; accountId: string } | null> {
  const { mailbox, provider } = connection;
  let connected: { userId: string; accountId: string };
  try {
    connected = await connectAccount(
      sql,
      {
        userEmail: connection.ownerEmail,
        provider,
        accountEmail: mailbox.email,
        refreshToken: mailbox.refreshToken,
        timezone: connection.timezone ?? undefined,
        subject: mailbox.subject,
      },
      cipher,
    );
  } catch (error) {
    if (error instanceof AccountOwnedElsewhereError) return null;
    throw error;
  }
  if (mailbox.aliases.length > 0) await addUserAliases(sql, connected.userId, mailbox.aliases, 'provider');
  return connected;
}
