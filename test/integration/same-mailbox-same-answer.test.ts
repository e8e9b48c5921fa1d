/**
 * Same mailbox, same answer: the sample mailbox is served once by the Gmail emulator and once by
 * the Graph emulator (which files the same messages into Outlook folders and turns the same
 * events into Outlook events), each synced by real workers through the real client library into
 * its own database. Nothing after the provider boundary may know which provider it was: the
 * contacts, the reconnect list and the digest preview must come out identical.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderPreview } from '../../src/cli/digest-command.ts';
import { renderContacts } from '../../src/cli/contacts-command.ts';
import { loadIdentityDecisions } from '../../src/contact-store/identity-decisions.ts';
import { loadInteractions } from '../../src/contact-store/load-interactions.ts';
import { computeContacts } from '../../src/contacts/compute-contacts.ts';
import { selectReconnects } from '../../src/contacts/select-reconnects.ts';
import type { ContactSummary } from '../../src/contacts/types.ts';
import { buildSampleMailbox } from '../../fakes/demo/sample-mailbox.ts';
import { startGoogleEmulator, type GoogleEmulator } from '../../fakes/google/index.ts';
import { startGraphEmulator, type GraphEmulator } from '../../fakes/microsoft/index.ts';
import { startWorker, type WorkerHandle } from '../../src/workers/start-worker.ts';
import { contactsOf, expectMatchesTruth } from '../../testkit/contact-truth.ts';
import { connectEmulatedMicrosoft, microsoftTestConfig } from '../../testkit/microsoft-harness.ts';
import { connectEmulatedGoogle, testConfig, testLogger, waitUntilSynced } from '../../testkit/sync-harness.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/test-database.ts';
import { createTestPrefix } from '../../testkit/test-redis.ts';

/** On a whole second: Graph's DateTimeOffsets have no milliseconds (Gmail's internalDate has). */
const now = new Date(Math.floor(Date.now() / 1000) * 1000);
const asOf = new Date(now.getTime() + 60_000);

interface Side {
  database: TestDatabase;
  worker: WorkerHandle;
  userId: string;
}

/** A contact without what is only a provider's name for things (thread and conversation ids). */
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

describe('same mailbox, same answer (Gmail and Microsoft Graph)', () => {
  const sample = buildSampleMailbox({ now });
  const email = sample.owner.email;
  const googleQueue = createTestPrefix('same-google');
  const graphQueue = createTestPrefix('same-graph');
  let gmail: GoogleEmulator;
  let graph: GraphEmulator;
  let google: Side;
  let microsoft: Side;

  beforeAll(async () => {
    gmail = await startGoogleEmulator({ quotaUnitsPerMinute: 60_000 });
    gmail.addMailbox(sample.seed);
    graph = await startGraphEmulator();
    graph.addMailbox(sample.seed);

    const googleDatabase = await createTestDatabase();
    const graphDatabase = await createTestDatabase();
    const [googleWorker, graphWorker] = await Promise.all([
      startWorker({
        config: testConfig(googleDatabase, googleQueue.prefix, gmail, { GMAIL_QUOTA_UNITS_PER_MINUTE: '60000' }),
        logger: testLogger(),
      }),
      startWorker({ config: microsoftTestConfig(graphDatabase, graphQueue.prefix, graph), logger: testLogger() }),
    ]);
    // The comparison is of inference, so no digest may go out meanwhile: a weekly digest sent
    // mid-sync on one side only (its timing follows the machine's load) would rest its people
    // there and change that side's preview. The user exists, paused, before the mailbox connects.
    for (const database of [googleDatabase, graphDatabase]) {
      await database.sql`insert into users (email, digest_paused_at, digest_paused_reason) values (${email}, now(), 'user')`;
    }
    const googleAccount = await connectEmulatedGoogle(googleDatabase, gmail, email);
    const graphAccount = await connectEmulatedMicrosoft(graphDatabase, graph, email);
    await Promise.all([
      waitUntilSynced(googleDatabase, googleAccount.accountId, 90_000),
      waitUntilSynced(graphDatabase, graphAccount.accountId, 90_000),
    ]);
    google = { database: googleDatabase, worker: googleWorker, userId: googleAccount.userId };
    microsoft = { database: graphDatabase, worker: graphWorker, userId: graphAccount.userId };
  }, 180_000);

  afterAll(async () => {
    for (const side of [google, microsoft]) {
      await side?.worker.close();
      await side?.database.drop();
    }
    await gmail?.close();
    await graph?.close();
    await googleQueue.cleanup();
    await graphQueue.cleanup();
  });

  it('finds the same people, with the same names, dates and counts, and they are the true ones', async () => {
    const fromGoogle = await contactsOf(google.database, email);
    const fromGraph = await contactsOf(microsoft.database, email);
    expect([...fromGraph.keys()].sort()).toEqual([...fromGoogle.keys()].sort());
    for (const [address, contact] of fromGoogle) expect(fromGraph.get(address), address).toEqual(contact);
    for (const truth of sample.contacts.values()) expectMatchesTruth(fromGraph.get(truth.email), truth);
  });

  it('prints the same `rekindle contacts --json`', async () => {
    const fromGoogle = await renderContacts(google.database, email, asOf, true);
    const fromGraph = await renderContacts(microsoft.database, email, asOf, true);
    expect(JSON.parse(fromGraph)).toEqual(JSON.parse(fromGoogle));
    expect(JSON.parse(fromGoogle).length).toBe(sample.contacts.size);
  });

  it('computes the same contact summaries: cadence, strength, last subject, who wrote last', async () => {
    const fromGoogle = (await computed(google)).map(comparable);
    const fromGraph = (await computed(microsoft)).map(comparable);
    expect(fromGraph).toEqual(fromGoogle);
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
    expect(await list(microsoft)).toEqual(fromGoogle);
  });

  it('previews the same digest (`rekindle digest preview --json`)', async () => {
    const fromGoogle = await renderPreview(google.database, email, asOf, 5, true);
    const fromGraph = await renderPreview(microsoft.database, email, asOf, 5, true);
    expect(JSON.parse(fromGoogle).items.length).toBeGreaterThan(0);
    // Not vacuous: the list carries the context to write (a meeting shared, a mutual connection).
    expect(withContext(fromGoogle)).toEqual({ meetings: 1, mutuals: 1 });
    expect(fromGraph).toBe(fromGoogle);
  });
});

/** How many people of a preview (JSON) come with a meeting shared, and with a mutual connection. */
function withContext(preview: string) {
  const items = JSON.parse(preview).items as { lastSharedMeeting: unknown; mutualConnection: unknown }[];
  return { meetings: items.filter((i) => i.lastSharedMeeting).length, mutuals: items.filter((i) => i.mutualConnection).length };
}
