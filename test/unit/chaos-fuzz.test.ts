/**
 * The fast version of `npm run chaos`'s fuzz: the same properties (chaos/fuzz-targets.ts) over
 * a few hundred random cases each — the header normalizer, the address parser, the MIME reply
 * reader and the command grammar never throw or return nonsense, and a quoted digest never
 * reads as commands. `npm run chaos` runs 100,000 cases of each.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { FUZZ_TARGETS } from '../../testkit/chaos/fuzz-targets.ts';

describe('readers of untrusted text, over random input', () => {
  for (const target of FUZZ_TARGETS) {
    it(`${target.name} holds`, { timeout: 60_000 }, async () => {
      await fc.assert(target.property, { numRuns: 300 });
    });
  }
});
