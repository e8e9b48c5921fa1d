/**
 * Each way a provider answer can break on the wire, once, against the real googleapis and
 * Graph clients: a connection reset, JSON cut short (API and token answers), no answer until
 * the timeout. Each must be a retryable failure the gate retries — never an empty page, and
 * never a "permanent" error that parks the account for hours. (npm run chaos found the cut-short
 * ones: Google's token answer crashed google-auth-library, Graph's delta page was permanent.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGoogleEmulator, type GoogleEmulator } from '../../fakes/google/index.ts';
import { startGraphEmulator, type GraphEmulator } from '../../fakes/microsoft/index.ts';
import type { Fault } from '../../fakes/shared/fault-list.ts';
import { createGoogleAccount } from '../../src/providers/google/create-google-account.ts';
import { createMicrosoftAccount } from '../../src/providers/microsoft/create-microsoft-account.ts';
import type { ProviderAccount } from '../../src/providers/types.ts';
import { createRequestGate } from '../../src/sync/request-gate.ts';
import { memoryTokenStore, walkMail } from '../../testkit/provider-contract.ts';

const messages = Array.from({ length: 12 }, (_, i) => {
  const at = new Date(Date.UTC(2024, 4, 1, 8, i));
  return {
    id: (0x1000 + i).toString(16),
    threadId: (0x1000 + i).toString(16),
    labelIds: i % 2 ? ['SENT'] : ['INBOX'],
    internalDate: at.toISOString(),
    headers: [
      { name: 'Message-ID', value: `<wire-${i}@example.com>` },
      { name: 'Date', value: at.toUTCString() },
      { name: 'From', value: i % 2 ? 'owner@example.com' : `Friend ${i} <friend${i}@example.org>` },
      { name: 'To', value: i % 2 ? `friend${i}@example.org` : 'owner@example.com' },
      { name: 'Subject', value: `Hello ${i}` },
    ],
  };
});

let google: GoogleEmulator;
let graph: GraphEmulator;
let mailboxes = 0;

beforeAll(async () => {
  google = await startGoogleEmulator({ quotaUnitsPerMinute: null });
  graph = await startGraphEmulator({ requestsPer10Minutes: null });
});
afterAll(async () => {
  await google?.close();
  await graph?.close();
});

function gate() {
  return createRequestGate({ concurrency: 2, attempts: 4 });
}

function googleAccount(): { email: string; account: ProviderAccount } {
  const email = `owner${++mailboxes}@example.com`;
  google.addMailbox({ email, messages });
  const refreshToken = google.issueRefreshToken(email);
  const account = createGoogleAccount({
    clientId: google.clientId,
    clientSecret: google.clientSecret,
    apiUrl: google.url,
    tokenUrl: google.tokenUrl,
    tokens: memoryTokenStore({ refreshToken, accessToken: null, accessTokenExpiresAt: null }),
    mailGate: gate(),
    calendarGate: gate(),
    pageSize: 5,
    timeoutMs: 500,
  });
  return { email, account };
}

function microsoftAccount(): { email: string; account: ProviderAccount } {
  const email = `owner${++mailboxes}@example.com`;
  graph.addMailbox({ email, messages });
  const refreshToken = graph.issueRefreshToken(email);
  const account = createMicrosoftAccount({
    clientId: graph.clientId,
    clientSecret: graph.clientSecret,
    graphUrl: graph.graphUrl,
    loginUrl: graph.loginUrl,
    tokens: memoryTokenStore({ refreshToken, accessToken: null, accessTokenExpiresAt: null }),
    mailGate: gate(),
    calendarGate: gate(),
    pageSize: 5,
    timeoutMs: 500,
  });
  return { email, account };
}

const wires: Fault['wire'][] = ['reset', 'truncate', 'timeout'];

describe.each([
  {
    name: 'google',
    connect: googleAccount,
    emulator: () => google,
    methods: ['oauth.token', 'gmail.users.messages.list', 'gmail.users.messages.get'],
  },
  { name: 'microsoft', connect: microsoftAccount, emulator: () => graph, methods: ['identity.token', 'graph.messages.delta'] },
])('$name through broken answers', ({ connect, emulator, methods }) => {
  for (const wire of wires) {
    for (const method of methods) {
      it(`retries a ${wire} of ${method} and reads every message`, async () => {
        const { email, account } = connect();
        emulator().injectFault({ match: { method, user: method.endsWith('token') ? undefined : email }, wire, holdMs: 2_000 });
        const walked = await walkMail(account.mail);
        expect(new Set(walked.messages.map((m) => m.providerId)).size).toBe(messages.length);
        const hit = emulator()
          .requests(email)
          .filter((r) => r.fault !== undefined);
        expect(hit.length).toBeGreaterThan(0);
        emulator().clearFaults();
      });
    }
  }
});
