#!/usr/bin/env node
/**
 * The `rekindle` command. Its subcommands, flags and JSON shapes are a stable interface:
 * scripts depend on them (see README).
 */
import { ConfigError } from './config/env.ts';
import { contactsCommand, contactsUsage } from './cli/contacts-command.ts';
import { demoCommand, demoUsage } from './cli/demo-command.ts';
import { migrateCommand, serveCommand, workCommand } from './cli/run-commands.ts';
import { UsageError } from './cli/usage-error.ts';

const commands: Record<string, { usage: string; summary: string; run: (argv: string[]) => Promise<void> }> = {
  migrate: { usage: 'rekindle migrate', summary: 'apply database migrations', run: migrateCommand },
  work: { usage: 'rekindle work', summary: 'run the sync and contacts workers and the scheduler', run: workCommand },
  serve: { usage: 'rekindle serve', summary: 'run the web server (/healthz, /readyz)', run: serveCommand },
  contacts: { usage: contactsUsage, summary: "list a user's contacts", run: contactsCommand },
  demo: { usage: demoUsage, summary: 'see rekindle work end to end on a sample mailbox (local emulator)', run: demoCommand },
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
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(help() + '\n');
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`rekindle: unknown command "${name}"\n\n${help()}\n`);
    return 2;
  }
  try {
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
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`rekindle ${name}: ${message}\n`);
    if (process.env.LOG_LEVEL === 'debug' && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
