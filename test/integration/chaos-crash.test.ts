/**
 * The fast version of `npm run chaos`'s crash run: a backfill with calendar by two
 * `rekindle work` processes, three of them SIGKILLed at random moments and restarted, every
 * Postgres connection of the run cut once and the run's Redis keys wiped once (its share of
 * a restart and a flush: the shared servers are never touched). Nobody steps in. The result
 * must equal an undisturbed run's — messages, events, interactions, contacts, cursors — with
 * nothing stored twice and no job or claim left stuck.
 */
import { tmpdir } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { chaosMailbox } from '../../testkit/chaos/chaos-mailbox.ts';
import { compareSnapshots } from '../../testkit/chaos/sync-snapshot.ts';
import { runSync } from '../../testkit/chaos/sync-scenario.ts';
import { sharedChaosServers } from '../../testkit/chaos-servers.ts';

describe('a backfill through crashes, a lost Postgres and a lost Redis', () => {
  const servers = sharedChaosServers();
  afterAll(() => servers.stop());

  it('ends exactly where an undisturbed run ends, on its own', { timeout: 240_000 }, async () => {
    const mailbox = chaosMailbox(800, 3);
    const base = {
      servers,
      mailbox,
      workers: 2,
      seed: 3,
      logDir: tmpdir(),
      log: () => undefined,
      timeoutMs: 180_000,
      drainMs: 5_000,
      faultRate: 0,
      expireCursors: false,
    };
    const reference = await runSync({
      ...base,
      name: 'undisturbed',
      queuePrefix: servers.prefix('chaos-ref'),
      kills: 0,
      restartPostgres: false,
      flushRedis: false,
    });
    const run = await runSync({
      ...base,
      name: 'crash',
      queuePrefix: servers.prefix('chaos-crash'),
      kills: 3,
      restartPostgres: true,
      flushRedis: true,
    });

    expect(run.kills).toBe(3);
    expect(run.checks.filter((c) => !c.ok)).toEqual([]);
    expect(reference.checks.filter((c) => !c.ok)).toEqual([]);
    const comparison = compareSnapshots(reference.snapshot, run.snapshot);
    expect(comparison).toEqual({ lost: 0, duplicates: 0, contactsDiffering: 0, cursorsDiffering: 0, examples: [] });
    expect(run.snapshot.messages).toHaveLength(mailbox.messages.length);
    expect(run.snapshot.contacts.size).toBeGreaterThan(15);
  });
});
