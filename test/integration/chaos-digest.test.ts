/**
 * The fast version of `npm run chaos`'s digest run: a few dozen users' weekly digests sent by
 * two `rekindle work` processes that are SIGKILLed every few messages, through an SMTP server
 * that holds its answer (so kills land in the hand-off), refuses some messages and drops the
 * connection after others, delivering what it took into each user's Gmail mailbox (the
 * emulator), which the workers sync. Every user's mailbox must end with that week's digest
 * exactly once — also when the sender never learned the outcome (dropped after DATA, or killed
 * while waiting for the answer): the digest is found there by its Message-ID, or sent again.
 */
import { tmpdir } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { runDigestChaos } from '../../testkit/chaos/digest-scenario.ts';
import { sharedChaosServers } from '../../testkit/chaos-servers.ts';

describe('weekly digests through worker crashes and a faulty SMTP server', () => {
  const servers = sharedChaosServers();
  afterAll(() => servers.stop());

  it('reach every user exactly once, also when the sender lost the outcome', { timeout: 180_000 }, async () => {
    const users = 24;
    const result = await runDigestChaos({
      servers,
      digests: users,
      seed: 4,
      logDir: tmpdir(),
      log: () => undefined,
      queuePrefix: servers.prefix('chaos-digest'),
      killEvery: [4, 8],
      // Many drops after DATA, half of them kept: both ways out of the unknown outcome are taken.
      dropShare: 0.25,
      timeoutMs: 150_000,
    });
    expect(result.kills).toBeGreaterThan(0);
    expect(result.rows).toBe(users);
    expect(result.unsettled).toBe(0);
    expect(result.mailbox.unresolved).toBe(0);
    expect(result.duplicateDeliveries).toBe(0);
    expect({ delivered: result.mailbox.delivered, duplicates: result.mailbox.duplicates }).toEqual({ delivered: users, duplicates: 0 });
    // The kills land in the hand-off: some digests went through the unknown outcome, and all reached their user once.
    expect(result.mailbox.window).toBeGreaterThan(0);
    expect(result.mailbox.windowFound + result.mailbox.windowResent).toBe(result.mailbox.window);
  });
});
