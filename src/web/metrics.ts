/**
 * Prometheus metrics (`GET /metrics`). Read at scrape time from Postgres, the source of truth,
 * and from the BullMQ queues, so they describe the whole deployment — every worker process —
 * whichever web process is scraped, and survive restarts. Labels carry ids, never addresses.
 *
 * - rekindle_sync_lag_seconds{account_id,provider,stream}: since the stream last synced (since
 *   it was connected when it never has); for active accounts.
 * - rekindle_sync_quota_units_spent{account_id,provider,stream}: provider quota units spent, all time.
 * - rekindle_sync_items{account_id,provider,stream}: messages or events synced.
 * - rekindle_accounts{provider,status}
 * - rekindle_queue_jobs{queue,state}: BullMQ jobs by state.
 * - rekindle_digests{status}, rekindle_digests_sent_total: digests by state; sent ones.
 * - rekindle_replies{outcome}: inbound replies by outcome; rekindle_digest_link_actions{verb}.
 * - the web process's own default metrics (process_*, nodejs_*).
 */
import type { Queue } from 'bullmq';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { Sql } from '../db/client.ts';

const JOB_STATES = ['waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized', 'waiting-children'] as const;

export function createMetrics(deps: { sql: Sql; queues: Queue[] }): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const { sql } = deps;
  const streamLabels = ['account_id', 'provider', 'stream'] as const;

  let streams: Promise<{ accountId: string; provider: string; stream: string; lag: number; spent: number; items: number }[]> | null = null;
  // One query feeds three gauges; a scrape collects them together.
  const streamRows = () => {
    streams ??= sql<{ accountId: string; provider: string; stream: string; lag: number; spent: number; items: number }[]>`
      select a.id as "accountId", a.provider, s.stream,
             extract(epoch from now() - coalesce(s.last_synced_at, a.created_at))::float8 as lag,
             s.quota_units_spent::float8 as spent, s.items_synced::float8 as items
        from sync_streams s join accounts a on a.id = s.account_id
       where a.status = 'active'`.finally(() => setImmediate(() => (streams = null)));
    return streams;
  };

  new Gauge({
    name: 'rekindle_sync_lag_seconds',
    help: 'Seconds since each active stream last synced (since connecting when it never has)',
    labelNames: streamLabels,
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await streamRows()) this.set({ account_id: r.accountId, provider: r.provider, stream: r.stream }, r.lag);
    },
  });
  new Gauge({
    name: 'rekindle_sync_quota_units_spent',
    help: 'Provider quota units each stream has spent (Gmail units, Graph and Calendar requests), all time',
    labelNames: streamLabels,
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await streamRows()) this.set({ account_id: r.accountId, provider: r.provider, stream: r.stream }, r.spent);
    },
  });
  new Gauge({
    name: 'rekindle_sync_items',
    help: 'Messages or events each stream has synced',
    labelNames: streamLabels,
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await streamRows()) this.set({ account_id: r.accountId, provider: r.provider, stream: r.stream }, r.items);
    },
  });
  new Gauge({
    name: 'rekindle_accounts',
    help: 'Connected mailboxes by provider and status',
    labelNames: ['provider', 'status'],
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await sql<{ provider: string; status: string; n: number }[]>`
        select provider, status, count(*)::int as n from accounts group by 1, 2`;
      for (const r of rows) this.set({ provider: r.provider, status: r.status }, r.n);
    },
  });
  new Gauge({
    name: 'rekindle_queue_jobs',
    help: 'BullMQ jobs by queue and state',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const queue of deps.queues) {
        const counts = await queue.getJobCounts(...JOB_STATES);
        for (const state of JOB_STATES) this.set({ queue: queue.name, state }, counts[state] ?? 0);
      }
    },
  });
  new Gauge({
    name: 'rekindle_digests',
    help: 'Digests by status',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await sql<{ status: string; n: number }[]>`select status, count(*)::int as n from digests group by 1`;
      for (const r of rows) this.set({ status: r.status }, r.n);
    },
  });
  new Gauge({
    name: 'rekindle_digests_sent_total',
    help: 'Digests SMTP accepted, all time',
    registers: [registry],
    async collect() {
      const [row] = await sql<{ n: number }[]>`select count(*)::int as n from digests where status = 'sent'`;
      this.set(row?.n ?? 0);
    },
  });
  new Gauge({
    name: 'rekindle_replies',
    help: 'Inbound replies to digests by outcome, all time',
    labelNames: ['outcome'],
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await sql<{ outcome: string; n: number }[]>`select outcome, count(*)::int as n from inbound_replies group by 1`;
      for (const r of rows) this.set({ outcome: r.outcome }, r.n);
    },
  });
  new Gauge({
    name: 'rekindle_digest_link_actions',
    help: "Clicks on the digest's links that changed something, by what they did (undone ones excluded)",
    labelNames: ['verb'],
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await sql<{ verb: string; n: number }[]>`
        select c->>'verb' as verb, count(*)::int as n
          from verdict_journal j, jsonb_array_elements(j.changes) c
         where j.source = 'link' and j.undone_at is null group by 1`;
      for (const r of rows) this.set({ verb: r.verb }, r.n);
    },
  });
  return registry;
}
