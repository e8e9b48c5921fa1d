/**
 * Issue 15: an Exchange or Outlook export names most people without an SMTP address. Built
 * from the Enron corpus (whose `X-From`/`X-To`/`X-cc` carry the Exchange directory): the
 * same rebuilt mailboxes the eval uses, with every sender inside Enron rewritten to their
 * legacy DN (three written forms) and every recipient of internal mail to a display name
 * only (testkit/exchange-style-mailbox.ts). Imported through `rekindle import`'s code into
 * Postgres, they must give the contacts, and the last-contact days, of the original
 * SMTP-addressed mailbox; and a mailbox that never shows who someone is must count them,
 * not drop them or guess.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mailSummaryLines } from '../../src/cli/import-command.ts';
import { recomputeContacts } from '../../src/contact-store/recompute-contacts.ts';
import { importMail, type MailImportSummary } from '../../src/import/import-mail.ts';
import { ensureLocalAccount } from '../../src/import/local-account.ts';
import type { RawMessage } from '../../src/import/raw-message.ts';
import { ENRON_OWNERS, indexSenders, rebuiltMailbox, type CorpusFile } from '../../testkit/enron-mailboxes.ts';
import { corpus } from '../../testkit/corpora.ts';
import { ExchangeStyleExport } from '../../testkit/exchange-style-mailbox.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/test-database.ts';

/** Owners whose rebuilt mailboxes are small enough to import twice each in a few seconds. */
const OWNERS = ['watson-k', 'tycholiz-b', 'heard-m'];
const maildir = corpus('enron-inbox/maildir');

interface ContactDays {
  contact: string;
  lastContact: string;
  lastOutbound: string | null;
  lastInbound: string | null;
}

/** The export, split: the messages that carry no directory record, then the few that do. */
async function exchangeStyle(messages: AsyncIterable<RawMessage>, exported: ExchangeStyleExport): Promise<[RawMessage[], RawMessage[]]> {
  const bare: RawMessage[] = [];
  const recorded: RawMessage[] = [];
  for await (const raw of messages) {
    const headers = exported.rewrite(raw.headers, raw.folder);
    (exported.lastHadRecord ? recorded : bare).push({ ...raw, headers });
  }
  return [bare, recorded];
}

async function* each(messages: RawMessage[]): AsyncGenerator<RawMessage> {
  yield* messages;
}

describe('an Exchange-style mailbox gives the contacts of the same mailbox written with SMTP addresses', () => {
  let smtp: TestDatabase;
  let exchange: TestDatabase;
  let index: CorpusFile[];

  beforeAll(async () => {
    [smtp, exchange, index] = await Promise.all([createTestDatabase(), createTestDatabase(), indexSenders(maildir)]);
  });

  afterAll(async () => {
    await Promise.all([smtp?.drop(), exchange?.drop()]);
  });

  async function contactsOf(
    database: TestDatabase,
    user: string,
    rewrite: ExchangeStyleExport | null,
  ): Promise<{ summary: MailImportSummary; contacts: ContactDays[] }> {
    const addresses = ENRON_OWNERS[user]!;
    const account = await ensureLocalAccount(database.sql, addresses[0]!, addresses.slice(1));
    const source = rebuiltMailbox(maildir, index, user, new Set(account.addresses));
    let summary: MailImportSummary;
    if (rewrite) {
      // Two imports, the messages that show who people are last: everything the first one could
      // not resolve waits, and must be resolved by the second (as by a later page of a live sync).
      const [bare, recorded] = await exchangeStyle(source, rewrite);
      const first = await importMail(database.sql, account, each(bare), { storeSubjects: false });
      expect(first.unresolved.mailboxes).toBeGreaterThan(10);
      summary = await importMail(database.sql, account, each(recorded), { storeSubjects: false });
    } else {
      summary = await importMail(database.sql, account, source, { storeSubjects: false });
    }
    const [row] = await database.sql<
      { end: Date }[]
    >`select max(sent_at) as end from mail_messages where account_id = ${account.accountId}`;
    const end = row!.end;
    await recomputeContacts(database.sql, account.userId, end);
    const contacts = await database.sql<ContactDays[]>`
      select contact, to_char(last_contact_at at time zone 'UTC', 'YYYY-MM-DD') as "lastContact",
             to_char(last_outbound_at at time zone 'UTC', 'YYYY-MM-DD') as "lastOutbound",
             to_char(last_inbound_at at time zone 'UTC', 'YYYY-MM-DD') as "lastInbound"
        from contacts where user_id = ${account.userId} order by contact collate "C"`;
    return { summary, contacts };
  }

  it.each(OWNERS)('%s: every sender a DN, every internal recipient a name, and the same contacts on the same days', async (user) => {
    const exported = new ExchangeStyleExport(ENRON_OWNERS[user]!);
    const original = await contactsOf(smtp, user, null);
    const rewritten = await contactsOf(exchange, user, exported);
    // The rewrite is real: over a hundred messages lost their addresses, most of them keep no directory record.
    expect(exported.rewritten).toBeGreaterThan(100);
    expect(exported.withRecord).toBeLessThan(exported.rewritten / 2);
    expect(original.contacts.length).toBeGreaterThan(10);
    expect(rewritten.contacts).toEqual(original.contacts);
    expect(rewritten.summary.unresolved).toEqual({ interactions: 0, mailboxes: 0, messages: 0 });
  });

  it('counts the people a mailbox never shows an address for, and guesses none of them', async () => {
    // The same export without any directory record: senders inside Enron are only DNs, internal recipients only names.
    const user = 'watson-k';
    const bare = new ExchangeStyleExport(ENRON_OWNERS[user]!, { records: false });
    const database = await createTestDatabase();
    try {
      const original = await contactsOf(smtp, user, null);
      const rewritten = await contactsOf(database, user, bare);
      expect(rewritten.summary.unresolved.mailboxes).toBeGreaterThan(0);
      expect(rewritten.summary.unresolved.messages).toBeGreaterThan(0);
      // `rekindle import` says so.
      const { mailboxes, messages } = rewritten.summary.unresolved;
      expect(mailSummaryLines(rewritten.summary)).toContain(
        `Unresolved (Exchange or display-name-only addresses the mail never showed an address for): ${mailboxes} people on ${messages} messages, kept aside`,
      );
      // Fewer people, but each one found is a person of the original mailbox, never seen later than there: nothing guessed.
      expect(rewritten.contacts.length).toBeLessThan(original.contacts.length);
      const byContact = new Map(original.contacts.map((c) => [c.contact, c]));
      for (const contact of rewritten.contacts) {
        const same = byContact.get(contact.contact);
        expect(same, contact.contact).toBeDefined();
        expect(contact.lastContact <= same!.lastContact).toBe(true);
      }
    } finally {
      await database.drop();
    }
  });
});
