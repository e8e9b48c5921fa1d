/**
 * The sizes of every scenario at `--scale 1` (the issue's) and how they shrink: counts scale
 * linearly with a floor that keeps each figure meaningful, so `--scale 0.01` is a quick smoke
 * run through exactly the same code (the floors are the smoke test's sizes).
 */
export const SCENARIOS = ['quota', 'throughput', 'memory', 'users', 'recompute', 'imap', 'import'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

const scaled = (full: number, scale: number, floor: number) => Math.max(floor, Math.round(full * scale));

export function benchSizes(scale: number) {
  return {
    quota: {
      messages: scaled(20_000, scale, 150),
      // Scaled up from Gmail's 6,000 so 20,000 messages take about two minutes, not seventeen.
      unitsPerMinute: scaled(60_000, scale, 6_000),
      latencyMs: { min: 100, max: 300 },
      naiveSeconds: scaled(30, scale, 2),
    },
    throughput: {
      messages: scaled(20_000, scale, 200),
      naiveSeconds: scaled(20, scale, 2),
      /** Enron messages the import reads at most (the corpus has about 517,000). */
      importLimit: scale >= 1 ? null : scaled(520_000, scale, 2_000),
    },
    memory: {
      sizes: [50_000, 100_000, 200_000].map((n) => scaled(n, scale, n / 200)),
    },
    users: {
      accounts: scaled(2_000, scale, 20),
      messagesPerAccount: 30,
      /** One account with a big backfill among them: the small ones must not wait behind it. */
      bigAccountMessages: scaled(20_000, scale, 500),
      digests: scaled(10_000, scale, 50),
      naiveSeconds: scaled(20, scale, 2),
    },
    imap: {
      messages: scaled(20_000, scale, 200),
      naiveSeconds: scaled(10, scale, 1),
    },
    import: {
      /** Local mailboxes for the peak-RSS runs: 10,000 to 500,000 messages (issue 15). */
      sizes: [10_000, 100_000, 500_000].map((n) => scaled(n, scale, n / 500)),
      rounds: scale >= 0.01 ? 3 : 1,
    },
    recompute: {
      // About 0.97 interactions per synthetic message (lists and crowd mail make none):
      // 103,000 messages give ~100,000.
      messages: scaled(103_000, scale, 300),
      smallSync: scaled(50, scale, 10),
    },
  };
}
