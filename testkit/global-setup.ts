import { adminConnection, TEST_DATABASE_PREFIX } from './test-database.ts';

const STALE_AFTER_SECONDS = 6 * 60 * 60;

/** Drops test databases left behind by runs that were killed before cleaning up. */
export default async function setup(): Promise<void> {
  const admin = adminConnection();
  try {
    const rows = await admin<{ datname: string }[]>`
      select datname from pg_database where datname like ${TEST_DATABASE_PREFIX + '%'}`;
    const now = Date.now() / 1000;
    for (const { datname } of rows) {
      const created = Number(datname.slice(TEST_DATABASE_PREFIX.length).split('_')[0]);
      if (Number.isFinite(created) && now - created > STALE_AFTER_SECONDS) {
        await admin.unsafe(`drop database if exists ${datname} with (force)`);
      }
    }
  } finally {
    await admin.end();
  }
}
