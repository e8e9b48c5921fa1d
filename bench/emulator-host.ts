/**
 * A Google or Microsoft emulator in a process of its own, for the benchmarks: the worker
 * under test then has a core to itself instead of sharing one with the provider it talks to.
 * Started with `fork()`; the parent says what to serve, the mailboxes are generated here
 * (200,000 messages never cross the IPC channel), and it answers requests for figures.
 *
 *   parent → { type: 'start', spec }            child → { type: 'ready', endpoints, refreshTokens }
 *   parent → { type: 'stats', emails? }         child → { type: 'stats', stats }
 *   parent → { type: 'close' }                  child exits
 */
import { startGoogleEmulator, type GoogleEmulator } from '../fakes/google/index.ts';
import { startGraphEmulator, type GraphEmulator } from '../fakes/microsoft/index.ts';
import { syntheticMailbox, type SyntheticOptions } from './synthetic-mailbox.ts';

export interface EmulatorSpec {
  provider: 'google' | 'microsoft';
  mailboxes: SyntheticOptions[];
  /** Gmail units per user per minute; null for no quota. Graph: requests per 10 minutes. */
  quota: number | null;
  latencyMs?: { min: number; max: number };
}

export interface EmulatorEndpoints {
  provider: 'google' | 'microsoft';
  clientId: string;
  clientSecret: string;
  /** Google: API root and token URL. */
  apiUrl?: string;
  tokenUrl?: string;
  /** Microsoft: Graph and login roots. */
  graphUrl?: string;
  loginUrl?: string;
}

/** What the provider saw, summed over the mailboxes asked about. */
export interface ProviderStats {
  /** Units (Gmail) or requests (Graph) charged. */
  charged: number;
  /** Quota and concurrency refusals. */
  rejected: number;
  /** Calls per method. */
  calls: Record<string, number>;
  /** Messages fetched (messages.get), and how many of them more than once. */
  messagesFetched: number;
  fetchedTwice: number;
  /** First and last charged request (epoch ms) and the most units charged in any rolling 60 s. */
  firstAt: number | null;
  lastAt: number | null;
  peakUnitsPerMinute: number;
  /** CPU the emulator process used so far (user + system), in seconds. */
  cpuSeconds: number;
  /** Charged requests per second, from the first one on (how steadily the quota was used). */
  perSecond: number[];
  /** Pauses of more than 100 ms between charged requests: [ms after the first, length in ms]. */
  gaps: [number, number][];
}

const GMAIL_UNITS: Record<string, number> = {
  'gmail.users.getProfile': 1,
  'gmail.users.messages.list': 5,
  'gmail.users.messages.get': 5,
  'gmail.users.history.list': 2,
};

let google: GoogleEmulator | null = null;
let graph: GraphEmulator | null = null;
let owners: string[] = [];

process.on('message', (message: { type: string; spec?: EmulatorSpec; emails?: string[] }) => {
  void handle(message).catch((error: unknown) => {
    process.send?.({ type: 'error', message: error instanceof Error ? error.stack : String(error) });
  });
});
process.on('disconnect', () => process.exit(0));

async function handle(message: { type: string; spec?: EmulatorSpec; emails?: string[] }): Promise<void> {
  if (message.type === 'start') {
    const spec = message.spec!;
    const refreshTokens: Record<string, string> = {};
    owners = spec.mailboxes.map((m) => m.owner);
    if (spec.provider === 'google') {
      google = await startGoogleEmulator({
        quotaUnitsPerMinute: spec.quota,
        calendarRequestsPerMinute: null,
        ...(spec.latencyMs ? { latencyMs: spec.latencyMs } : {}),
      });
      for (const mailbox of spec.mailboxes) {
        google.addMailbox(syntheticMailbox(mailbox));
        refreshTokens[mailbox.owner] = google.issueRefreshToken(mailbox.owner);
      }
      process.send?.({
        type: 'ready',
        endpoints: {
          provider: 'google',
          clientId: google.clientId,
          clientSecret: google.clientSecret,
          apiUrl: google.url,
          tokenUrl: google.tokenUrl,
        },
        refreshTokens,
      });
    } else {
      graph = await startGraphEmulator({
        requestsPer10Minutes: spec.quota,
        maxConcurrentRequests: spec.quota === null ? null : 4,
        ...(spec.latencyMs ? { latencyMs: spec.latencyMs } : {}),
      });
      for (const mailbox of spec.mailboxes) {
        graph.addMailbox(syntheticMailbox(mailbox));
        refreshTokens[mailbox.owner] = graph.issueRefreshToken(mailbox.owner);
      }
      process.send?.({
        type: 'ready',
        endpoints: {
          provider: 'microsoft',
          clientId: graph.clientId,
          clientSecret: graph.clientSecret,
          graphUrl: graph.graphUrl,
          loginUrl: graph.loginUrl,
        },
        refreshTokens,
      });
    }
  } else if (message.type === 'stats') {
    process.send?.({ type: 'stats', stats: stats(message.emails ?? owners) });
  } else if (message.type === 'close') {
    await google?.close();
    await graph?.close();
    process.exit(0);
  }
}

