import type { Logger } from 'pino';
import type { ProviderAccount, RequestGate, TokenStore } from '../types.ts';
import { createGraphCalendarSource } from './graph-calendar-source.ts';
import { createGraphCaller } from './graph-call.ts';
import { assertSafeUrl, createGraphClient } from './graph-client.ts';
import { createGraphMailSource } from './graph-mail-source.ts';
import { mapGraphProfile, USER_SELECT, type GraphUser } from './map-graph-profile.ts';
import { createMicrosoftAuth, MICROSOFT_LOGIN_URL, type RefreshLock } from './microsoft-auth.ts';

export interface MicrosoftAccountOptions {
  clientId: string;
  clientSecret: string;
  /** `common` (work, school and personal accounts), `organizations`, `consumers` or a tenant id. */
  tenant?: string;
  /** Graph's root (an emulator's address); default https://graph.microsoft.com. */
  graphUrl?: string;
  /** The identity platform's root; default https://login.microsoftonline.com. */
  loginUrl?: string;
  /** Loaded at first use; every refresh (a new refresh token each time) is saved back at once. */
  tokens: TokenStore;
  /** See MicrosoftAuthOptions.refreshLock. */
  refreshLock?: RefreshLock;
  /**
   * Graph requests of the mailbox: 1 unit each. The mail and calendar gates must share one
   * request budget, and their concurrencies must add up to at most 4 (Outlook's limit per mailbox).
   */
  mailGate: RequestGate;
  calendarGate: RequestGate;
  /** Ids and counts at info; never addresses or subjects. */
  logger?: Logger;
  /** Items per delta page (`Prefer: odata.maxpagesize`); default 500, at most 1000. */
  pageSize?: number;
  /** Per-request timeout, token requests included; default 30 s. A timeout is `transient`. */
  timeoutMs?: number;
}

/**
 * One connected Microsoft 365 / Outlook.com account: mail (Mail.ReadBasic) and the default
 * calendar (Calendars.ReadBasic) through the real `@microsoft/microsoft-graph-client`. Nothing is
 * fetched until the first call.
 */
export function createMicrosoftAccount(options: MicrosoftAccountOptions): ProviderAccount {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const loginUrl = (options.loginUrl ?? MICROSOFT_LOGIN_URL).replace(/\/+$/, '');
  assertSafeUrl(loginUrl, 'Microsoft login URL');
  const auth = createMicrosoftAuth({
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    tokenUrl: `${loginUrl}/${encodeURIComponent(options.tenant ?? 'common')}/oauth2/v2.0/token`,
    tokens: options.tokens,
    timeoutMs,
    ...(options.refreshLock ? { refreshLock: options.refreshLock } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  const client = createGraphClient({ ...(options.graphUrl ? { graphUrl: options.graphUrl } : {}), timeoutMs });
  const mailCall = createGraphCaller(client, auth, options.mailGate, options.logger);
  const calendarCall = createGraphCaller(client, auth, options.calendarGate, options.logger);
  const pageSize = options.pageSize ?? 500;

  return {
    async profile() {
      const me = await mailCall<GraphUser>('graph.me', '/me', (r) => r.select([...USER_SELECT]));
      return mapGraphProfile(me);
    },
    mail: createGraphMailSource({ call: mailCall, pageSize, ...(options.logger ? { logger: options.logger } : {}) }),
    calendar: createGraphCalendarSource({ call: calendarCall, pageSize, ...(options.logger ? { logger: options.logger } : {}) }),
  };
}
