/**
 * When a person disconnects a mailbox or deletes their account, rekindle also gives up its
 * access at the provider, so nothing is left that could read their mail — not even a token in
 * a backup. Best effort, after the rows are gone: a provider that cannot be reached changes
 * nothing the person sees (their data is deleted either way), and the page says what to do.
 *
 * Microsoft's identity platform has no endpoint that withdraws one app's refresh token for a
 * user (revoking sign-in sessions needs a write scope rekindle does not ask for); there the
 * token is deleted and the person is pointed at their account's app permissions.
 */
import type { Logger } from 'pino';
import type { Config } from '../config/env.ts';
import type { Sql } from '../db/client.ts';
import { revokeGoogleGrant, type RevokeOutcome } from '../providers/google/revoke-google-grant.ts';
import { tokenContext, type TokenCipher } from '../security/token-cipher.ts';

export type WithdrawOutcome = RevokeOutcome | 'not-offered';

export interface HeldGrant {
  accountId: string;
  provider: string;
  refreshToken: string;
}

/**
 * The grants a user's mailboxes hold (one mailbox with `accountId`), read before their rows are
 * deleted. A token that no longer decrypts (a retired key) is skipped: nothing can use it.
 */
export async function heldGrants(sql: Sql, cipher: TokenCipher, userId: string, accountId?: string): Promise<HeldGrant[]> {
  const rows = await sql<{ id: string; provider: string; refreshToken: string | null }[]>`
    select id, provider, refresh_token as "refreshToken" from accounts
     where user_id = ${userId} ${accountId ? sql`and id = ${accountId}` : sql``}`;
  return rows.flatMap((row) => {
    if (!row.refreshToken) return [];
    try {
      return [
        {
          accountId: row.id,
          provider: row.provider,
          refreshToken: cipher.decrypt(row.refreshToken, tokenContext('refresh_token', row.id)),
        },
      ];
    } catch {
      return [];
    }
  });
}

export async function withdrawAccess(config: Config, grant: HeldGrant, logger: Logger): Promise<WithdrawOutcome> {
  if (grant.provider !== 'google' || !config.GOOGLE_CLIENT_ID || !config.GOOGLE_CLIENT_SECRET || !grant.refreshToken) return 'not-offered';
  const { outcome, error } = await revokeGoogleGrant({
    clientId: config.GOOGLE_CLIENT_ID,
    clientSecret: config.GOOGLE_CLIENT_SECRET,
    tokenUrl: config.GOOGLE_TOKEN_URL,
    refreshToken: grant.refreshToken,
  });
  if (outcome === 'failed')
    logger.warn(
      { accountId: grant.accountId, err: error },
      'could not revoke the Google grant; the tokens are deleted, the person can remove access in their Google account',
    );
  else logger.info({ accountId: grant.accountId, outcome }, 'Google grant revoked');
  return outcome;
}

/** Where a person withdraws rekindle's access themselves. */
export const ACCESS_PAGES: Record<string, string> = {
  google: 'Google Account → Security → Third-party connections',
  microsoft: 'Microsoft account → Privacy → Apps and services (work or school: My Apps → Manage your applications)',
  imap: "revoke the app password you made for rekindle in your mail provider's security settings",
};
