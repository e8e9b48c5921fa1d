/**
 * Issue 15: addresses that do not parse cleanly, each one as a real corpus writes it (the
 * file is cited, and the test checks the text is really there). A unique repair is applied
 * and said (`repaired`); a damaged local part is kept as written, apart, and flagged
 * (`garbled`) so identity never merges it and no reason rests on it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { computeContacts } from '../../src/contacts/compute-contacts.ts';
import { isGarbledAddress, normalizeAddress, repairAddress } from '../../src/contacts/normalize-address.ts';
import { corpus } from '../../testkit/corpora.ts';
import { interaction } from '../../testkit/inference-fixtures.ts';

const ENRON = 'enron-inbox/maildir';

function inCorpus(file: string, written: string): boolean {
  return readFileSync(path.join(corpus(path.dirname(file)), path.basename(file)), 'latin1').includes(written);
}

describe('addresses a unique repair makes whole', () => {
  it.each([
    [`${ENRON}/donoho-l/inbox/57`, "'sstojic@gbmdc.com'", 'sstojic@gbmdc.com', 'Outlook quotes'],
    [`${ENRON}/schoolcraft-d/inbox/junk/649`, "'clark.w.mower@williams.com'", 'clark.w.mower@williams.com', 'quotes in a To line'],
    [
      `${ENRON}/thomas-p/inbox/192`,
      '<<mailto:Maxine.E.Levingston@ENRON.com>>',
      'maxine.e.levingston@enron.com',
      'doubled brackets, mailto: and case',
    ],
    [`${ENRON}/lay-k/inbox/653`, '[ffinch@swbell.net]', 'ffinch@swbell.net', 'stray square brackets'],
    [`${ENRON}/motley-m/inbox/ene_houston/5`, 'christa.winfrey@enron.com.', 'christa.winfrey@enron.com', 'a sentence’s full stop'],
    [`${ENRON}/lay-k/inbox/954`, 'CSAVINO@HOUSTON.ORG', 'csavino@houston.org', 'capitals'],
    ['bounces/bsd/lhost-sendmail-24.eml', 'neko@xn--cesupi09d.jp', 'neko@地域猫.jp', 'a punycode domain'],
  ])('%s: %s → %s (%s)', (file, written, key) => {
    expect(inCorpus(file, written), `${written} is in ${file}`).toBe(true);
    expect(normalizeAddress(written)).toBe(key);
    expect(repairAddress(written)!.garbled).toBe(false);
    // Normalizing the repair again changes nothing: one person, one key.
    expect(normalizeAddress(key)).toBe(key);
  });

  it('says when it removed something', () => {
    expect(repairAddress("'sstojic@gbmdc.com'")).toEqual({ address: 'sstojic@gbmdc.com', repaired: true, garbled: false });
    expect(repairAddress('sstojic@gbmdc.com')).toEqual({ address: 'sstojic@gbmdc.com', repaired: false, garbled: false });
  });
});

describe('addresses no repair can be sure of: kept apart, as written, and flagged', () => {
  it.each([
    [`${ENRON}/lay-k/inbox/600`, '.taylor@enron.com', 'a leading dot (an export dropped “Mark E (Legal)”)'],
    [`${ENRON}/lay-k/inbox/954`, '.c.@enron.com', 'dots around a single letter'],
    [`${ENRON}/skilling-j/inbox/1363`, "'.'mike@enron.com", 'quote-dot-quote before a first name'],
    [`${ENRON}/skilling-j/inbox/1363`, "plank'.'mike@enron.com", 'quote-dot-quote inside'],
    [`${ENRON}/keavey-p/inbox/440`, 'carol.st.@enron.com', 'a local part ending in a dot (“Carol St. Clair”)'],
  ])('%s: %s (%s)', (file, written) => {
    expect(inCorpus(file, written), `${written} is in ${file}`).toBe(true);
    const key = normalizeAddress(written);
    expect(key).toBe(written.toLowerCase());
    expect(repairAddress(written)!.garbled).toBe(true);
    expect(isGarbledAddress(key!)).toBe(true);
  });

  // Issue 15 quotes this one from a user's Exchange export (it is not in the shared corpora).
  it("keeps '.''dorothy@enron.com apart from dorothy@enron.com", () => {
    expect(normalizeAddress("'.''dorothy@enron.com")).not.toBe(normalizeAddress('dorothy@enron.com'));
    expect(repairAddress("'.''dorothy@enron.com")!.garbled).toBe(true);
  });

  it('a real interior double dot (Enron’s middle-initial form) is no damage', () => {
    expect(repairAddress('d..steffes@enron.com')!.garbled).toBe(false);
  });
});

describe('a garbled address is never the basis of a reason', () => {
  it('gives no change of organization', () => {
    const day = (d: number) => new Date(Date.UTC(2001, 0, 1 + d));
    const records = [
      interaction('mark.taylor@enron.com', 'sent', day(0), { contactName: 'Mark Taylor' }),
      interaction('mark.taylor@enron.com', 'received', day(1), { contactName: 'Mark Taylor' }),
      interaction('.taylor@other.example', 'sent', day(200), { contactName: 'Mark Taylor' }),
      interaction('.taylor@other.example', 'received', day(201), { contactName: 'Mark Taylor' }),
      // A move is claimed only from their own mail on two days or more (src/contacts/domain-change.ts).
      interaction('.taylor@other.example', 'received', day(230), { contactName: 'Mark Taylor' }),
    ];
    const contacts = computeContacts(records, {
      asOf: day(300),
      identities: [{ a: 'mark.taylor@enron.com', b: '.taylor@other.example', decision: 'merge' }],
    });
    // Even merged by the user, the garbled address says nothing about a new employer.
    expect(contacts).toHaveLength(1);
    expect(contacts[0]!.addresses).toEqual(['mark.taylor@enron.com', '.taylor@other.example']);
    expect(contacts[0]!.domainChange).toBeNull();
    // The same history at a real address is a change of organization: the rule is live.
    const real = records.map((r) =>
      r.contact.startsWith('.') ? { ...r, contact: 'mark@other.example', address: 'mark@other.example' } : r,
    );
    const moved = computeContacts(real, {
      asOf: day(300),
      identities: [{ a: 'mark.taylor@enron.com', b: 'mark@other.example', decision: 'merge' }],
    });
    expect(moved[0]!.domainChange).toMatchObject({ from: 'enron.com', to: 'other.example' });
  });
});
