import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { accountTokenStore } from '../accounts/account-token-store.ts';
import { requireGoogleCredentials, requireMicrosoftCredentials, type Config } from '../config/env.ts';
import type { Sql } from '../db/client.ts';
import { createGoogleAccount } from '../providers/google/create-google-account.ts';
import { createImapAccount } from '../providers/imap/create-imap-account.ts';
import { imapCredentials } from '../accounts/imap-credentials.ts';
import { resolveCalendarSources } from '../accounts/calendar-sources.ts';
import { createMicrosoftAccount } from '../providers/microsoft/create-microsoft-account.ts';
import type { RefreshLock } from '../providers/microsoft/microsoft-auth.ts';
import type { ProviderAccount, RequestGate } from '../providers/types.ts';
import { tokenCipherFor } from '../security/token-cipher.ts';
import { bucketShape, createRedisBucket, windowBucketShape } from './quota-bucket.ts';
import { createRequestGate } from './request-gate.ts';
import type { ClaimedStream } from './stream-lease.ts';

export type ProviderFor = (claim: ClaimedStream) => ProviderAccount & { spent(): number };

/**
 * The only place that maps an account to its provider implementation. Each account gets
 * request gates whose pace is shared through Redis by every worker process.
 */
export function providerRegistry(deps: { config: Config; sql: Sql; redis: Redis; logger: Logger }): ProviderFor {
  const { config, sql, redis, logger } = deps;
  const cipher = tokenCipherFor(config);
  /** `cost`: units of the typical request, to size how many must be in flight to use the quota. */
  const gate = (key: string, unitsPerMinute: number, cost: number): RequestGate =>
    createRequestGate({
      bucket: createRedisBucket(redis, `${config.QUEUE_PREFIX}:quota:${key}`, bucketShape(unitsPerMinute)),
      concurrency: config.SYNC_REQUEST_CONCURRENCY ?? concurrencyFor(unitsPerMinute, cost),
      logger,
    });

  return (claim) => {
    const log = logger.child({ accountId: claim.accountId, provider: claim.provider });
    switch (claim.provider) {
      case 'google': {
        const { clientId, clientSecret } = requireGoogleCredentials(config);
        const mailGate = gate(`${claim.accountId}:gmail`, config.GMAIL_QUOTA_UNITS_PER_MINUTE, 5);
        const calendarGate = gate(`${claim.accountId}:gcal`, config.CALENDAR_REQUESTS_PER_MINUTE, 1);
        const account = createGoogleAccount({
          clientId,
          clientSecret,
          apiUrl: config.GOOGLE_API_URL,
          tokenUrl: config.GOOGLE_TOKEN_URL,
          tokens: accountTokenStore(sql, claim.accountId, cipher),
          mailGate,
          calendarGate,
          logger: log,
          pageSize: config.SYNC_PAGE_SIZE,
          timeoutMs: config.PROVIDER_TIMEOUT_SECONDS * 1000,
        });
        return {
          profile: () => account.profile(),
          mail: account.mail,
          calendar: account.calendar,
          spent: () => (claim.stream === 'mail' ? mailGate.spent : calendarGate.spent),
        };
      }
      case 'microsoft': {
        const { clientId, clientSecret } = requireMicrosoftCredentials(config);
        // Outlook limits each mailbox, mail and calendar together: one request budget over 10
        // minutes, and 4 requests in flight. Both gates share one budget (and its Retry-After
        // pause); mail gets 3 in flight and calendar 1. A stream runs in one job at a time (its
        // lease), so across every worker process a mailbox never has more than 4 in flight.
        const budget = createRedisBucket(
          redis,
          `${config.QUEUE_PREFIX}:quota:${claim.accountId}:graph`,
          windowBucketShape(config.GRAPH_REQUESTS_PER_10_MINUTES, 10 * 60_000),
        );
        const mailGate = createRequestGate({ bucket: budget, concurrency: Math.min(3, config.SYNC_REQUEST_CONCURRENCY ?? 3), logger });
        const calendarGate = createRequestGate({ bucket: budget, concurrency: 1, logger });
        const account = createMicrosoftAccount({
          clientId,
          clientSecret,
          tenant: config.MICROSOFT_TENANT,
          graphUrl: config.MICROSOFT_GRAPH_URL,
          loginUrl: config.MICROSOFT_LOGIN_URL,
          tokens: accountTokenStore(sql, claim.accountId, cipher),
          refreshLock: tokenLock(sql, claim.accountId),
          mailGate,
          calendarGate,
          logger: log,
          pageSize: config.SYNC_PAGE_SIZE,
          timeoutMs: config.PROVIDER_TIMEOUT_SECONDS * 1000,
        });
        return {
          profile: () => account.profile(),
          mail: account.mail,
          calendar: account.calendar,
          spent: () => (claim.stream === 'mail' ? mailGate.spent : calendarGate.spent),
        };
      }
      case 'imap': {
        // IMAP servers publish no quota to pace under: the account's one connection
        // (imap-session.ts) is the limit, and no quota units are spent. CalDAV servers publish
        // none either: the calendar stream makes one request at a time.
        const account = createImapAccount({
          email: claim.accountEmail,
          credentials: () => imapCredentials(sql, claim.accountId, cipher),
          calendarSources: () => resolveCalendarSources(sql, claim.accountId, cipher),
          pageSize: config.SYNC_PAGE_SIZE,
          timeoutMs: config.PROVIDER_TIMEOUT_SECONDS * 1000,
          logger: log,
          // The servers were named by a person: checked at every connection, not only when connected.
          network: { allowPrivate: config.ALLOW_PRIVATE_SERVERS },
        });
        return { ...account, spent: () => 0 };
      }
      default:
        throw new Error(`Provider ${claim.provider} is not supported by this version of rekindle`);
    }
  };
}

/** Latency the default concurrency is sized for; slower answers leave some quota unused. */
const TYPICAL_LATENCY_SECONDS = 0.4;

/**
 * Little's law: requests in flight = request rate × latency. Enough to spend the whole quota
 * when answers take TYPICAL_LATENCY_SECONDS, and never so many that one account hogs sockets.
 */
export function concurrencyFor(unitsPerMinute: number, costPerRequest: number): number {
  const requestsPerSecond = unitsPerMinute / 60 / costPerRequest;
  return Math.min(100, Math.max(4, Math.ceil(requestsPerSecond * TYPICAL_LATENCY_SECONDS)));
}

/**
 * A Postgres advisory lock on one account's tokens, held on a reserved connection while `fn`
 * runs: Microsoft rotates refresh tokens, so the account's mail and calendar jobs (in any
 * process) must take turns to refresh. A process that dies lets go with its connection.
 */
function tokenLock(sql: Sql, accountId: string): RefreshLock {
  const key = `rekindle:tokens:${accountId}`;
  return async (fn) => {
    const connection = await sql.reserve();
    try {
      await connection`select pg_advisory_lock(hashtextextended(${key}, 0))`;
      try {
        return await fn();
      } finally {
        await connection`select pg_advisory_unlock(hashtextextended(${key}, 0))`;
      }
    } finally {
      connection.release();
    }
  };
}