function stats(emails: string[]): ProviderStats {
  const result: ProviderStats = {
    charged: 0,
    rejected: 0,
    calls: {},
    messagesFetched: 0,
    fetchedTwice: 0,
    firstAt: null,
    lastAt: null,
    peakUnitsPerMinute: 0,
    cpuSeconds: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
    perSecond: [],
    gaps: [],
  };
  const starts: number[] = [];
  for (const email of emails) {
    if (google) {
      const usage = google.usage(email);
      result.charged += usage.units;
      result.rejected += usage.rejected;
      for (const [method, u] of Object.entries(usage.byMethod)) result.calls[method] = (result.calls[method] ?? 0) + (u?.calls ?? 0);
      const charged: { at: number; units: number }[] = [];
      const fetched = new Map<string, number>();
      for (const r of google.requests(email)) {
        if (r.status !== 200) continue;
        const units = GMAIL_UNITS[r.method] ?? 0;
        if (units > 0) charged.push({ at: r.startedAt, units });
        if (units > 0) starts.push(r.startedAt);
        if (r.method === 'gmail.users.messages.get') fetched.set(r.messageId!, (fetched.get(r.messageId!) ?? 0) + 1);
      }
      result.messagesFetched += fetched.size;
      for (const n of fetched.values()) if (n > 1) result.fetchedTwice++;
      window(result, charged);
    } else if (graph) {
      const usage = graph.usage(email);
      result.charged += usage.requests;
      result.rejected += usage.budgetRejections + usage.concurrencyRejections;
      for (const [method, u] of Object.entries(usage.byMethod)) result.calls[method] = (result.calls[method] ?? 0) + (u?.calls ?? 0);
      const served = new Map<string, number>();
      const charged: { at: number; units: number }[] = [];
      for (const r of graph.requests(email)) {
        if (r.status !== 200) continue;
        if (r.method.startsWith('graph.')) charged.push({ at: r.startedAt, units: 1 });
        if (r.method.startsWith('graph.')) starts.push(r.startedAt);
        for (const id of r.served) served.set(id, (served.get(id) ?? 0) + 1);
      }
      result.messagesFetched += served.size;
      for (const n of served.values()) if (n > 1) result.fetchedTwice++;
      window(result, charged);
    }
  }
  if (result.firstAt !== null) {
    result.perSecond = new Array(Math.floor(((result.lastAt ?? result.firstAt) - result.firstAt) / 1000) + 1).fill(0);
    for (const at of starts) result.perSecond[Math.floor((at - result.firstAt) / 1000)]!++;
    starts.sort((a, b) => a - b);
    for (let i = 1; i < starts.length; i++) {
      if (starts[i]! - starts[i - 1]! > 100) result.gaps.push([starts[i - 1]! - result.firstAt, starts[i]! - starts[i - 1]!]);
    }
  }
  return result;
}

/** First and last charge, and the peak of units in any rolling minute (per mailbox, the highest). */
function window(result: ProviderStats, charged: { at: number; units: number }[]): void {
  if (charged.length === 0) return;
  charged.sort((a, b) => a.at - b.at);
  result.firstAt = Math.min(result.firstAt ?? Infinity, charged[0]!.at);
  result.lastAt = Math.max(result.lastAt ?? -Infinity, charged.at(-1)!.at);
  let sum = 0;
  let first = 0;
  for (const c of charged) {
    sum += c.units;
    while (c.at - charged[first]!.at >= 60_000) sum -= charged[first++]!.units;
    if (sum > result.peakUnitsPerMinute) result.peakUnitsPerMinute = sum;
  }
}
