import { createServer } from 'node:net';
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

/**
 * rekindle end to end on this machine, with nothing to sign up for: a local Gmail emulator
 * (or, with `--provider microsoft`, the Microsoft Graph emulator; with `--provider imap`, a
 * throwaway Dovecot and Radicale where they are installed) serves a two-year sample
 * mailbox; the real workers sync it through the real Google (or Graph, IMAP, CalDAV) client
 * into a fresh database named for the configured one (`rekindle_demo` beside `rekindle`); the scheduler sends the weekly digest over real SMTP
 * (to SMTP_URL when set — Mailpit in docker compose — else to a catcher on loopback); then a
 * real reply, "done 1", goes over SMTP to the inbound listener, and the confirmation and the
 * next list are printed. With no PostgreSQL or Redis answering at DATABASE_URL / REDIS_URL, it
 * runs private ones for as long as it runs (demo-services.ts).
 *
 * With `--keep-running` it then stays up, serving the web app too, on loopback, until SIGINT or
 * SIGTERM: a person signs in through the emulator's consent screen and clicks through status,
 * settings and the printed digest's links. Two demos never share a database or queues: each
 * holds a lock on its database's name for as long as it runs, and a second one on the same
 * name stops with a message instead of dropping the first one's data.
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
  const demoName = demoDatabaseName(services.databaseUrl);
  const lock = await lockDemo(services.databaseUrl, demoName);
  try {
    const databaseUrl = await freshDemoDatabase(services.databaseUrl, demoName);
    await runMigrations(databaseUrl);
    say(`Created the demo database ${demoName} (${redact(databaseUrl)}), empty.`);
    await runDemoOn(databaseUrl, demoName, services, keepRunning, provider, say, stopOnSignal);
  } finally {
    await lock.release();
  }
}

async function runDemoOn(
  databaseUrl: string,
  demoName: string,
  services: DemoServices,
  keepRunning: boolean,
  provider: 'google' | 'microsoft' | 'imap',
  say: (line: string) => void,
  stopOnSignal: () => void,
): Promise<void> {
  const out = (text: string) => process.stdout.write(text.endsWith('\n') ? text : text + '\n');
  const logger = createLogger(process.env.LOG_LEVEL ?? 'error');

  const loop = await startDemoLoop({
    databaseUrl,
    redisUrl: services.redisUrl,
    // Its own queues too: named for its database, which its lock keeps to one demo at a time.
    queuePrefix: demoName.replaceAll('_', '-'),
    smtpUrl: process.env.SMTP_URL || undefined,
    logger,
    env: process.env,
    provider,
    ...(keepRunning ? { webPort: await webPort() } : {}),
  });
  try {
    const { sample, config } = loop;
    say(`${loop.emulatorName} serving ${sample.seed.messages.length} messages and ${loop.eventsServed} events for ${sample.owner.email}`);
    for (const note of loop.notes) say(note);
    say(
      `Outgoing mail: ${loop.catcher ? `a local SMTP catcher at ${config.SMTP_URL}` : config.SMTP_URL}; replies: SMTP listener on 127.0.0.1:${loop.inboundPort}`,
    );
    const tty = process.stderr.isTTY;
    // On a terminal, one line redrawn in place with a bar; plain lines in a log or a pipe.
    await loop.waitUntilSynced((line, share) => (tty ? process.stderr.write(`\r${progressBar(share)} ${line}\u001b[K`) : say(line)));
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
      say(`The demo data stays in ${demoName}. Look around with:`);
      say(lookAround);
    } else if (keepRunning) {
      say(`The demo data is in ${demoName} of the private PostgreSQL until the demo stops. Look around with:`);
      say(lookAround);
    } else {
      say(`The demo data went with the private PostgreSQL; with a PostgreSQL of yours at DATABASE_URL it stays in ${demoName}.`);
    }
    if (keepRunning) {
      const signIn =
        provider === 'imap'
          ? 'signing in needs Google or Microsoft, which this IMAP run does not emulate: run `rekindle demo --provider google --keep-running` to click through'
          : `press "Connect ${provider === 'google' ? 'Google' : 'Microsoft'}" to sign in as ${sample.owner.email} (the emulator consents at once), then see status and settings`;
      say('');
      say(`Web app: ${loop.webUrl}/ — ${signIn}; the digest's links above open there too.`);
      say(`Replies: SMTP on 127.0.0.1:${loop.inboundPort}, to ${digest.replyTo}. The workers and the scheduler keep running.`);
      // Ctrl-C or a TERM now ends the demo the ordinary way, which removes the private servers too.
      process.off('SIGINT', stopOnSignal);
      process.off('SIGTERM', stopOnSignal);
      const stopped = new Promise<NodeJS.Signals>((resolve) => {
        process.once('SIGINT', () => resolve('SIGINT'));
        process.once('SIGTERM', () => resolve('SIGTERM'));
      });
      say(`rekindle demo ready: ${loop.webUrl}/ (Ctrl-C stops it${services.note ? ' and removes the private servers' : ''})`);
      const signal = await stopped;
      say(`${signal}: stopping the web app, the workers and the listener.`);
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

/** `rekindle_demo` beside `rekindle`: the configured database's name with `_demo`, never the database itself. */
export function demoDatabaseName(databaseUrl: string): string {
  const configured = decodeURIComponent(new URL(databaseUrl).pathname.slice(1)) || 'rekindle';
  const safe = configured.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 58);
  return `${safe}_demo`;
}

/**
 * Held for the whole run: a session-level advisory lock on the server's `postgres` database
 * (advisory locks belong to one database), keyed by the demo database's name. A second demo
 * for the same name finds it taken and stops before it drops anything.
 */
async function lockDemo(databaseUrl: string, demoName: string): Promise<{ release(): Promise<void> }> {
  const admin = new URL(databaseUrl);
  admin.pathname = '/postgres';
  const sql = postgres(admin.toString(), { max: 1, idle_timeout: 0, onnotice: () => {} });
  const [row] = await sql<{ ok: boolean }[]>`select pg_try_advisory_lock(hashtext(${`rekindle demo ${demoName}`})) as ok`;
  if (!row?.ok) {
    await sql.end();
    throw new Error(
      `another rekindle demo is running on this server with the database ${demoName}; it was left alone. Stop that one first, or give this one a database of its own (DATABASE_URL=…/another makes it use another_demo).`,
    );
  }
  return { release: () => sql.end() };
}

/** Drops and recreates the demo database on the configured server; the main database is untouched. */
async function freshDemoDatabase(databaseUrl: string, demoName: string): Promise<string> {
  const admin = new URL(databaseUrl);
  admin.pathname = '/postgres';
  const sql = postgres(admin.toString(), { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`drop database if exists "${demoName}" with (force)`);
    await sql.unsafe(`create database "${demoName}"`);
  } finally {
    await sql.end();
  }
  const demo = new URL(databaseUrl);
  demo.pathname = `/${demoName}`;
  return demo.toString();
}

/** PORT when set, else a free loopback port (`rekindle serve` may hold 3000). */
async function webPort(): Promise<number> {
  const wanted = Number(process.env.PORT || 0);
  if (wanted > 0) return wanted;
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

/** `[########----------------]`: a first sync's share of the mail read, 24 characters wide. */
function progressBar(share: number): string {
  const filled = Math.round(Math.min(1, Math.max(0, share)) * 24);
  return `[${'#'.repeat(filled)}${'-'.repeat(24 - filled)}]`;
}
