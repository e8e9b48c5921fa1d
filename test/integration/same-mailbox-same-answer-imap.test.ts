/**
 * Same mailbox, same answer, for IMAP: the sample mailbox's mail is served once by the Gmail
 * emulator and once by a real Dovecot (filed into Sent, INBOX, Archive, Junk, Trash and Drafts
 * as Gmail's labels say), each synced by real workers into its own database. The contacts, the
 * reconnect list and the digest preview must come out identical.
 *
 * Mail only: IMAP carries no calendar, so both sides get the sample's mail without its events
 * (the Gmail and Graph comparison, same-mailbox-same-answer.test.ts, covers meetings).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAccount } from '../../src/accounts/connect-account.ts';
import { renderContacts } from '../../src/cli/contacts-command.ts';
import { renderPreview } from '../../src/cli/digest-command.ts';
import { loadIdentityDecisions } from '../../src/contact-store/identity-decisions.ts';
import { loadInteractions } from '../../src/contact-store/load-interactions.ts';
import { computeContacts } from '../../src/contacts/compute-contacts.ts';
import { selectReconnects } from '../../src/contacts/select-reconnects.ts';
import type { ContactSummary } from '../../src/contacts/types.ts';
import { buildSampleMailbox } from '../../fakes/demo/sample-mailbox.ts';
import { startGoogleEmulator, type GoogleEmulator } from '../../fakes/google/index.ts';
import { startWorker, type WorkerHandle } from '../../src/worker/start-worker.ts';
import { contactsOf } from '../../testkit/contact-truth.ts';
import { startDovecot, type Dovecot } from '../../testkit/dovecot.ts';
import { createImapUser, imapMessageOfSeed } from '../../testkit/imap-mailbox.ts';
import { connectEmulatedGoogle, testConfig, testLogger, waitUntilSynced } from '../../testkit/sync-harness.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/test-database.ts';
import { createTestPrefix } from '../../testkit/test-redis.ts';

const now = new Date(Math.floor(Date.now() / 1000) * 1000);
const asOf = new Date(now.getTime() + 60_000);

interface Side {
  database: TestDatabase;
  worker: WorkerHandle;
  userId: string;
}

function comparable(contact: ContactSummary) {
  const { lastThreadKey: _threadKey, ...rest } = contact;
  return rest;
}

async function computed(side: Side) {
  return computeContacts(await loadInteractions(side.database.sql, side.userId), {
    asOf,
    identities: await loadIdentityDecisions(side.database.sql, side.userId),
  });
}

describe('same mailbox, same answer (Gmail and a real IMAP server)', () => {
  const sample = buildSampleMailbox({ now });
  const seed = { ...sample.seed, events: [] };
  const email = sample.owner.email;
  const googleQueue = createTestPrefix('same-imap-google');
  const imapQueue = createTestPrefix('same-imap-imap');
  let gmail: GoogleEmulator;
  let dovecot: Dovecot;
  let google: Side;
  let imap: Side;

  beforeAll(async () => {
    gmail = await startGoogleEmulator({ quotaUnitsPerMinute: 60_000 });
    gmail.addMailbox(seed);
    dovecot = await startDovecot();
    const user = await createImapUser(dovecot, email);
    await user.append(seed.messages.map(imapMessageOfSeed));

    const googleDatabase = await createTestDatabase();
    const imapDatabase = await createTestDatabase();
    const [googleWorker, imapWorker] = await Promise.all([
      startWorker({ config: testConfig(googleDatabase, googleQueue.prefix, gmail, { GMAIL_QUOTA_UNITS_PER_MINUTE: '60000' }), logger: testLogger() }),
      startWorker({ config: testConfig(imapDatabase, imapQueue.prefix, gmail), logger: testLogger() }),
    ]);
    const googleAccount = await connectEmulatedGoogle(googleDatabase, gmail, email);
    const imapAccount = await connectAccount(imapDatabase.sql, {
      userEmail: email,
      provider: 'imap',
      accountEmail: email,
      refreshToken: user.password,
      imapServer: user.server,
    });
    await Promise.all([waitUntilSynced(googleDatabase, googleAccount.accountId, 90_000), waitUntilSynced(imapDatabase, imapAccount.accountId, 90_000)]);
    google = { database: googleDatabase, worker: googleWorker, userId: googleAccount.userId };
    imap = { database: imapDatabase, worker: imapWorker, userId: imapAccount.userId };
  }, 180_000);

  afterAll(async () => {
    for (const side of [google, imap]) {
      await side?.worker.close();
      await side?.database.drop();
    }
    await gmail?.close();
    await dovecot?.destroy();
    await googleQueue.cleanup();
    await imapQueue.cleanup();
  });

  it('stores the app password encrypted, never as written', async () => {
    const [row] = await imap.database.sql<{ secret: string }[]>`select refresh_token as secret from accounts where provider = 'imap'`;
    expect(row!.secret).toMatch(/^rk1\./);
    expect(row!.secret).not.toContain('app-password');
  });

  it('finds the same people, with the same names, dates and counts', async () => {
    const fromGoogle = await contactsOf(google.database, email);
    const fromImap = await contactsOf(imap.database, email);
    expect(fromGoogle.size).toBeGreaterThan(0);
    expect([...fromImap.keys()].sort()).toEqual([...fromGoogle.keys()].sort());
    for (const [address, contact] of fromGoogle) expect(fromImap.get(address), address).toEqual(contact);
  });

  it('prints the same `rekindle contacts --json`', async () => {
    expect(JSON.parse(await renderContacts(imap.database, email, asOf, true))).toEqual(JSON.parse(await renderContacts(google.database, email, asOf, true)));
  });

  it('computes the same contact summaries: cadence, strength, last subject, who wrote last', async () => {
    expect((await computed(imap)).map(comparable)).toEqual((await computed(google)).map(comparable));
  });

  it('selects the same people to reconnect with, for the same reasons', async () => {
    const list = async (side: Side) =>
      selectReconnects(await computed(side), new Map(), { asOf, budget: 5 }).map((c) => ({
        contact: c.contact.key,
        score: c.score,
        reason: c.reason,
        daysSinceLastContact: c.daysSinceLastContact,
        expectedGapDays: c.expectedGapDays,
      }));
    const fromGoogle = await list(google);
    expect(fromGoogle.length).toBeGreaterThan(0);
    expect(await list(imap)).toEqual(fromGoogle);
  });

  it('previews the same digest (`rekindle digest preview --json`)', async () => {
    const fromGoogle = await renderPreview(google.database, email, asOf, 5, true);
    expect(JSON.parse(fromGoogle).items.length).toBeGreaterThan(0);
    expect(await renderPreview(imap.database, email, asOf, 5, true)).toBe(fromGoogle);
  });
});
