import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeContacts, inferContacts } from '../../src/contacts/compute-contacts.ts';
import { displayNameOf, middleInitials, nameKey } from '../../src/contacts/display-name.ts';
import { type AddressProfile, type IdentityDecision, localSpellsName, resolveIdentities } from '../../src/contacts/identity.ts';
import { organizationOf } from '../../src/contacts/organization.ts';
import { interaction } from '../../testkit/inference-fixtures.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2001, 0, 1);

function profile(key: string, name: string | null, firstDay: number, lastDay: number, sources: string[] = [`only:${key}`]): AddressProfile {
  const shown = displayNameOf(name);
  return {
    key,
    nameKey: nameKey(shown),
    first: T0 + firstDay * DAY,
    last: T0 + lastDay * DAY,
    sources: new Set(sources),
    initials: new Set(shown ? middleInitials(shown) : []),
  };
}

const personOf = (profiles: AddressProfile[], decisions: IdentityDecision[] = []) => {
  const { personOf: map } = resolveIdentities(profiles, decisions);
  return Object.fromEntries(profiles.map((p) => [p.key, map.get(p.key) ?? p.key]));
};

describe('identity: one person under several addresses, on strong evidence only', () => {
  it.each([
    [
      'same full name at one organization, both local parts spell it',
      [profile('kimberly.watson@enron.com', 'Watson, Kimberly', 0, 300), profile('kwatson@enron.com', 'Kimberly Watson', 10, 200)],
      { 'kimberly.watson@enron.com': 'kimberly.watson@enron.com', 'kwatson@enron.com': 'kimberly.watson@enron.com' },
    ],
    [
      'one organization under two subdomains',
      [profile('kwatson@ect.enron.com', 'Kimberly Watson', 0, 300), profile('kimberly.watson@enron.com', 'Kimberly S. Watson', 10, 200)],
      { 'kwatson@ect.enron.com': 'kwatson@ect.enron.com', 'kimberly.watson@enron.com': 'kwatson@ect.enron.com' },
    ],
    [
      'the same name at a free-mail provider: thousands share it',
      [profile('john.smith@gmail.com', 'John Smith', 0, 300), profile('jsmith@gmail.com', 'John Smith', 10, 200)],
      { 'john.smith@gmail.com': 'john.smith@gmail.com', 'jsmith@gmail.com': 'jsmith@gmail.com' },
    ],
    [
      'namesakes on one message are two people',
      [profile('john.smith@acme.com', 'John Smith', 0, 300, ['m1', 'm2']), profile('jsmith@acme.com', 'John Smith', 10, 200, ['m2'])],
      { 'john.smith@acme.com': 'john.smith@acme.com', 'jsmith@acme.com': 'jsmith@acme.com' },
    ],
    [
      'a shared mailbox written with a person’s name',
      [profile('jane.doe@acme.com', 'Jane Doe', 0, 300), profile('support@acme.com', 'Jane Doe', 10, 200)],
      { 'jane.doe@acme.com': 'jane.doe@acme.com', 'support@acme.com': 'support@acme.com' },
    ],
    [
      'a first name alone',
      [profile('kim@acme.com', 'Kim', 0, 300), profile('kim.w@acme.com', 'Kim', 10, 200)],
      { 'kim@acme.com': 'kim@acme.com', 'kim.w@acme.com': 'kim.w@acme.com' },
    ],
    [
      'different names at one organization',
      [profile('jane.doe@acme.com', 'Jane Doe', 0, 300), profile('jdoe@acme.com', 'John Doe', 10, 200)],
      { 'jane.doe@acme.com': 'jane.doe@acme.com', 'jdoe@acme.com': 'jdoe@acme.com' },
    ],
    [
      'a move: the old address falls silent as the new one starts',
      [profile('jonas.weber@oldco.de', 'Jonas Weber', 0, 300), profile('jonas@newco.io', 'Jonas Weber', 310, 500)],
      { 'jonas.weber@oldco.de': 'jonas.weber@oldco.de', 'jonas@newco.io': 'jonas.weber@oldco.de' },
    ],
    [
      // Issue 14: a garbled address (lay-k/inbox/954 has `<.dorothy@enron.com>`) merged into someone who never worked there.
      "a mangled address (`'.''dorothy@enron.com`) is no evidence, whatever name it carries",
      [profile('dorothy.woster@acme.com', 'Dorothy Woster', 0, 300), profile("'.''dorothy@enron.com", 'Dorothy Woster', 310, 500)],
      { 'dorothy.woster@acme.com': 'dorothy.woster@acme.com', "'.''dorothy@enron.com": "'.''dorothy@enron.com" },
    ],
    [
      'the same, written without the quotes',
      [profile('dorothy.woster@enron.com', 'Dorothy Woster', 0, 300), profile('.dorothy@enron.com', 'Dorothy Woster', 10, 200)],
      { 'dorothy.woster@enron.com': 'dorothy.woster@enron.com', '.dorothy@enron.com': '.dorothy@enron.com' },
    ],
    [
      'two namesakes at two organizations at the same time',
      [profile('jonas.weber@oldco.de', 'Jonas Weber', 0, 300), profile('jonas@newco.io', 'Jonas Weber', 100, 500)],
      { 'jonas.weber@oldco.de': 'jonas.weber@oldco.de', 'jonas@newco.io': 'jonas@newco.io' },
    ],
  ])('%s', (_, profiles, expected) => {
    expect(personOf(profiles)).toEqual(expected);
  });

  it('says which rule merged two addresses and why', () => {
    const { links } = resolveIdentities([
      profile('jonas.weber@oldco.de', 'Jonas Weber', 0, 300),
      profile('jonas@newco.io', 'Jonas Weber', 310, 500),
    ]);
    expect(links).toEqual([
      {
        a: 'jonas.weber@oldco.de',
        b: 'jonas@newco.io',
        rule: 'same-name-moved',
        evidence: 'both written as "jonas weber"; jonas.weber@oldco.de fell silent as jonas@newco.io began',
        messages: [1, 1],
      },
    ]);
  });

  it('the user’s merge joins anyone; the user’s split wins over every rule and every chain of links', () => {
    const a = profile('ann.lee@acme.com', 'Ann Lee', 0, 100);
    const b = profile('alee@acme.com', 'Ann Lee', 10, 200);
    const c = profile('ann@lee.family', 'Annie', 20, 300);
    expect(personOf([a, b, c], [{ a: 'ann@lee.family', b: 'alee@acme.com', decision: 'merge' }])).toEqual({
      'ann.lee@acme.com': 'ann.lee@acme.com',
      'alee@acme.com': 'ann.lee@acme.com',
      'ann@lee.family': 'ann.lee@acme.com',
    });
    expect(
      personOf(
        [a, b, c],
        [
          { a: 'ann@lee.family', b: 'alee@acme.com', decision: 'merge' },
          { a: 'ann@lee.family', b: 'ann.lee@acme.com', decision: 'split' },
        ],
      )['ann@lee.family'],
    ).not.toBe('ann.lee@acme.com');
    expect(personOf([a, b], [{ a: 'ann.lee@acme.com', b: 'alee@acme.com', decision: 'split' }])).toEqual({
      'ann.lee@acme.com': 'ann.lee@acme.com',
      'alee@acme.com': 'alee@acme.com',
    });
  });

  it.each([
    ['kwatson@enron.com', 'kimberly watson', true],
    ['lcampbel@enron.com', 'larry campbell', true],
    ['vkamins@enron.com', 'vince kaminski', true],
    ['k..allen@enron.com', 'phillip allen', true],
    ['support@acme.com', 'jane doe', false],
    ['jd@acme.com', 'jane doe', false],
  ])('local part %s spells "%s": %s', (address, name, spells) => {
    expect(localSpellsName(address, name)).toBe(spells);
  });

  it.each([
    ['Watson, Kimberly', 'Kimberly Watson'],
    ['"Kaminski, Vince J" ', 'Vince J Kaminski'],
    ['Jane Doe (E-mail)', 'Jane Doe'],
    ['Acme, Inc.', 'Acme, Inc.'],
    ['Smith, John, Jr.', 'Smith, John, Jr.'],
    ['kim@acme.com', null],
    ['/O=ENRON/OU=NA/CN=RECIPIENTS/CN=KWATSON', null],
    ['  ', null],
  ])('display name %j → %j', (raw, name) => {
    expect(displayNameOf(raw)).toBe(name);
  });

  it.each([
    ['Vince J Kaminski', 'kaminski vince'],
    ['Jürgen Müller', 'jurgen muller'],
    ['Watson Kimberly', 'kimberly watson'],
    ['KIM WATSON', 'kim watson'],
    ['Kim', null],
    ['K. W.', null],
  ])('name key %j → %j', (name, key) => {
    expect(nameKey(name)).toBe(key);
  });

  it.each([
    ['enron.com', 'enron.com'],
    ['mail.ect.enron.com', 'enron.com'],
    ['news.bbc.co.uk', 'bbc.co.uk'],
    ['uni.ac.jp', 'uni.ac.jp'],
    ['[10.0.0.1]', '[10.0.0.1]'],
  ])('organization of %s is %s', (domain, organization) => {
    expect(organizationOf(domain)).toBe(organization);
  });
});

