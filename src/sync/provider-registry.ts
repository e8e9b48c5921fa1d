import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { accountTokenStore } from '../accounts/account-token-store.ts';
import { requireGoogleCredentials, type Config } from '../config/env.ts';
import type { Sql } from '../db/client.ts';
import { createGoogleAccount } from '../providers/google/create-google-account.ts';
import type { ProviderAccount, RequestGate } from '../providers/types.ts';
import { bucketShape, createRedisBucket } from './quota-bucket.ts';
import { createRequestGate } from './request-gate.ts';
import type { ClaimedStream } from './stream-lease.ts';

export type ProviderFor = (claim: ClaimedStream) => ProviderAccount & { spent(): number };

/**
 * The only place that maps an account to its provider implementation. Each account gets
 * request gates whose pace is shared through Redis by every worker process.
 */
export function providerRegistry(deps: { config: Config; sql: Sql; redis: Redis; logger: Logger }): ProviderFor {
  const { config, sql, redis, logger } = deps;
  const gate = (key: string, unitsPerMinute: number): RequestGate =>
    createRequestGate({
      bucket: createRedisBucket(redis, `${config.QUEUE_PREFIX}:quota:${key}`, bucketShape(unitsPerMinute)),
      concurrency: config.SYNC_REQUEST_CONCURRENCY,
      logger,
    });

  return (claim) => {
    const log = logger.child({ accountId: claim.accountId, provider: claim.provider });
    switch (claim.provider) {
      case 'google': {
        const { clientId, clientSecret } = requireGoogleCredentials(config);
        const mailGate = gate(`${claim.accountId}:gmail`, config.GMAIL_QUOTA_UNITS_PER_MINUTE);
        const calendarGate = gate(`${claim.accountId}:gcal`, config.CALENDAR_REQUESTS_PER_MINUTE);
        const account = createGoogleAccount({
          clientId,
          clientSecret,
          apiUrl: config.GOOGLE_API_URL,
          tokenUrl: config.GOOGLE_TOKEN_URL,
          tokens: accountTokenStore(sql, claim.accountId),
          mailGate,
          calendarGate,
          logger: log,
          pageSize: config.SYNC_PAGE_SIZE,
        });
        return {
          profile: () => account.profile(),
          mail: account.mail,
          calendar: account.calendar,
          spent: () => (claim.stream === 'mail' ? mailGate.spent : calendarGate.spent),
        };
      }
      default:
        throw new Error(`Provider ${claim.provider} is not supported by this version of rekindle`);
    }
  };
}
