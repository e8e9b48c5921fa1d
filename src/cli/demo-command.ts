import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { connectAccount } from '../accounts/connect-account.ts';
import { getConfig, loadConfig, type Config } from '../config/env.ts';
import { createDatabase } from '../db/client.ts';
import { runMigrations } from '../db/migrate.ts';
import { buildSampleMailbox } from '../demo/sample-mailbox.ts';
import { startGoogleEmulator } from '../emulators/google/index.ts';
import { createLogger } from '../log.ts';
import { startWorker } from '../worker/start-worker.ts';
import { renderContacts } from './contacts-command.ts';

const DEMO_DATABASE = 'rekindle_demo';

/**
 * rekindle end to end on this machine, with nothing to sign up for: a local Gmail emulator
 * serves a two-year sample mailbox, a worker syncs it through the real Google client into a
 * fresh `rekindle_demo` database, and the contacts it inferred are printed.
 */
export async function demoCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { 'keep-running': { type: 'boolean', default: false } }, strict: true });
  const base = getConfig();
  const databaseUrl = await freshDemoDatabase(base.DATABASE_URL);
  await runMigrations(databaseUrl);

  const sample = buildSampleMailbox({ now: new Date() });
  // Ten times Gmail's real quota, so the demo takes seconds; pacing works the same way.
  const emulator = await startGoogleEmulator({ quotaUnitsPerMinute: 60_000 });
  emulator.addMailbox(sample.seed);
  const config: Config = loadConfig({
    ...process.env,
    DATABASE_URL: databaseUrl,
    QUEUE_PREFIX: 'rekindle-demo',
    GOOGLE_CLIENT_ID: emulator.clientId,
    GOOGLE_CLIENT_SECRET: emulator.clientSecret,
    GOOGLE_API_URL: emulator.url,
    GOOGLE_TOKEN_URL: emulator.tokenUrl,
    GMAIL_QUOTA_UNITS_PER_MINUTE: '60000',
    SCHEDULER_TICK_SECONDS: '0.5',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'error',
  });
  const say = (line: string) => process.stderr.write(line + '\n');
  say(`Demo database: ${redact(databaseUrl)}`);
  say(`Google emulator: ${emulator.url} serving ${sample.seed.messages.length} messages and ${sample.seed.events?.length ?? 0} events for ${sample.owner.email}`);

  const worker = await startWorker({ config, logger: createLogger(config.LOG_LEVEL) });
  const database = createDatabase(databaseUrl, { max: 2 });
  const { sql } = database;
  try {
    const { accountId } = await connectAccount(sql, {
      userEmail: sample.owner.email,
      provider: 'google',
      accountEmail: sample.owner.email,
      refreshToken: emulator.issueRefreshToken(sample.owner.email),
    });
    await showProgress(sql, accountId, sample.seed.messages.length, say);
    say('');
    process.stdout.write(await renderContacts(database, sample.owner.email, new Date(), false));
    say(`\nThe demo data stays in ${DEMO_DATABASE}. Look around with:`);
    say(`  DATABASE_URL=${redact(databaseUrl)} node src/cli.ts contacts --user ${sample.owner.email} --json`);
    if (values['keep-running']) {
      say('\nThe emulator and worker keep running; press Ctrl-C to stop.');
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    }
  } finally {
    await worker.close();
    await emulator.close();
    await database.close();
  }
}

/** Drops and recreates the demo database on the configured server; the main database is untouched. */
async function freshDemoDatabase(databaseUrl: string): Promise<string> {
  const admin = new URL(databaseUrl);
  admin.pathname = '/postgres';
  const sql = postgres(admin.toString(), { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`drop database if exists ${DEMO_DATABASE} with (force)`);
    await sql.unsafe(`create database ${DEMO_DATABASE}`);
  } finally {
    await sql.end();
  }
  const demo = new URL(databaseUrl);
  demo.pathname = `/${DEMO_DATABASE}`;
  return demo.toString();
}

async function showProgress(sql: postgres.Sql, accountId: string, total: number, say: (line: string) => void): Promise<void> {
  const tty = process.stderr.isTTY;
  let last = '';
  for (;;) {
    const streams = await sql<{ stream: string; phase: string; items: number; done: boolean }[]>`
      select stream, phase, items_synced::int as items, backfill_completed_at is not null and lease_owner is null as done
        from sync_streams where account_id = ${accountId} order by stream`;
    const [user] = await sql<{ fresh: boolean }[]>`
      select contacts_computed_at is not null and contacts_computed_at >= coalesce(contacts_dirty_at, '-infinity') as fresh
        from users u join accounts a on a.user_id = u.id where a.id = ${accountId}`;
    const mail = streams.find((s) => s.stream === 'mail');
    const calendar = streams.find((s) => s.stream === 'calendar');
    const line = `Syncing: mail ${mail?.items ?? 0}/${total} messages, calendar ${calendar?.items ?? 0} events`;
    if (line !== last) {
      if (tty) process.stderr.write(`\r${line}`);
      else say(line);
      last = line;
    }
    if (streams.length === 2 && streams.every((s) => s.done) && user?.fresh) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  if (tty) process.stderr.write('\n');
  say('Synced. Contacts inferred from metadata only:');
}

function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}