/**
 * Issue 15, one person or two. Names and addresses are from the Enron corpus
 * (../shared/corpora/enron-inbox/maildir), cited per case; the X-To/X-cc directory names are
 * what tells the people apart.
 */
describe('one person or two: merges that must not happen', () => {
  it.each([
    [
      // X-To/X-cc directory names: `Smith, Mike D.` (CN=Msmith1, sager-e/inbox/515) and `Smith, Mike L.` (CN=Msmith14, donoho-l/inbox/112).
      'one name, different middle initials (two directory entries)',
      [profile('mike.smith@enron.com', 'Smith, Mike L.', 0, 300), profile('msmith@enron.com', 'Smith, Mike D.', 10, 200)],
    ],
    [
      // …and `Smith, Mike J` (CN=Msmith19, schoolcraft-d/inbox/junk/26): a bare "Mike Smith" could be any of them.
      'a bare name where the organization has two people of that name',
      [
        profile('mike.smith@enron.com', 'Smith, Mike J', 0, 300),
        profile('michael.smith@enron.com', 'Smith, Mike D.', 0, 300),
        profile('msmith@enron.com', 'Mike Smith', 10, 200),
      ],
    ],
    [
      // lay-k/inbox/600: To `legal <.taylor@enron.com>`, its X-To `Taylor, Mark E (Legal)`.
      'a garbled address written with a real person’s name',
      [
        profile('mark.taylor@enron.com', 'Taylor, Mark E (Legal)', 0, 300),
        profile('.taylor@enron.com', 'Taylor, Mark E (Legal)', 310, 400),
      ],
    ],
    [
      // skilling-j/inbox/1363: `plank'.'mike@enron.com`, an export that lost a name.
      'a quote-dot garbled address with the same name',
      [profile('mike.plank@enron.com', 'Mike Plank', 0, 300), profile("plank'.'mike@enron.com", 'Mike Plank', 310, 400)],
    ],
  ])('%s', (_, profiles) => {
    const { personOf: map, splits } = resolveIdentities(profiles);
    expect(map.size).toBe(0);
    expect(splits.length).toBeGreaterThan(0);
  });

  it('reports why each pair stays two people', () => {
    const { splits } = resolveIdentities([
      profile('mike.smith@enron.com', 'Smith, Mike B', 0, 300),
      profile('msmith@enron.com', 'Smith, Mike D.', 10, 200),
      profile('.smith@enron.com', 'Smith, Mike B', 10, 200),
    ]);
    expect(splits.map((s) => [s.a, s.b, s.reason]).sort()).toEqual(
      [
        ['mike.smith@enron.com', 'msmith@enron.com', 'different-initials'],
        ['mike.smith@enron.com', '.smith@enron.com', 'garbled'],
        ['.smith@enron.com', 'msmith@enron.com', 'garbled'],
      ].sort(),
    );
  });
});

