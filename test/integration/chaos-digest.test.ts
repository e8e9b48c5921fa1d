/**
 * The fast version of `npm run chaos`'s digest run: a few dozen users' weekly digests sent by
 * two `rekindle work` processes that are SIGKILLed every few messages, through an SMTP server
 * that holds its answer (so kills land in the hand-off), refuses some messages and drops the
 * connection after others. No user may get that week's digest twice — counting a copy the
 * server took but never acknowledged — and every digest must settle without help; a missed
 * one must be the known window (killed between recording the send and SMTP's answer).
 */
import { tmpdir } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { runDigestChaos } from '../../testkit/chaos/digest-scenario.ts';
import { sharedChaosServers } from '../../testkit/chaos-servers.ts';

describe('weekly digests through worker crashes and a faulty SMTP server', () => {
  const servers = sharedChaosServers();
  afterAll(() => servers.stop());

  it('reach each user at most once, and only the known window misses', { timeout: 180_000 }, async () => {
    const users = 24;
    const result = await runDigestChaos({
      servers,
      digests: users,
      seed: 4,
      logDir: tmpdir(),
      log: () => undefined,
      queuePrefix: servers.prefix('chaos-digest'),
      killEvery: [4, 8],
      timeoutMs: 150_000,
    });
    expect(result.kills).toBeGreaterThan(0);
    expect({ duplicateDeliveries: result.duplicateDeliveries, duplicateReceipts: result.duplicateReceipts }).toEqual({
      duplicateDeliveries: 0,
      duplicateReceipts: 0,
    });
    expect(result.rows).toBe(users);
    expect(result.unsettled).toBe(0);
    expect(result.missed).toBe(result.missedInSending + result.missedGivenUp);
    expect(result.accepted + result.missed).toBeGreaterThanOrEqual(users - (result.statuses.unknown ?? 0));
  });
});
