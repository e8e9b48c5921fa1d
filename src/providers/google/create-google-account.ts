import { calendar as calendarApi } from '@googleapis/calendar';
import { gmail as gmailApi } from '@googleapis/gmail';
import type { Logger } from 'pino';
import type { ProviderAccount, RequestGate, TokenStore } from '../types.ts';
import { createGmailMailSource, GMAIL_UNITS } from './gmail-mail-source.ts';
import { createGoogleAuth } from './google-auth.ts';
import { createGoogleCalendarSource } from './google-calendar-source.ts';
import { createGoogleCaller } from './google-call.ts';
import { googleTransport } from './google-transport.ts';

export interface GoogleAccountOptions {
  clientId: string;
  clientSecret: string;
  /** Root URL of both APIs (an emulator's address); default Google's own endpoints. */
  apiUrl?: string;
  /** OAuth token endpoint; default https://oauth2.googleapis.com/token. */
  tokenUrl?: string;
  /** Loaded at first use; every refreshed access token (and expiry) is saved back. */
  tokens: TokenStore;
  /** Gmail's per-user quota in units: getProfile 1, messages.list 5, messages.get 5, history.list 2. */
  mailGate: RequestGate;
  /** Calendar: 1 per request. */
  calendarGate: RequestGate;
  /** Ids and counts at info; never addresses or subjects. */
  logger?: Logger;
  /** messages.list and history.list maxResults; default (and Gmail's maximum) 500. */
  pageSize?: number;
  /** Per-request timeout, token requests included; default 30 s. A timeout is `transient`. */
  timeoutMs?: number;
}

/**
 * One connected Google account: Gmail (metadata scope) and the primary Google Calendar, through
 * the real Google clients (@googleapis/gmail, @googleapis/calendar). Nothing is fetched until the first call.
 */
export function createGoogleAccount(options: GoogleAccountOptions): ProviderAccount {
  const logger = options.logger;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const auth = createGoogleAuth({
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    tokenUrl: options.tokenUrl,
    tokens: options.tokens,
    timeoutMs,
    logger,
  });
  // rootUrl must be given per API: the global google.options({rootUrl}) does not reach them.
  // `retry: false` switches off googleapis-common's default retry (the gate retries instead).
  // `adapter`: requests travel over Node's http with shared keep-alive agents (google-transport.ts).
  const common = {
    auth: auth.client,
    retry: false,
    timeout: timeoutMs,
    adapter: googleTransport,
    ...(options.apiUrl ? { rootUrl: options.apiUrl } : {}),
  };
  const gmail = gmailApi({ version: 'v1', ...common });
  const calendar = calendarApi({ version: 'v3', ...common });
  const mailCall = createGoogleCaller(auth, options.mailGate, logger);
  const calendarCall = createGoogleCaller(auth, options.calendarGate, logger);

  // The historyId of the last getProfile answer, for the mail walk if it starts right after.
  let profileHistoryId: string | null = null;
  return {
    async profile() {
      const profile = await mailCall('gmail.users.getProfile', GMAIL_UNITS.getProfile, () => gmail.users.getProfile({ userId: 'me' }));
      profileHistoryId = profile.historyId ?? null;
      // Send-as aliases live in users.settings.sendAs, which gmail.metadata cannot read (it needs
      // gmail.settings.basic or gmail.readonly); rekindle does not ask for more than metadata.
      return { email: profile.emailAddress ?? '', aliases: [] };
    },
    mail: createGmailMailSource({
      gmail,
      call: mailCall,
      pageSize: options.pageSize ?? 500,
      logger,
      takeProfileHistoryId: () => {
        const taken = profileHistoryId;
        profileHistoryId = null;
        return taken;
      },
    }),
    calendar: createGoogleCalendarSource({ calendar, call: calendarCall, logger }),
  };
}