describe('one person or two: the user can undo either', () => {
  const d = profile('msmith@enron.com', 'Smith, Mike D.', 10, 200);
  const l = profile('mike.smith@enron.com', 'Smith, Mike L.', 0, 300);
  const k1 = profile('kimberly.watson@enron.com', 'Watson, Kimberly', 0, 300);
  const k2 = profile('kwatson@enron.com', 'Kimberly Watson', 10, 200);

  it('a `merge` joins a pair the rules kept apart, and is no longer reported as a split', () => {
    const { personOf: map, splits, links } = resolveIdentities([d, l], [{ a: d.key, b: l.key, decision: 'merge' }]);
    expect(map.get(d.key)).toBe(map.get(l.key));
    expect(splits).toEqual([]);
    expect(links.map((x) => x.rule)).toEqual(['user']);
  });

  it('a `split` undoes an automatic merge, and is reported as the user’s', () => {
    const { personOf: map, splits } = resolveIdentities([k1, k2], [{ a: k1.key, b: k2.key, decision: 'split' }]);
    expect(map.size).toBe(0);
    expect(splits).toEqual([{ a: k1.key, b: k2.key, reason: 'user' }]);
  });
});

describe('one person or two: merges that must happen', () => {
  it.each([
    [
      // `Watson, Kimberly` (watson-k/inbox/175) for kimberly.watson@enron.com and kwatson@enron.com, never together.
      'the same name at one organization, no one else of that name',
      [profile('kimberly.watson@enron.com', 'Watson, Kimberly', 0, 300), profile('kwatson@enron.com', 'Kimberly Watson', 10, 200)],
    ],
    [
      // `Kaminski, Vince J` (CN=VKAMINS, all over the corpus) and `Vince Kaminski`: an initial on one side only is no conflict.
      'an initial written on one side only',
      [profile('vince.kaminski@enron.com', 'Kaminski, Vince J', 0, 300), profile('vkamins@enron.com', 'Vince Kaminski', 10, 200)],
    ],
  ])('%s', (_, profiles) => {
    const { personOf: map, links } = resolveIdentities(profiles);
    expect(new Set(map.values()).size).toBe(1);
    expect(links).toHaveLength(1);
    expect(links[0]!.messages).toEqual([1, 1]);
  });
});

