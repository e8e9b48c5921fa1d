#!/usr/bin/env node
/**
 * The `rekindle` command. Its subcommands, flags and JSON shapes are a stable interface:
 * scripts depend on them (see README).
 */
import { ConfigError } from './config/env.ts';
import { applySecretsFile } from './config/secrets-file.ts';
import { checkStartupConfig, checksConfig } from './config/startup-checks.ts';
import { explainError } from './cli/explain-error.ts';
import { UsageError } from './cli/usage-error.ts';

// Each command loads its own code: `rekindle contacts` need not load the Google client.
/** The long-running commands: each returns once a signal stopped it and it closed what it owns. */
const SERVICES = new Set(['serve', 'work', 'inbound', 'demo']);

const commands: Record<string, { usage: string; summary: string; run: (argv: string[]) => Promise<void> }> = {
  migrate: {
    usage: 'rekindle migrate',
    summary: 'create or upgrade the database',
    run: async () => (await import('./cli/run-commands.ts')).migrateCommand(),
  },
  work: {
    usage: 'rekindle work',
    summary: 'run the sync, contacts and digest workers and the scheduler',
    run: async () => (await import('./cli/work-command.ts')).workCommand(),
  },
  serve: {
    usage: 'rekindle serve',
    summary: 'run the web app (sign-up, status, settings, digest links, /metrics, /healthz, /readyz)',
    run: async () => (await import('./cli/run-commands.ts')).serveCommand(),
  },
  tokens: {
    usage: 'rekindle tokens reencrypt [--json]',
    summary: 'rewrite stored OAuth tokens under the newest TOKEN_ENCRYPTION_KEYS key',
    run: async (argv) => (await import('./cli/tokens-command.ts')).tokensCommand(argv),
  },
  contacts: {
    usage: 'rekindle contacts --user <email> [--as-of YYYY-MM-DD] [--json]',
    summary: "list a user's contacts",
    run: async (argv) => (await import('./cli/contacts-command.ts')).contactsCommand(argv),
  },
  import: {
    usage: 'rekindle import maildir|eml|mbox|thunderbird|pst|ics <path> --owner <email> [--aliases a,b] [--json]',
    summary: 'import local mail (maildir, .eml folder, Takeout mbox, Thunderbird profile, Outlook .pst) or a calendar (.ics)',
    run: async (argv) => (await import('./cli/import-command.ts')).importCommand(argv),
  },
  identity: {
    usage: 'rekindle identity merge|split|undo --user <email> <address> <address>',
    summary: 'say two addresses are one person (merge) or two (split); undo forgets it',
    run: async (argv) => (await import('./cli/identity-command.ts')).identityCommand(argv),
  },
  digest: {
    usage: 'rekindle digest preview --user <email> [--as-of YYYY-MM-DD] [--json]',
    summary: 'the list a digest would carry on that date, with reasons',
    run: async (argv) => (await import('./cli/digest-command.ts')).digestCommand(argv),
  },
  replies: {
    usage: 'rekindle replies parse <file.eml> [--json]',
    summary: 'the commands a raw reply holds, without applying them',
    run: async (argv) => (await import('./cli/replies-command.ts')).repliesCommand(argv),
  },
  inbound: {
    usage: 'rekindle inbound',
    summary: 'run the SMTP listener that takes replies to digests',
    run: async () => (await import('./cli/inbound-command.ts')).inboundCommand(),
  },
  demo: {
    usage: 'rekindle demo [--provider google|microsoft|imap] [--keep-running]',
    summary:
      'see rekindle work end to end on a sample mailbox (local emulator, or local IMAP and CalDAV servers); --keep-running: then click through the web app',
    run: async (argv) => (await import('../fakes/demo/demo-command.ts')).demoCommand(argv),
  },
};

function help(): string {
  const width = Math.max(...Object.values(commands).map((c) => c.usage.length));
  return [
    'rekindle — keep in touch with the people who matter',
    '',
    'Usage:',
    ...Object.values(commands).map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`),
    '',
    'Configuration comes from the environment (see .env.example).',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name) {
    process.stderr.write(help() + '\n');
    return 2;
  }
  if (name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(help() + '\n');
    return 0;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`rekindle: unknown command "${name}"\n\n${help()}\n`);
    return 2;
  }
  try {
    // A local try of the Docker image: secrets generated once into SECRETS_FILE's volume.
    const fromFile = applySecretsFile(process.env);
    if (fromFile.notice) process.stderr.write(`${fromFile.notice}\n`);
    // Before the command's code loads or anything starts: a missing secret stops it here.
    if (checksConfig(name)) checkStartupConfig(name);
    await command.run(rest);
    return 0;
  } catch (error) {
    if (error instanceof UsageError || (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))) {
      process.stderr.write(`rekindle ${name}: ${error.message}\nUsage: ${command.usage}\n`);
      return 2;
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`rekindle ${name}: ${error.message}\n`);
      return 78;
    }
    process.stderr.write(`rekindle ${name}: ${explainError(error)}\n`);
    if (process.env.LOG_LEVEL === 'debug' && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    return 1;
  }
}

const args = process.argv.slice(2);
const code = await main(args);
// A command that failed may have failed midway through start-up, with a Postgres pool, a Redis
// connection, a listening socket or an emulator still open behind the error: none of them may
// keep the process alive (it would hang after printing the error). Nor may anything keep a
// service alive once it stopped gracefully: postgres.js does not cancel a reconnect under way
// when its pool ends, so a `serve` told to stop just after a Postgres outage kept a fresh
// connection and never exited (npm run chaos found it). Output to pipes and files is written
// synchronously, so nothing printed is lost.
if (code !== 0 || SERVICES.has(args[0] ?? '')) process.exit(code);
