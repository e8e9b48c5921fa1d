import { and, eq, sql } from 'drizzle-orm';
import { normalizeAddress } from '../contacts/normalize-address.ts';
import type { Db } from '../db/client.ts';
import { accounts, syncStreams, userAddresses, users, type ProviderName } from '../db/schema.ts';

export interface ConnectAccountInput {
  /** The person's address (digests go here); a new user is created when unknown. */
  userEmail: string;
  provider: ProviderName;
  /** The mailbox's primary address. */
  accountEmail: string;
  refreshToken: string;
  timezone?: string;
}

/**
 * Connects (or reconnects) a mailbox: the user, the account with its grant, the account's
 * address as one of the user's own, and due sync streams for mail and calendar. Reconnecting
 * a known mailbox keeps its cursors and data, replaces the grant and resumes syncing.
 */
export async function connectAccount(db: Db, input: ConnectAccountInput): Promise<{ userId: string; accountId: string }> {
  const userEmail = input.userEmail.trim().toLowerCase();
  const accountEmail = input.accountEmail.trim().toLowerCase();
  const ownAddress = normalizeAddress(accountEmail);
  if (!ownAddress) throw new Error(`Not an e-mail address: ${input.accountEmail}`);

  return db.transaction(async (tx) => {
    const [user] = await tx
      .insert(users)
      .values({ email: userEmail, timezone: input.timezone ?? 'UTC' })
      .onConflictDoUpdate({ target: users.email, set: { email: sql`excluded.email` } })
      .returning({ id: users.id });
    const userId = user!.id;

    const [account] = await tx
      .insert(accounts)
      .values({ userId, provider: input.provider, email: accountEmail, refreshToken: input.refreshToken })
      .onConflictDoUpdate({
        target: [accounts.provider, accounts.email],
        set: {
          refreshToken: input.refreshToken,
          accessToken: null,
          accessTokenExpiresAt: null,
          status: 'active',
          needsReauthAt: null,
          lastError: null,
        },
        setWhere: eq(accounts.userId, userId),
      })
      .returning({ id: accounts.id });
    if (!account) throw new Error(`The mailbox ${accountEmail} is already connected by another user`);

    const addresses = new Set([ownAddress, normalizeAddress(userEmail)].filter((a): a is string => a !== null));
    await tx
      .insert(userAddresses)
      .values([...addresses].map((address) => ({ userId, address, source: 'account' as const })))
      .onConflictDoNothing();

    await tx
      .insert(syncStreams)
      .values([
        { accountId: account.id, stream: 'mail' as const },
        { accountId: account.id, stream: 'calendar' as const },
      ])
      .onConflictDoUpdate({
        target: [syncStreams.accountId, syncStreams.stream],
        set: { nextRunAt: sql`now()`, consecutiveFailures: 0, lastError: null },
      });
    return { userId, accountId: account.id };
  });
}

/** Adds addresses the user also writes from (aliases); they are never contacts. */
export async function addUserAliases(
  db: Db,
  userId: string,
  aliases: Iterable<string>,
  source: 'alias' | 'provider' = 'alias',
): Promise<void> {
  const values = [...aliases]
    .map((a) => normalizeAddress(a))
    .filter((a): a is string => a !== null)
    .map((address) => ({ userId, address, source }));
  if (values.length > 0) await db.insert(userAddresses).values(values).onConflictDoNothing();
}

export async function findUserByEmail(db: Db, email: string) {
  const [user] = await db
    .select()
    .from(users)
    .where(eq(users.email, email.trim().toLowerCase()));
  return user ?? null;
}

export async function ownerAddresses(db: Db, userId: string): Promise<string[]> {
  const rows = await db.select({ address: userAddresses.address }).from(userAddresses).where(and(eq(userAddresses.userId, userId)));
  return rows.map((r) => r.address);
}
