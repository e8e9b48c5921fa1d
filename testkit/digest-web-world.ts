/**
 * A database, the Gmail emulator, a mail catcher and the web app for `app.inject` (or listening),
 * for tests that send a real digest over SMTP and then follow it on the web; and sending one
 * user's digest of this week through the catcher.
 */
import type { Logger } from 'pino';
import { expect } from 'vitest';
import { startGoogleEmulator, type GoogleEmulator } from '../fakes/google/index.ts';
import { startMailCatcher, type MailCatcher } from '../fakes/mail-catcher.ts';
import { queueDueDigests } from '../src/digest/schedule-digests.ts';
import { sendDigest } from '../src/digest/send-digest.ts';
import { createMailer } from '../src/mailer/create-mailer.ts';
import { createRedis } from '../src/queue/connection.ts';
import type { SignedTokenKeys } from '../src/security/signed-token.ts';
import { buildServer } from '../src/web/server.ts';
import { type PersonHistory, seedDigestUser } from './digest-fixtures.ts';
import { testLogger } from './sync-harness.ts';
import { createTestDatabase, type TestDatabase } from './test-database.ts';
import { createTestPrefix, redisUrl } from './test-redis.ts';
import { webTestConfig } from './web-harness.ts';

export interface DigestWebWorld {
  database: TestDatabase;
  google: GoogleEmulator;
  catcher: MailCatcher;
  app: ReturnType<typeof buildServer>;
  close(): Promise<void>;
}

/** `name`: the test's own queue and key prefix; `logger`: the app's (silent when not given). */
export async function startDigestWebWorld(name: string, options: { logger?: Logger } = {}): Promise<DigestWebWorld> {
  const queue = createTestPrefix(name);
  const database = await createTestDatabase();
  const google = await startGoogleEmulator();
  const catcher = await startMailCatcher();
  const redis = createRedis(redisUrl);
  const app = buildServer({
    sql: database.sql,
    redis,
    ...(options.logger ? { logger: options.logger } : {}),
    config: webTestConfig(database, queue.prefix, { google }),
  });
  return {
    database,
    google,
    catcher,
    app,
    async close() {
      await app.close();
      redis.disconnect();
      await catcher.close();
      await google.close();
      await database.drop();
      await queue.cleanup();
    },
  };
}

/**
 * Seeds a user with `people`, queues this week's digests and sends theirs through the catcher,
 * expecting it sent; with `linkKeys`, its entries carry signed links valid 30 days.
 */
export async function sendSeededDigest(
  world: Pick<DigestWebWorld, 'database' | 'catcher'>,
  user: { email: string; people: PersonHistory[] },
  linkKeys?: SignedTokenKeys,
): Promise<{ userId: string; digestId: string }> {
  const { database } = world;
  const { userId } = await seedDigestUser(database, user);
  await queueDueDigests(database.sql, { messageIdDomain: 'rekindle.test' });
  const [digest] = await database.sql<{ id: string }[]>`select id from digests where user_id = ${userId}`;
  const mailer = createMailer(world.catcher.url);
  const settings = {
    mailFrom: 'rekindle <r@rekindle.test>',
    inboundDomain: 'rekindle.test',
    publicUrl: 'http://rekindle.test',
    budget: 5,
    ...(linkKeys ? { actionLinks: { keys: linkKeys, publicUrl: 'http://rekindle.test', days: 30 } } : {}),
  };
  const outcome = await sendDigest({ sql: database.sql, mailer, logger: testLogger(), settings }, digest!.id);
  mailer.close();
  expect(outcome).toBe('sent');
  return { userId, digestId: digest!.id };
}
