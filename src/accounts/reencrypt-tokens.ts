/**
 * Key rotation, second half: re-encrypts every stored token that is not under the current key
 * (TOKEN_ENCRYPTION_KEYS' first). Safe while workers run: each row is rewritten only if its
 * ciphertext is still the one read (a refresh that saved a new token meanwhile wins, and its
 * token is already under the current key). Safe to run again; a second run finds nothing.
 */
import type { Sql } from '../db/client.ts';
import { tokenContext, TokenDecryptError, type TokenCipher } from '../security/token-cipher.ts';

export interface ReencryptResult {
  /** Accounts whose tokens were rewritten under the current key. */
  reencrypted: number;
  /** Accounts already entirely under the current key. */
  current: number;
  /** Accounts whose tokens no configured key decrypts (left untouched). */
  failed: { accountId: string; reason: string }[];
}

interface Row {
  id: string;
  refreshToken: string | null;
  accessToken: string | null;
  /** An IMAP account's calendar secrets (a CalDAV password, an .ics feed's URL). */
  calendarSecret: string | null;
}

export async function reencryptTokens(sql: Sql, cipher: TokenCipher, options: { batchSize?: number } = {}): Promise<ReencryptResult> {
  const batchSize = options.batchSize ?? 200;
  const result: ReencryptResult = { reencrypted: 0, current: 0, failed: [] };
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const rows = await sql<Row[]>`
      select id, refresh_token as "refreshToken", access_token as "accessToken", calendar_secret as "calendarSecret" from accounts
       where id > ${after} and (refresh_token is not null or access_token is not null or calendar_secret is not null)
       order by id limit ${batchSize}`;
    if (rows.length === 0) return result;
    after = rows.at(-1)!.id;
    for (const row of rows) {
      const stale = [row.refreshToken, row.accessToken, row.calendarSecret].some(
        (v) => v !== null && cipher.keyIdOf(v) !== cipher.currentKeyId,
      );
      if (!stale) {
        result.current++;
        continue;
      }
      try {
        const refresh = rewrap(cipher, row.refreshToken, tokenContext('refresh_token', row.id));
        const access = rewrap(cipher, row.accessToken, tokenContext('access_token', row.id));
        const calendar = rewrap(cipher, row.calendarSecret, tokenContext('calendar_secret', row.id));
        const updated = await sql`
          update accounts set refresh_token = ${refresh}, access_token = ${access}, calendar_secret = ${calendar}
           where id = ${row.id}
             and refresh_token is not distinct from ${row.refreshToken}
             and access_token is not distinct from ${row.accessToken}
             and calendar_secret is not distinct from ${row.calendarSecret}`;
        // Changed meanwhile: a refresh saved new tokens, already under the current key.
        if (updated.count === 1) result.reencrypted++;
        else result.current++;
      } catch (error) {
        if (!(error instanceof TokenDecryptError)) throw error;
        result.failed.push({ accountId: row.id, reason: error.message });
      }
    }
  }
}

function rewrap(cipher: TokenCipher, value: string | null, context: string): string | null {
  if (value === null) return null;
  if (cipher.keyIdOf(value) === cipher.currentKeyId) return value;
  return cipher.encrypt(cipher.decrypt(value, context), context);
}
