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
import { buildSampleMailbox } from '../../fakes/demo/sample-mailbox.ts';
import { startGoogleEmulator, type GoogleEmulator } from '../../fakes/google/index.ts';
import { startGraphEmulator, type GraphEmulator } from '../../fakes/microsoft/index.ts';
import { startWorker } from '../../src/workers/start-worker.ts';
import { contactsOf, expectMatchesTruth } from '../../testkit/contact-truth.ts';
import { connectEmulatedMicrosoft, microsoftTestConfig } from '../../testkit/microsoft-harness.ts';
import { connectEmulatedGoogle, testConfig, testLogger, waitUntilSynced } from '../../testkit/sync-harness.ts';
import { comparable, computedContacts, createPausedUser, previewContext, reconnectList, type Side } from '../../testkit/same-answer.ts';
import { createTestDatabase } from '../../testkit/test-database.ts';
import { createTestPrefix } from '../../testkit/test-redis.ts';

/** On a whole second: Graph's DateTimeOffsets have no milliseconds (Gmail's internalDate has). */
const now = new Date(Math.floor(Date.now() / 1000) * 1000);
const asOf = new Date(now.getTime() + 60_000);

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
    for (const database of [googleDatabase, graphDatabase]) await createPausedUser(database, email);
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
    const fromGoogle = (await computedContacts(google, asOf)).map(comparable);
    const fromGraph = (await computedContacts(microsoft, asOf)).map(comparable);
    expect(fromGraph).toEqual(fromGoogle);
  });

  it('selects the same people to reconnect with, for the same reasons', async () => {
    const list = (side: Side) => reconnectList(side, asOf);
    const fromGoogle = await list(google);
    expect(fromGoogle.length).toBeGreaterThan(0);
    expect(await list(microsoft)).toEqual(fromGoogle);
  });

  it('previews the same digest (`rekindle digest preview --json`)', async () => {
    const fromGoogle = await renderPreview(google.database, email, asOf, 5, true);
    const fromGraph = await renderPreview(microsoft.database, email, asOf, 5, true);
    expect(JSON.parse(fromGoogle).items.length).toBeGreaterThan(0);
    // Not vacuous: the list carries the context to write (a meeting shared, a mutual connection).
    expect(previewContext(fromGoogle)).toEqual({ meetings: 1, mutuals: 1 });
    expect(fromGraph).toBe(fromGoogle);
  });
});
