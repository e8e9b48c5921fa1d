/**
 * Inference must not depend on the order interactions come in: Postgres returns rows in no
 * particular order, and an incremental recompute (one person's rows) must agree bit for bit
 * with a full one (everyone's rows).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inferContacts } from '../../src/contacts/compute-contacts.ts';
import { ExactSum } from '../../src/contacts/exact-sum.ts';
import type { InteractionRecord } from '../../src/contacts/types.ts';

const DAY = 86_400_000;
const asOf = new Date('2024-06-01T00:00:00Z');

describe('ExactSum', () => {
  it('is the correctly rounded sum, whatever the order', () => {
    const sum = (values: number[]) => {
      const s = new ExactSum();
      for (const v of values) s.add(v);
      return s.value;
    };
    expect(sum([1e16, 1, -1e16])).toBe(1);
    expect(sum([0.1, 0.2, 0.3])).toBe(0.6);
    expect(sum([])).toBe(0);
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { maxLength: 60 }), fc.nat(), (values, seed) => {
        const shuffled = shuffle(values, seed);
        expect(Object.is(sum(values), sum(shuffled)) || (sum(values) === 0 && sum(shuffled) === 0)).toBe(true);
      }),
    );
  });
});

describe('inferContacts', () => {
  // Few instants, names, subjects and addresses: ties everywhere.
  const record = fc.record({
    source: fc.integer({ min: 0, max: 30 }),
    person: fc.constantFrom('ann.lee@partner.com', 'alee@partner.com', 'bob@x.org', 'jonas@newco.io', 'jonas.weber@oldco.de', 'eve@y.net'),
    kind: fc.constantFrom('sent', 'received', 'meeting') as fc.Arbitrary<InteractionRecord['kind']>,
    day: fc.integer({ min: -400, max: 40 }),
    weight: fc.constantFrom(0.05, 0.3, 0.5, 1, 1.5),
    name: fc.constantFrom('Ann Lee', 'ANN LEE', 'Jonas Weber', 'Bob', null),
    subject: fc.constantFrom('Lunch?', 'Re: Lunch?', 'Q3', null),
  });

  it('gives the same contacts, volumes and address states for any order of the same interactions', () => {
    fc.assert(
      fc.property(fc.array(record, { maxLength: 80 }), fc.nat(), (drafts, seed) => {
        const records: InteractionRecord[] = drafts.map((d) => ({
          sourceKey: `mid:${d.source}`,
          contact: d.person,
          address: d.person,
          kind: d.kind,
          occurredAt: new Date(asOf.getTime() + Math.round(d.day / 3) * 3 * DAY),
          weight: d.weight,
          contactName: d.name,
          participants: 1,
          threadKey: `t${d.source % 4}`,
          subject: d.subject,
        }));
        const decisions = [{ a: 'bob@x.org', b: 'eve@y.net', decision: 'merge' as const }];
        const once = inferContacts(records, { asOf, identities: decisions });
        const again = inferContacts(shuffle(records, seed), { asOf, identities: [...decisions].reverse() });
        expect(again).toEqual(once);
      }),
      { numRuns: 300 },
    );
  });
});

function shuffle<T>(values: readonly T[], seed: number): T[] {
  const out = [...values];
  let state = seed + 1;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
