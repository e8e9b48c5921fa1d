import { domainToASCII } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeAddress } from '../../src/contacts/normalize-address.ts';
import { createOwner, isOwner } from '../../src/contacts/owner.ts';

describe('normalizeAddress', () => {
  it.each([
    ['case and whitespace', '  Ann.Lee@Example.ORG ', 'ann.lee@example.org'],
    ['angle brackets', '<ann@example.org>', 'ann@example.org'],
    ['mailto: prefix', 'mailto:Ann@Example.org', 'ann@example.org'],
    ['single quotes around the whole address', "'Kim.Watson@enron.com'", 'kim.watson@enron.com'],
    ['an apostrophe inside the local part', "paul.y'barbo@enron.com", "paul.y'barbo@enron.com"],
    ['trailing dot of a fully qualified domain', 'ann@example.org.', 'ann@example.org'],
    ['punycode domain to Unicode', 'hans@xn--bcher-kva.de', 'hans@bücher.de'],
    ['upper-case Unicode domain', 'hans@BÜCHER.DE', 'hans@bücher.de'],
    ['full-width domain (IDNA mapping)', 'hans@ＥＸＡＭＰＬＥ.com', 'hans@example.com'],
    ['Cyrillic domain stays itself', 'ivan@xn--80ak6aa92e.com', 'ivan@аррӏе.com'],
    ['Unicode local part, NFC', 'Jose\u0301@example.org', 'josé@example.org'],
    ['IP literal domain', 'root@[192.0.2.1]', 'root@[192.0.2.1]'],
    ['Gmail dots fold', 'Ann.M.Lee@gmail.com', 'annmlee@gmail.com'],
    ['Gmail +tag folds', 'annlee+newsletters@gmail.com', 'annlee@gmail.com'],
    ['googlemail is gmail', 'Ann.Lee+x@GoogleMail.com', 'annlee@gmail.com'],
    ['Gmail trailing dot domain', 'ann.lee@gmail.com.', 'annlee@gmail.com'],
    ['no dot folding elsewhere', 'ann.lee@example.org', 'ann.lee@example.org'],
    ['no +tag folding elsewhere', 'ann+work@example.org', 'ann+work@example.org'],
    ['no folding at Google Workspace domains', 'ann.lee+x@google.com', 'ann.lee+x@google.com'],
    ['no folding at lookalike domains', 'ann.lee+x@gmail.co', 'ann.lee+x@gmail.co'],
    ['odd but real local parts are kept', 'l..denton@enron.com', 'l..denton@enron.com'],
    ['two @ signs are not an address', 'ann@example.org@evil.example', null],
  ])('%s: %s', (_, input, expected) => {
    expect(normalizeAddress(input)).toBe(expected);
  });

  it.each([
    ['empty', ''],
    ['blank', '   '],
    ['no @', 'ann.example.org'],
    ['no local part', '@example.org'],
    ['no domain', 'ann@'],
    ['bare host', 'root@localhost'],
    ['unbracketed IP', 'root@192.0.2.1'],
    ['space inside', 'ann lee@example.org'],
    ['display name and address', 'Ann <ann@example.org>'],
    ['quoted local part', '"ann lee"@example.org'],
    ['empty label', 'ann@example..org'],
    ['broken domain', 'ann@exa mple.org'],
    ['only a +tag at Gmail', '+tag@gmail.com'],
    ['only dots at Gmail', '...@gmail.com'],
    ['undisclosed recipients group', 'undisclosed-recipients:;'],
    ['absurdly long', `${'a'.repeat(400)}@example.org`],
  ])('null for %s', (_, input) => {
    expect(normalizeAddress(input)).toBeNull();
  });

  it('is idempotent', () => {
    for (const input of ['Ann.Lee+x@GoogleMail.com', 'hans@xn--bcher-kva.de', 'A@B.example.', 'ivan@xn--80ak6aa92e.com']) {
      const once = normalizeAddress(input)!;
      expect(normalizeAddress(once)).toBe(once);
    }
  });

  it('does not throw on non-string input from untyped callers', () => {
    expect(normalizeAddress(undefined as unknown as string)).toBeNull();
    expect(normalizeAddress(42 as unknown as string)).toBeNull();
  });
});