describe('identity in computeContacts', () => {
  const asOf = new Date(T0 + 600 * DAY);
  const at = (day: number) => new Date(T0 + day * DAY);
  const records = [
    interaction('jonas.weber@oldco.de', 'sent', at(10), { contactName: 'Jonas Weber' }),
    interaction('jonas.weber@oldco.de', 'received', at(11), { contactName: 'Weber, Jonas' }),
    interaction('jonas.weber@oldco.de', 'sent', at(100), { contactName: 'Jonas Weber' }),
    interaction('jonas@newco.io', 'received', at(400), { contactName: 'Jonas Weber', address: 'jonas@newco.io' }),
  ];

  it('folds the addresses of one person into one entry, keyed by the first, written to at the newest', () => {
    const [person, ...rest] = computeContacts(records, { asOf });
    expect(rest).toEqual([]);
    expect(person).toMatchObject({
      key: 'jonas.weber@oldco.de',
      email: 'jonas@newco.io',
      name: 'Jonas Weber',
      addresses: ['jonas.weber@oldco.de', 'jonas@newco.io'],
      sentCount: 2,
      receivedCount: 2,
      lastInboundAt: at(400),
      lastWriter: 'them',
      // One message from the new address is not a move (test/unit/domain-change.test.ts).
      domainChange: null,
    });
    expect(person!.identityLinks.map((l) => l.rule)).toEqual(['same-name-moved']);
  });

  it('a split decision undoes the merge: the old address alone is the contact', () => {
    const contacts = computeContacts(records, {
      asOf,
      identities: [{ a: 'jonas.weber@oldco.de', b: 'jonas@newco.io', decision: 'split' }],
    });
    expect(contacts.map((c) => [c.key, c.addresses, c.domainChange])).toEqual([['jonas.weber@oldco.de', ['jonas.weber@oldco.de'], null]]);
  });
});

