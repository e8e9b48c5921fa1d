import { parseArgs } from 'node:util';
import type { ParsedMail } from 'mailparser';
import postgres from 'postgres';
import { getConfig } from '../../src/config/env.ts';
import { runMigrations } from '../../src/db/migrate.ts';
import { startDemoLoop } from './demo-loop.ts';
import { demoServices, type DemoServices } from './demo-services.ts';
import { imapDemoUnavailable } from './imap-demo-servers.ts';
import { HeaderMap, headerBlockOf, parseHeaderBlock } from '../../src/mail/header-block.ts';
import { createLogger } from '../../src/log.ts';
import { renderContacts } from '../../src/cli/contacts-command.ts';
import { renderPreview } from '../../src/cli/digest-command.ts';
import { UsageError } from '../../src/cli/usage-error.ts';

const DEMO_DATABASE = 'rekindle_demo';

/**
 * rekindle end to end on this machine, with nothing to sign up for: a local Gmail emulator
 * (or, with `--provider microsoft`, the Microsoft Graph emulator; with `--provider imap`, a
 * throwaway Dovecot and Radicale where they are installed) serves a two-year sample
 * mailbox; the real workers sync it through the real Google (or Graph, IMAP, CalDAV) client
 * into a fresh `rekindle_demo` database; the scheduler sends the weekly digest over real SMTP
 * (to SMTP_URL when set — Mailpit in docker compose — else to a catcher on loopback); then a
 * real reply, "done 1", goes over SMTP to the inbound listener, and the confirmation and the
 * next list are printed. With no PostgreSQL or Redis answering at DATABASE_URL / REDIS_URL, it
 * runs private ones for as long as it runs (demo-services.ts).
 */
export async function demoCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { 'keep-running': { type: 'boolean', default: false }, provider: { type: 'string', default: 'google' } },
    strict: true,
  });
  const provider = values.provider;
  if (provider !== 'google' && provider !== 'microsoft' && provider !== 'imap')
    throw new UsageError(`--provider is google, microsoft or imap, not "${provider}"`);
  // Before anything is made: a machine without Dovecot learns which package to install.
  const unavailable = provider === 'imap' ? imapDemoUnavailable() : null;
  if (unavailable) throw new Error(unavailable);
  const base = getConfig();
  const say = (line: string) => process.stderr.write(line + '\n');
  const services = await demoServices({ databaseUrl: base.DATABASE_URL, redisUrl: base.REDIS_URL });
  if (services.note) say(services.note);
  // Ctrl-C or a TERM before the end still removes the private servers (a cluster would outlive us).
  const stopOnSignal = () => void services.stop().finally(() => process.exit(130));
  if (services.note) {
    process.once('SIGINT', stopOnSignal);
    process.once('SIGTERM', stopOnSignal);
  }
  try {
    await runDemo(services, values['keep-running'], provider, say, stopOnSignal);
  } finally {
    process.off('SIGINT', stopOnSignal);
    process.off('SIGTERM', stopOnSignal);
    await services.stop();
  }
}

async function runDemo(
  services: DemoServices,
  keepRunning: boolean,
  provider: 'google' | 'microsoft' | 'imap',
  say: (line: string) => void,
  stopOnSignal: () => void,
): Promise<void> {
  const databaseUrl = await freshDemoDatabase(services.databaseUrl);
  await runMigrations(databaseUrl);
  const out = (text: string) => process.stdout.write(text.endsWith('\n') ? text : text + '\n');
  const logger = createLogger(process.env.LOG_LEVEL ?? 'error');

  const loop = await startDemoLoop({
    databaseUrl,
    redisUrl: services.redisUrl,
    queuePrefix: 'rekindle-demo',
    smtpUrl: process.env.SMTP_URL || undefined,
    logger,
    env: process.env,
    provider,
  });
  try {
    const { sample, config } = loop;
    say(`Demo database: ${redact(databaseUrl)}`);
    say(`${loop.emulatorName} serving ${sample.seed.messages.length} messages and ${loop.eventsServed} events for ${sample.owner.email}`);
    for (const note of loop.notes) say(note);
    say(
      `Outgoing mail: ${loop.catcher ? `a local SMTP catcher at ${config.SMTP_URL}` : config.SMTP_URL}; replies: SMTP listener on 127.0.0.1:${loop.inboundPort}`,
    );
    const tty = process.stderr.isTTY;
    await loop.waitUntilSynced((line) => (tty ? process.stderr.write(`\r${line}`) : say(line)));
    if (tty) process.stderr.write('\n');
    say('Synced. Contacts inferred from metadata only:\n');
    out(await renderContacts(loop.database, sample.owner.email, new Date(), false));

    const digest = await loop.waitForDigest();
    out(`\n=== The weekly digest, as sent over SMTP ${'='.repeat(40)}\n`);
    out(
      showMail(digest.raw, digest.mail, [
        'From',
        'To',
        'Reply-To',
        'Subject',
        'Message-ID',
        'List-Unsubscribe',
        'List-Unsubscribe-Post',
        'Auto-Submitted',
      ]),
    );

    out(`\n=== Replying "done 1" over SMTP to ${digest.replyTo} ${'='.repeat(10)}\n`);
    const { result, confirmation } = await loop.reply(digest, 'done 1');
    if (result.outcome !== 'applied' || !confirmation) throw new Error(`the reply was not applied (${result.outcome})`);
    out(`\n=== The confirmation ${'='.repeat(60)}\n`);
    out(showMail(loop.sent.at(-1)!.raw, confirmation, ['From', 'To', 'Subject', 'In-Reply-To', 'Auto-Submitted']));
    // Next week's digest: this week's people rest a few weeks, the one marked done stays off
    // until the owner is in touch with them again.
    out(`\n=== The next list: next week's digest ${'='.repeat(43)}\n`);
    out(await renderPreview(loop.database, sample.owner.email, new Date(Date.now() + 7 * 86_400_000), config.DIGEST_BUDGET, false));

    const lookAround = `  DATABASE_URL=${redact(databaseUrl)} node src/cli.ts digest preview --user ${sample.owner.email} --json`;
    if (!services.privatePostgres) {
      say(`The demo data stays in ${DEMO_DATABASE}. Look around with:`);
      say(lookAround);
    } else if (keepRunning) {
      say(`The demo data is in ${DEMO_DATABASE} of the private PostgreSQL until Ctrl-C. Look around with:`);
      say(lookAround);
    } else {
      say(`The demo data went with the private PostgreSQL; with a PostgreSQL of yours at DATABASE_URL it stays in ${DEMO_DATABASE}.`);
    }
    if (keepRunning) {
      say(`\nEverything keeps running: reply to ${digest.replyTo} over SMTP at 127.0.0.1:${loop.inboundPort}. Ctrl-C stops.`);
      // Ctrl-C now ends the demo the ordinary way, which removes the private servers too.
      process.off('SIGINT', stopOnSignal);
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    }
  } finally {
    await loop.close();
  }
}

/** A message as a reader sees it: the chosen headers, then its plain-text part. */
function showMail(raw: Buffer, mail: ParsedMail, names: string[]): string {
  const headers = new HeaderMap(parseHeaderBlock(headerBlockOf(raw.toString('latin1'))));
  const lines = names.flatMap((name) => {
    const value = name === 'Subject' ? mail.subject : headers.get(name)?.replace(/\s+/g, ' ').trim();
    return value ? [`${name}: ${value}`] : [];
  });
  return [...lines, '', (mail.text ?? '').trimEnd()].join('\n');
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

function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}
