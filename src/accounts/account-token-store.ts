import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { accounts } from '../db/schema.ts';
import type { StoredTokens, TokenStore } from '../providers/types.ts';

/** Tokens of one account, kept in Postgres; every refresh (and rotation) is saved at once. */
export function accountTokenStore(db: Db, accountId: string): TokenStore {
  return {
    async load(): Promise<StoredTokens> {
      const [row] = await db
        .select({
          refreshToken: accounts.refreshToken,
          accessToken: accounts.accessToken,
          accessTokenExpiresAt: accounts.accessTokenExpiresAt,
        })
        .from(accounts)
        .where(eq(accounts.id, accountId));
      if (!row?.refreshToken) throw new Error(`Account ${accountId} has no refresh token; reconnect it`);
      return { refreshToken: row.refreshToken, accessToken: row.accessToken, accessTokenExpiresAt: row.accessTokenExpiresAt };
    },
    async save(tokens: StoredTokens): Promise<void> {
      await db
        .update(accounts)
        .set({
          refreshToken: tokens.refreshToken,
          accessToken: tokens.accessToken,
          accessTokenExpiresAt: tokens.accessTokenExpiresAt,
        })
        .where(eq(accounts.id, accountId));
    },
  };
}