describe('one person or two: the person’s own reply from the other address', () => {
  const replied = (p: AddressProfile, wrote: string[], answered: string[]): AddressProfile => ({
    ...p,
    wroteAlone: new Set(wrote),
    answeredAlone: new Set(answered),
  });

  it.each([
    [
      'work and personal mail at the same time: the personal address answered what went to work',
      [
        replied(profile('jonas.weber@oldco.de', 'Jonas Weber', 0, 300), ['t1'], []),
        replied(profile('jonasweber@gmail.com', 'Jonas Weber', 100, 500), [], ['t1']),
      ],
      true,
    ],
    [
      'two gmail addresses of one name, one answering a message sent to the other',
      [
        replied(profile('john.smith@gmail.com', 'John Smith', 0, 300), ['t7'], []),
        replied(profile('jsmith@gmail.com', 'John Smith', 10, 200), [], ['t7']),
      ],
      true,
    ],
    [
      'the same two without a reply: thousands share the name',
      [
        replied(profile('john.smith@gmail.com', 'John Smith', 0, 300), ['t7'], []),
        replied(profile('jsmith@gmail.com', 'John Smith', 10, 200), [], ['t8']),
      ],
      false,
    ],
    [
      'a shared mailbox answering in a person’s name is still not that person',
      [
        replied(profile('jane.doe@gmail.com', 'Jane Doe', 0, 300), ['t1'], []),
        replied(profile('support@acme.com', 'Jane Doe', 10, 200), [], ['t1']),
      ],
      false,
    ],
  ])('%s', (_, profiles, merged) => {
    const { personOf: map, links } = resolveIdentities(profiles);
    expect(map.size > 0).toBe(merged);
    if (merged) expect(links.map((l) => l.rule)).toEqual(['same-name-replied']);
  });

  it('reads the reply from the interactions: a 1:1 message and a 1:1 answer in one thread', () => {
    const at = (day: number) => new Date(T0 + day * DAY);
    const records = [
      interaction('jonas.weber@oldco.de', 'sent', at(10), { contactName: 'Jonas Weber', threadKey: 't1' }),
      interaction('jonas.weber@oldco.de', 'received', at(11), { contactName: 'Jonas Weber', threadKey: 't0' }),
      interaction('jonasweber@gmail.com', 'received', at(12), { contactName: 'Jonas Weber', threadKey: 't1' }),
      interaction('jonasweber@gmail.com', 'sent', at(13), { contactName: 'Jonas Weber', threadKey: 't2' }),
      interaction('jonas.weber@oldco.de', 'sent', at(200), { contactName: 'Jonas Weber', threadKey: 't3' }),
    ];
    const contacts = computeContacts(records, { asOf: at(300) });
    expect(contacts.map((c) => c.addresses)).toEqual([['jonas.weber@oldco.de', 'jonasweber@gmail.com']]);
    expect(contacts[0]!.identityLinks[0]!.evidence).toBe(
      'both written as "jonas weber"; jonasweber@gmail.com answered a message you sent to jonas.weber@oldco.de alone',
    );
    // The answer in another thread is no evidence: two people (the addresses overlap in time).
    const elsewhere = records.map((r) => (r.contact === 'jonasweber@gmail.com' && r.kind === 'received' ? { ...r, threadKey: 't9' } : r));
    expect(computeContacts(elsewhere, { asOf: at(300) }).map((c) => c.addresses)).toHaveLength(2);
  });
});

describe('one person or two, through computeContacts', () => {
  const asOf = new Date(T0 + 600 * DAY);
  const at = (day: number) => new Date(T0 + day * DAY);

  it('the names X-To and X-cc give two Mike Smiths (sager-e/inbox/515, donoho-l/inbox/112) keep two contacts', () => {
    const records = [
      interaction('mike.smith@enron.com', 'sent', at(10), { contactName: 'Smith, Mike D.' }),
      interaction('mike.smith@enron.com', 'received', at(11), { contactName: 'Smith, Mike D.' }),
      interaction('msmith@enron.com', 'sent', at(100), { contactName: 'Smith, Mike L.' }),
      interaction('msmith@enron.com', 'received', at(101), { contactName: 'Smith, Mike L.' }),
    ];
    const { contacts, splits } = inferContacts(records, { asOf });
    expect(contacts.map((c) => c.summary.addresses)).toEqual([['msmith@enron.com'], ['mike.smith@enron.com']]);
    expect(splits).toEqual([{ a: 'mike.smith@enron.com', b: 'msmith@enron.com', reason: 'different-initials' }]);
    // Without the initials the two addresses are one person: the initials are what keeps them apart.
    const plain = records.map((r) => ({ ...r, contactName: 'Smith, Mike' }));
    expect(computeContacts(plain, { asOf }).map((c) => c.addresses)).toEqual([['mike.smith@enron.com', 'msmith@enron.com']]);
  });
});

