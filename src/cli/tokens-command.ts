import { parseArgs } from 'node:util';
import { reencryptTokens } from '../accounts/reencrypt-tokens.ts';
import { getConfig } from '../config/env.ts';
import { createDatabase } from '../db/client.ts';
import { createdDatabaseLine, runMigrations } from '../db/migrate.ts';
import { tokenCipherFor } from '../security/token-cipher.ts';
import { UsageError } from './usage-error.ts';

/**
 * `rekindle tokens reencrypt [--json]`: rewrites every stored OAuth token under the first key of
 * TOKEN_ENCRYPTION_KEYS (see docs/operations.md, "Rotating the token key"). Exits 1 when some token could
 * not be decrypted with any configured key.
 */
export async function tokensCommand(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { json: { type: 'boolean', default: false } } });
  if (positionals[0] !== 'reencrypt' || positionals.length !== 1) throw new UsageError('expected: tokens reencrypt');
  const config = getConfig();
  const cipher = tokenCipherFor(config);
  const { created } = await runMigrations(config.DATABASE_URL);
  if (created) process.stderr.write(`${createdDatabaseLine(config.DATABASE_URL)}\n`);
  const database = createDatabase(config.DATABASE_URL, { max: 2 });
  try {
    const result = await reencryptTokens(database.sql, cipher);
    if (values.json) process.stdout.write(`${JSON.stringify({ key: cipher.currentKeyId, ...result })}\n`);
    else {
      process.stdout.write(
        `Re-encrypted the tokens of ${result.reencrypted} account(s) under key "${cipher.currentKeyId}"; ${result.current} already were.\n`,
      );
      for (const f of result.failed) process.stdout.write(`  account ${f.accountId}: ${f.reason}\n`);
    }
    if (result.failed.length > 0) {
      throw new Error(
        `${result.failed.length} account(s) hold tokens no configured key decrypts; keep their key in TOKEN_ENCRYPTION_KEYS or have them reconnect`,
      );
    }
  } finally {
    await database.close();
  }
}