describe('owner', () => {
  const owner = createOwner(['Ann.Lee@gmail.com', 'ann@Work.Example', 'not an address', '']);

  it('keeps the normalized addresses and drops junk', () => {
    expect([...owner.addresses].sort()).toEqual(['ann@work.example', 'annlee@gmail.com']);
  });

  it.each([
    ['annlee@gmail.com', true],
    ['ann.lee+receipts@googlemail.com', true],
    ['ANN@work.example.', true],
    ['ann@work.example.org', false],
    ['ann.lee@example.com', false],
    ['', false],
  ])('isOwner(%s) = %s', (email, expected) => {
    expect(isOwner(owner, email)).toBe(expected);
  });

  it('an owner with no addresses owns nothing', () => {
    expect(isOwner(createOwner([]), 'ann@example.org')).toBe(false);
  });
});

describe('normalizeAddress: properties', () => {
  const local = fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,15}[a-z0-9]$/).filter((s) => !s.includes('..'));
  const label = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}[a-z0-9]$/);
  const domain = fc
    .tuple(fc.array(label, { minLength: 1, maxLength: 3 }), fc.constantFrom('com', 'org', 'de', 'io', 'co.uk'))
    .map(([labels, tld]) => `${labels.join('.')}.${tld}`);
  const address = fc.tuple(local, domain).map(([l, d]) => `${l}@${d}`);
  const randomCase = (value: string, flips: boolean[]) =>
    [...value].map((ch, i) => (flips[i % Math.max(1, flips.length)] ? ch.toUpperCase() : ch)).join('');

  it('is idempotent, and a key is always lower-case with one @', () => {
    fc.assert(
      fc.property(address, (email) => {
        const key = normalizeAddress(email);
        expect(key).not.toBeNull();
        expect(normalizeAddress(key!)).toBe(key);
        expect(key).toBe(key!.toLowerCase());
        expect(key!.split('@')).toHaveLength(2);
      }),
    );
  });

  it('ignores case, surrounding space, angle brackets and mailto:', () => {
    fc.assert(
      fc.property(address, fc.array(fc.boolean(), { minLength: 1 }), fc.constantFrom('', ' ', '\t'), (email, flips, pad) => {
        const key = normalizeAddress(email);
        expect(normalizeAddress(randomCase(email, flips))).toBe(key);
        expect(normalizeAddress(`${pad}<${email}>${pad}`)).toBe(key);
        expect(normalizeAddress(`mailto:${email}`)).toBe(key);
      }),
    );
  });

  it('folds dots and +tags at Gmail only; elsewhere they name other mailboxes', () => {
    const gmailLocal = fc.stringMatching(/^[a-z0-9]{2,12}$/);
    fc.assert(
      fc.property(gmailLocal, fc.integer({ min: 1, max: 10 }), fc.stringMatching(/^[a-z0-9]{1,8}$/), domain, (name, cut, tag, other) => {
        const at = Math.min(cut, name.length - 1);
        const dotted = `${name.slice(0, at)}.${name.slice(at)}`;
        expect(normalizeAddress(`${dotted}+${tag}@googlemail.com`)).toBe(normalizeAddress(`${name}@gmail.com`));
        expect(normalizeAddress(`${dotted}@${other}`)).not.toBe(normalizeAddress(`${name}@${other}`));
        expect(normalizeAddress(`${name}+${tag}@${other}`)).not.toBe(normalizeAddress(`${name}@${other}`));
      }),
    );
  });

  it('reads a punycode domain and its Unicode form as one', () => {
    fc.assert(
      fc.property(
        local,
        fc.constantFrom('bücher', 'münchen', 'köln', 'españa', 'ελλάδα'),
        fc.constantFrom('de', 'com'),
        (name, label, tld) => {
          const ascii = `${name}@${domainToASCII(`${label}.${tld}`)}`;
          expect(normalizeAddress(ascii)).toBe(normalizeAddress(`${name}@${label.toUpperCase()}.${tld}`));
        },
      ),
    );
  });

  it('never throws, and gives null or a key for any string', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (value) => {
        const key = normalizeAddress(value);
        if (key !== null) expect(key.lastIndexOf('@')).toBeGreaterThan(0);
      }),
    );
  });
});
