import { parseArgs } from 'node:util';
import { findUserByEmail } from '../accounts/connect-account.ts';
import { getConfig } from '../config/env.ts';
import { decideIdentity } from '../contact-store/identity-decisions.ts';
import { recomputeContacts } from '../contact-store/recompute-contacts.ts';
import { normalizeAddress } from '../contacts/normalize-address.ts';
import { createDatabase } from '../db/client.ts';
import { UsageError } from './usage-error.ts';

const ACTIONS = ['merge', 'split', 'undo'] as const;

/**
 * The user's word on identity, which overrides the automatic rules: `merge` two addresses
 * into one person, `split` two the rules merged, `undo` either. Contacts are recomputed.
 */
export async function identityCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args: argv, options: { user: { type: 'string' } }, allowPositionals: true, strict: true });
  const [action, first, second, ...extra] = positionals;
  if (!action || !(ACTIONS as readonly string[]).includes(action))
    throw new UsageError(`expected one of ${ACTIONS.join(', ')}, got ${action ? `"${action}"` : 'nothing'}`);
  if (!first || !second || extra.length > 0) throw new UsageError('expected exactly two addresses');
  for (const address of [first, second])
    if (normalizeAddress(address) === null) throw new UsageError(`not an e-mail address: "${address}"`);
  if (!values.user) throw new UsageError('--user is required');
  const database = createDatabase(getConfig().DATABASE_URL, { max: 2 });
  try {
    const user = await findUserByEmail(database.sql, values.user);
    if (!user) throw new UsageError(`No user ${values.user}. Connect a mailbox or import mail for them first.`);
    try {
      await decideIdentity(database.sql, user.id, first, second, action as (typeof ACTIONS)[number]);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    await recomputeContacts(database.sql, user.id);
    const said = action === 'merge' ? 'are now one person' : action === 'split' ? 'are now two people' : 'follow the automatic rules again';
    process.stdout.write(`${first} and ${second} ${said}.\n`);
  } finally {
    await database.close();
  }
}
