/** The digest's https List-Unsubscribe: one-click POST stops digests; a GET only asks. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis } from '../../src/queue/connection.ts';
import { queueDueDigests } from '../../src/digest/schedule-digests.ts';
import { buildServer } from '../../src/web/server.ts';
import { seedDigestUser } from '../../testkit/digest-fixtures.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/test-database.ts';
import { redisUrl } from '../../testkit/test-redis.ts';

describe('one-click unsubscribe', () => {
  let database: TestDatabase;
  let redis: ReturnType<typeof createRedis>;
  let app: ReturnType<typeof buildServer>;
  let token: string;
  let userId: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    redis = createRedis(redisUrl);
    app = buildServer({ sql: database.sql, redis });
    ({ userId } = await seedDigestUser(database, {
      email: 'sam@example.com',
      people: [{ email: 'ada@example.org', name: 'Ada', everyDays: 14, lastDaysAgo: 120, conversations: 10 }],
    }));
    await queueDueDigests(database.sql, { messageIdDomain: 'x' });
    const [row] = await database.sql<{ token: string }[]>`select token from digests where user_id = ${userId}`;
    token = row!.token;
  });
  afterAll(async () => {
    await app?.close();
    redis?.disconnect();
    await database?.drop();
  });

  const stopped = async () => (await database.sql`select digest_stopped_at from users where id = ${userId}`)[0]!.digest_stopped_at;

  it('a GET shows a button and changes nothing (link scanners follow every link)', async () => {
    const response = await app.inject({ method: 'GET', url: `/digest/unsubscribe/${token}` });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain(`<form method="post" action="/digest/unsubscribe/${token}">`);
    expect(await stopped()).toBeNull();
  });

  it('refuses tokens that are malformed or unknown', async () => {
    for (const url of ['/digest/unsubscribe/nope', `/digest/unsubscribe/${'0'.repeat(32)}`]) {
      const response = await app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'List-Unsubscribe=One-Click',
      });
      expect(response.statusCode).toBe(404);
    }
    expect(await stopped()).toBeNull();
  });

  it('the RFC 8058 one-click POST stops digests, and the scheduler queues none after', async () => {
    const response = await app.inject({
      method: 'POST',
      url: `/digest/unsubscribe/${token}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'List-Unsubscribe=One-Click',
    });
    expect(response.statusCode).toBe(200);
    expect(await stopped()).toBeInstanceOf(Date);
    await database.sql`delete from digests where user_id = ${userId}`;
    await queueDueDigests(database.sql, { messageIdDomain: 'x' });
    expect(await database.sql`select 1 from digests where user_id = ${userId}`).toHaveLength(0);
  });
});
