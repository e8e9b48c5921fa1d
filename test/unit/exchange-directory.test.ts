/**
 * Issue 15, Exchange and Outlook addresses: what a mailbox shows about a DN or a bare display
 * name, and when that makes its SMTP address certain. Headers in the forms of the Enron
 * corpus (`X-From`/`X-To`/`X-cc` with directory names and DNs) and of issue 15's Outlook export.
 */
import { describe, expect, it } from 'vitest';
import { aliasesOf, evidenceOf, resolveAliases, tallyEvidence } from '../../src/contacts/exchange-directory.ts';
import { interactionsFromMessage } from '../../src/contacts/extract-interactions.ts';
import { createOwner } from '../../src/contacts/owner.ts';
import { parseHeaderBlock } from '../../src/mail/header-block.ts';
import { messageMetaFromHeaders } from '../../src/mail/message-meta.ts';
import type { MessageMeta } from '../../src/mail/types.ts';

const owner = createOwner(['susan.bailey@enron.com']);
const DN = (cn: string) => `/O=ENRON/OU=NA/CN=RECIPIENTS/CN=${cn}`;
let n = 0;

function meta(folder: 'sent' | 'inbox', ...lines: string[]): MessageMeta {
  const result = messageMetaFromHeaders(
    parseHeaderBlock([`Message-ID: <m${++n}@x>`, 'Date: Mon, 12 Nov 2001 12:28:21 -0800', ...lines].join('\n')),
    {
      providerId: `p${n}`,
      threadId: null,
      folder,
    },
  );
  if (!('message' in result)) throw new Error('no message');
  return result.message;
}

function resolveAll(messages: MessageMeta[], aliases: string[] = []): Map<string, string> {
  const evidence = tallyEvidence(messages.flatMap((m) => evidenceOf(m, 'susan.bailey@enron.com')));
  return resolveAliases(new Set([...aliases, ...messages.flatMap(aliasesOf)]), evidence, owner);
}

describe('resolving Exchange DNs and display-name-only recipients from the mailbox itself', () => {
  const shows = meta(
    'inbox',
    'From: mike.smith@enron.com',
    'To: susan.bailey@enron.com, mike.smith2@enron.com',
    `X-From: Smith, Mike D. <${DN('Msmith1')}>`,
    `X-To: Bailey, Susan <${DN('SBAILE2')}>, Smith, Mike L. <${DN('Msmith14')}>`,
  );

  it('learns DN and name pairs from an address written beside its directory entry', () => {
    const dn1 = `ex:${DN('Msmith1').toLowerCase()}`;
    const dn14 = `ex:${DN('Msmith14').toLowerCase()}`;
    const resolved = resolveAll([shows], [dn1, dn14, 'name:mike d. smith', 'name:mike l. smith', 'name:susan bailey']);
    expect(Object.fromEntries(resolved)).toEqual({
      [dn1]: 'mike.smith@enron.com',
      [dn14]: 'mike.smith2@enron.com',
      'name:mike d. smith': 'mike.smith@enron.com',
      'name:mike l. smith': 'mike.smith2@enron.com',
      'name:susan bailey': 'susan.bailey@enron.com',
    });
  });

  it('applies them to another message that has only a DN sender and name-only recipients; two Mike Smiths stay two', () => {
    const later = meta('inbox', `From: <Smith>,"Mike D." <${DN('Msmith1')}>`, 'To: "Bailey, Susan", "Smith, Mike L."');
    const resolved = resolveAll([shows, later]);
    const { interactions } = interactionsFromMessage(later, owner, {
      accountId: 'a',
      storeSubjects: false,
      resolve: (alias) => resolved.get(alias) ?? null,
    });
    expect(interactions.map((i) => [i.contact, i.kind])).toEqual([['mike.smith@enron.com', 'received']]);
    // Susan, a name only, was found to be the owner: the message was addressed To her.
    expect(interactions[0]!.weight).toBeGreaterThan(0.5);
  });

  it('learns the owner’s own DN and name from her Sent folder, so her mail filed elsewhere is outbound', () => {
    const sent = meta('sent', `From: "Bailey, Susan" <${DN('SBAILE2')}>`, 'To: mike.smith@enron.com');
    const filed = meta('inbox', `From: EX:${DN('SBAILE2')}`, 'To: mike.smith@enron.com');
    const resolved = resolveAll([sent, filed]);
    expect(resolved.get(`ex:${DN('SBAILE2').toLowerCase()}`)).toBe('susan.bailey@enron.com');
    const { interactions } = interactionsFromMessage(filed, owner, {
      accountId: 'a',
      storeSubjects: false,
      resolve: (a) => resolved.get(a) ?? null,
    });
    expect(interactions.map((i) => [i.contact, i.kind])).toEqual([['mike.smith@enron.com', 'sent']]);
  });

  it('leaves a name seen with two directory entries unresolved, and its interactions pending under the alias', () => {
    const one = meta('inbox', 'From: a@x.org', 'To: mike.smith@enron.com', `X-To: Mike Smith <${DN('Msmith1')}>`);
    const two = meta('inbox', 'From: a@x.org', 'To: msmith@enron.com', `X-To: Mike Smith <${DN('Msmith19')}>`);
    const only = meta('sent', `From: "Bailey, Susan" <${DN('SBAILE2')}>`, 'To: "Mike Smith"');
    const resolved = resolveAll([one, two, only]);
    expect(resolved.has('name:mike smith')).toBe(false);
    const { interactions } = interactionsFromMessage(only, owner, {
      accountId: 'a',
      storeSubjects: false,
      resolve: (a) => resolved.get(a) ?? null,
    });
    expect(interactions.map((i) => i.contact)).toEqual(['name:mike smith']);
  });

  it('a first name alone is no alias: it names too many people to resolve', () => {
    const shown = meta('inbox', 'From: Kim <kim@x.org>', 'To: susan.bailey@enron.com');
    const bare = meta('sent', 'From: susan.bailey@enron.com', 'To: "Kim"');
    expect(aliasesOf(bare)).toEqual([]);
    expect(evidenceOf(shown, 'susan.bailey@enron.com')).toEqual([]);
  });

  it('a DN never shown with an address stays unresolved', () => {
    const lone = meta('inbox', `From: "Nobody, Known" <${DN('NKNOWN')}>`, 'To: susan.bailey@enron.com');
    expect(resolveAll([lone]).has(`ex:${DN('NKNOWN').toLowerCase()}`)).toBe(false);
  });
});
