/** Scenario 4, many users: the sync of thousands of small accounts, then their weekly digests. */
import { manyAccounts, type ManyAccountsOptions } from './many-accounts.ts';
import { manyDigests } from './many-digests.ts';

export async function manyUsers(options: ManyAccountsOptions & { digests: number }) {
  const sync = await manyAccounts(options);
  const digests = await manyDigests({
    digests: options.digests,
    naiveSeconds: options.naiveSeconds,
    ...(options.progress ? { progress: options.progress } : {}),
  });
  return { sync, digests };
}