describe('identity properties', () => {
  const localPart = fc.stringMatching(/^[a-z]{2,8}(\.[a-z]{2,8})?$/);
  const domain = fc.constantFrom('acme.com', 'ect.acme.com', 'other.org', 'gmail.com', 'newco.io');
  const names = fc.constantFrom('Ann Lee', 'Bo Chen', 'Lee, Ann', 'Ann', null, 'Carla Diaz');
  const profiles = fc
    .uniqueArray(
      fc.record({
        local: localPart,
        domain,
        name: names,
        first: fc.integer({ min: 0, max: 1000 }),
        length: fc.integer({ min: 0, max: 400 }),
        sources: fc.array(fc.integer({ min: 0, max: 30 }), { maxLength: 4 }),
      }),
      { selector: (p) => `${p.local}@${p.domain}`, maxLength: 12 },
    )
    .map((list) =>
      list.map((p) =>
        profile(
          `${p.local}@${p.domain}`,
          p.name,
          p.first,
          p.first + p.length,
          p.sources.map((s) => `m${s}`),
        ),
      ),
    );
  const decisionsFor = (list: AddressProfile[]) =>
    fc.array(
      fc.record({
        a: fc.constantFrom(...list.map((p) => p.key)),
        b: fc.constantFrom(...list.map((p) => p.key)),
        decision: fc.constantFrom('merge' as const, 'split' as const),
      }),
      { maxLength: 5 },
    );
  const withDecisions = profiles.filter((list) => list.length > 0).chain((list) => fc.tuple(fc.constant(list), decisionsFor(list)));

  it('does not depend on the order addresses are seen in', () => {
    fc.assert(
      fc.property(profiles, (list) => {
        expect(personOf([...list].reverse())).toEqual(personOf(list));
      }),
    );
  });

  it('never puts a split pair in one person, whatever else is decided', () => {
    fc.assert(
      fc.property(withDecisions, ([list, decisions]) => {
        const people = personOf(list, decisions);
        for (const d of decisions) if (d.decision === 'split' && d.a !== d.b) expect(people[d.a]).not.toBe(people[d.b]);
      }),
    );
  });

  it('merges on its own only addresses with one full name that never shared a message, keyed by the first seen', () => {
    fc.assert(
      fc.property(profiles, (list) => {
        const { personOf: map, links } = resolveIdentities(list);
        const byKey = new Map(list.map((p) => [p.key, p]));
        for (const link of links) {
          const a = byKey.get(link.a)!;
          const b = byKey.get(link.b)!;
          expect(a.nameKey).not.toBeNull();
          expect(a.nameKey).toBe(b.nameKey);
          expect([...a.sources.keys()].some((s) => b.sources.has(s))).toBe(false);
        }
        for (const [address, person] of map) {
          const members = [...map].filter(([, p]) => p === person).map(([k]) => byKey.get(k)!);
          const first = Math.min(...members.map((m) => m.first));
          expect(byKey.get(person)!.first).toBe(first);
          expect(members.map((m) => m.key)).toContain(address);
        }
      }),
    );
  });

  it('every address belongs to exactly one contact, and merging loses no interaction', () => {
    fc.assert(
      fc.property(profiles, (list) => {
        const records = list.flatMap((p, i) => [
          interaction(p.key, 'sent', new Date(p.first), { contactName: p.nameKey, sourceKey: `s${i}` }),
          interaction(p.key, 'received', new Date(p.last), { contactName: p.nameKey, sourceKey: `r${i}` }),
        ]);
        const contacts = computeContacts(records, { asOf: new Date(T0 + 2000 * DAY) });
        const addresses = contacts.flatMap((c) => c.addresses);
        expect(new Set(addresses).size).toBe(addresses.length);
        expect(addresses.sort()).toEqual(list.map((p) => p.key).sort());
        expect(contacts.reduce((n, c) => n + c.sentCount + c.receivedCount, 0)).toBe(records.length);
      }),
    );
  });
});
