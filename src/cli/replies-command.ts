import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { describeCommand } from '../replies/parse-commands.ts';
import { readCommands, readInbound } from '../replies/read-reply.ts';
import { UsageError } from './usage-error.ts';

/** `rekindle replies parse <file.eml>`: what a raw reply says, without applying it. */
export async function repliesCommand(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub !== 'parse') throw new UsageError(sub ? `unknown replies command "${sub}"` : 'expected a replies command: parse');
  const { values, positionals } = parseArgs({
    args: rest,
    options: { json: { type: 'boolean', default: false } },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length !== 1) throw new UsageError('expected exactly one file: a raw reply (.eml)');
  const file = positionals[0]!;
  let raw: Buffer;
  try {
    raw = await readFile(file);
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new UsageError(
      code === 'ENOENT'
        ? `${file}: no such file`
        : code === 'EISDIR'
          ? `${file} is a directory, not a message`
          : `cannot read ${file}: ${(error as Error).message}`,
    );
  }
  if (raw.length === 0) throw new UsageError(`${file} is empty`);
  const mail = await readInbound(raw);
  if (!mail.hasHeaders) throw new UsageError(`${file} is not an email message: it has no header lines (From:, Subject:, …)`);
  const result = readCommands(mail);
  if (values.json) {
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    return;
  }
  const lines = result.commands.map(describeCommand);
  if (lines.length === 0) lines.push('No commands.');
  if (result.ignored.length) lines.push('Ignored:', ...result.ignored.map((l) => `  ${l}`));
  process.stdout.write(lines.join('\n') + '\n');
}
