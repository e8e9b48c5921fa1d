import type { Sql } from '../db/client.ts';
import type { StoredTokens, TokenStore } from '../providers/types.ts';

/** Tokens of one account, kept in Postgres; every refresh (and rotation) is saved at once. */
export function accountTokenStore(sql: Sql, accountId: string): TokenStore {
  return {
    async load(): Promise<StoredTokens> {
      const [row] = await sql<StoredTokens[]>`
        select refresh_token as "refreshToken", access_token as "accessToken",
               access_token_expires_at as "accessTokenExpiresAt"
          from accounts where id = ${accountId}`;
      if (!row?.refreshToken) throw new Error(`Account ${accountId} has no refresh token; reconnect it`);
      return row;
    },
    async save(tokens: StoredTokens): Promise<void> {
      await sql`
        update accounts
           set refresh_token = ${tokens.refreshToken}, access_token = ${tokens.accessToken},
               access_token_expires_at = ${tokens.accessTokenExpiresAt}
         where id = ${accountId}`;
    },
  };
}
