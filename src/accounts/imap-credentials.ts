import type { Sql } from '../db/client.ts';
import type { ImapServerSettings } from '../db/schema.ts';
import type { ImapCredentials } from '../providers/imap/imap-session.ts';
import { tokenContext, type TokenCipher } from '../security/token-cipher.ts';

/**
 * An IMAP account's server and app password, as connectImapAccount stored them: the password
 * is the account's `refresh_token` ciphertext (the same key, rotation and associated data as an
 * OAuth grant), decrypted only here, at connect time.
 */
export async function imapCredentials(sql: Sql, accountId: string, cipher: TokenCipher): Promise<ImapCredentials> {
  const [row] = await sql<{ server: ImapServerSettings | null; secret: string | null }[]>`
    select imap_server as server, refresh_token as secret from accounts where id = ${accountId} and provider = 'imap'`;
  if (!row?.server || !row.secret) throw new Error(`IMAP account ${accountId} has no server or app password; connect it again`);
  return { server: row.server, password: cipher.decrypt(row.secret, tokenContext('refresh_token', accountId)) };
}
