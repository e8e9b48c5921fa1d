/**
 * The address memos keep only short strings: a mailbox of messages with huge, all-different
 * recipient lists (or an attacker's) must not fill memory through a cache. Found by
 * `npm run chaos`: 10,000 remembered 4,000-recipient lists would be gigabytes.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { normalizeAddress } from '../../src/contacts/normalize-address.ts';
import { parseAddressList } from '../../src/mail/parse-addresses.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function retainedMb(work: () => void): number {
  gc();
  const before = process.memoryUsage().heapUsed;
  work();
  gc();
  return (process.memoryUsage().heapUsed - before) / 1_048_576;
}

describe('address memos under huge input', () => {
  it('keep nothing of 200 distinct 2,000-recipient lists', () => {
    const list = (n: number) => Array.from({ length: 2_000 }, (_, i) => `Person ${i} <p${i}.${n}@crowd.example>`).join(', ');
    const retained = retainedMb(() => {
      for (let n = 0; n < 200; n++) expect(parseAddressList(list(n))).toHaveLength(2_000);
    });
    // Kept, they would be ~200 × (80 KB of text + 2,000 parsed addresses) ≈ 60 MB and more.
    expect(retained).toBeLessThan(15);
  });

  it('keep nothing of long garbage handed to the normalizer', () => {
    const retained = retainedMb(() => {
      for (let n = 0; n < 200; n++) normalizeAddress(`${'x'.repeat(100_000)}${n}@example.com`);
    });
    expect(retained).toBeLessThan(15);
  });
});
