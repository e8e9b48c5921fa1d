import type { Sql } from '../db/client.ts';
import type { StoredTokens, TokenStore } from '../providers/types.ts';
import { defaultTokenCipher, tokenContext, type TokenCipher } from '../security/token-cipher.ts';

/**
 * Tokens of one account, kept in Postgres encrypted (src/security/token-cipher.ts); every
 * refresh (and rotation) is saved at once, under the current key.
 */
export function accountTokenStore(sql: Sql, accountId: string, cipher: TokenCipher = defaultTokenCipher()): TokenStore {
  const refreshContext = tokenContext('refresh_token', accountId);
  const accessContext = tokenContext('access_token', accountId);
  return {
    async load(): Promise<StoredTokens> {
      const [row] = await sql<StoredTokens[]>`
        select refresh_token as "refreshToken", access_token as "accessToken",
               access_token_expires_at as "accessTokenExpiresAt"
          from accounts where id = ${accountId}`;
      if (!row?.refreshToken) throw new Error(`Account ${accountId} has no refresh token; reconnect it`);
      return {
        refreshToken: cipher.decrypt(row.refreshToken, refreshContext),
        accessToken: row.accessToken ? cipher.decrypt(row.accessToken, accessContext) : null,
        accessTokenExpiresAt: row.accessTokenExpiresAt,
      };
    },
    async save(tokens: StoredTokens): Promise<void> {
      await sql`
        update accounts
           set refresh_token = ${cipher.encrypt(tokens.refreshToken, refreshContext)},
               access_token = ${tokens.accessToken ? cipher.encrypt(tokens.accessToken, accessContext) : null},
               access_token_expires_at = ${tokens.accessTokenExpiresAt}
         where id = ${accountId}`;
    },
  };
}
