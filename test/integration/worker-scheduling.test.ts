/**
 * What keeps the workers' own cost honest: one scheduler pass per tick for the whole
 * deployment (however many worker processes take turns), and the meter that tells each
 * worker's CPU per job kind, written to Redis where the bench and an operator add it up.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMailer } from '../../src/mailer/create-mailer.ts';
import { CONTACTS_QUEUE, DIGEST_QUEUE, SYNC_QUEUE } from '../../src/queue/queues.ts';
import { JobMeter, meterKey } from '../../src/workers/job-meter.ts';
import type { Queues } from '../../src/workers/queues.ts';
import { createScheduler } from '../../src/workers/scheduler.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/test-database.ts';
import { createTestPrefix, redisUrl } from '../../testkit/test-redis.ts';

describe('worker scheduling and metering', () => {
  let database: TestDatabase;
  let redis: Redis;
  let queues: Queues;
  const prefix = createTestPrefix('scheduling');

  beforeAll(async () => {
    database = await createTestDatabase();
    redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
    const connection = { url: redisUrl };
    queues = {
      sync: new Queue(SYNC_QUEUE, { connection, prefix: prefix.prefix }),
      contacts: new Queue(CONTACTS_QUEUE, { connection, prefix: prefix.prefix }),
      digest: new Queue(DIGEST_QUEUE, { connection, prefix: prefix.prefix }),
    };
  });

  afterAll(async () => {
    await Promise.all(Object.values(queues ?? {}).map((q) => q.close()));
    redis?.disconnect();
    await prefix.cleanup();
    await database?.drop();
  });

  it('runs one pass per tick across worker processes; an explicit tick always runs', async () => {
    const passes: string[] = [];
    const schedulerOf = (owner: string) =>
      createScheduler(
        {
          sql: database.sql,
          redis,
          turnKey: `${prefix.prefix}:scheduler-turn`,
          owner,
          // Long enough that both take their turn within one tick.
          tickMs: 600_000,
          queues,
          mailer: createMailer('smtp://127.0.0.1:9'),
          logger: pino({ level: 'silent' }),
          settings: {
            mailFrom: 'rekindle <digest@rekindle.test>',
            publicUrl: 'http://localhost:3000',
            messageIdDomain: 'rekindle.test',
            resendAfterHours: 4,
          },
        },
        async (pass) => {
          passes.push(owner);
          return pass();
        },
      );
    const first = schedulerOf('first');
    const second = schedulerOf('second');
    await first.tickInTurn();
    await second.tickInTurn();
    await first.tickInTurn();
    expect(passes).toEqual(['first']);
    await second.tick();
    expect(passes).toEqual(['first', 'second']);
  });

  it('counts jobs and their units per kind, and writes cumulative totals to Redis', async () => {
    const meter = new JobMeter();
    const burn = async (rounds: number) => {
      let x = 0;
      for (let i = 0; i < rounds * 10_000; i++) x += Math.sqrt(i);
      return { items: rounds, x };
    };
    const sync = meter.metered(
      burn,
      () => 'sync.mail',
      (r) => r.items,
    );
    const digest = meter.metered(burn, () => 'digest');
    await Promise.all([sync(3), sync(4), digest(1)]);
    await expect(
      meter.metered(
        async () => Promise.reject(new Error('refused')),
        () => 'digest',
      )(undefined),
    ).rejects.toThrow('refused');

    const { kinds, outsideMicros, totalMicros } = meter.snapshot();
    expect(kinds['sync.mail']).toMatchObject({ jobs: 2, units: 7 });
    // A job that failed is counted, with nothing to show for it.
    expect(kinds.digest).toMatchObject({ jobs: 2, units: 1 });
    // With no job running, every microsecond is either a kind's or outside.
    const counted = Object.values(kinds).reduce((sum, k) => sum + k.cpuMicros, 0) + outsideMicros;
    expect(Math.abs(counted - totalMicros)).toBeLessThanOrEqual(1);

    const key = meterKey(prefix.prefix, 'worker-a');
    await meter.flush(redis, key);
    await meter.flush(redis, key);
    const stored = await redis.hgetall(key);
    expect(stored).toMatchObject({ 'sync.mail.jobs': '2', 'sync.mail.units': '7', 'digest.jobs': '2', 'digest.units': '1' });
    expect(Number(stored.totalMicros)).toBeGreaterThanOrEqual(totalMicros);
    expect(await redis.ttl(key)).toBeGreaterThan(0);
  });
});
