import type { Sql } from 'postgres';
import { normalizeAddress } from '../contacts/normalize-address.ts';

export interface LocalAccount {
  userId: string;
  accountId: string;
  /** Every normalized address of the user known so far (account, aliases, learned). */
  addresses: Set<string>;
}

/**
 * The user an import belongs to (created when unknown, by the owner's address) and their
 * `local` account, which holds everything imported from files. The owner's address and the
 * given aliases become the user's own addresses. A local account has no grant and no sync
 * streams: the scheduler never touches it.
 */
export async function ensureLocalAccount(sql: Sql, ownerEmail: string, aliases: readonly string[] = []): Promise<LocalAccount> {
  const owner = normalizeAddress(ownerEmail);
  if (owner === null) throw new Error(`--owner: not an e-mail address: ${ownerEmail}`);
  const aliasKeys: string[] = [];
  for (const alias of aliases) {
    const key = normalizeAddress(alias);
    if (key === null) throw new Error(`--aliases: not an e-mail address: ${alias}`);
    aliasKeys.push(key);
  }
  const email = ownerEmail.trim().toLowerCase();
  return sql.begin(async (tx) => {
    const [user] = await tx<{ id: string }[]>`
      insert into users (email) values (${email})
      on conflict (email) do update set email = excluded.email
      returning id`;
    const userId = user!.id;
    const [account] = await tx<{ id: string }[]>`
      insert into accounts (user_id, provider, email) values (${userId}, 'local', ${email})
      on conflict (provider, email) where provider <> 'imap' do update set email = excluded.email
      where accounts.user_id = ${userId}
      returning id`;
    if (!account) throw new Error(`The local mailbox ${email} belongs to another user`);
    await tx`
      insert into user_addresses (user_id, address, source) values (${userId}, ${owner}, 'account')
      on conflict do nothing`;
    if (aliasKeys.length > 0) {
      await tx`
        insert into user_addresses (user_id, address, source)
        select ${userId}, unnest(${aliasKeys}::text[]), 'alias'
        on conflict do nothing`;
    }
    const known = await tx<{ address: string }[]>`select address from user_addresses where user_id = ${userId}`;
    return { userId, accountId: account.id, addresses: new Set(known.map((k) => k.address)) };
  });
}
