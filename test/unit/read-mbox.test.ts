/**
 * The streaming mbox splitter against the plain line-by-line reading it replaced, on files
 * that cross its 1 MB reads in every awkward place: separators, empty lines and CRLF pairs
 * split between two reads, a body line longer than a read, `>From ` escapes and `From `
 * inside a body that is not a separator. Plus the file that is not an mbox at all.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decode } from '../../src/import/read-header-block.ts';
import { countMbox, NotMboxError, splitMbox } from '../../src/import/read-mbox.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'rk-mbox-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = (content: string | Buffer) => {
  const name = path.join(dir, `m${n++}.mbox`);
  writeFileSync(name, content);
  return name;
};

/** The reading the splitter replaced: every line, in memory. */
function reference(bytes: Buffer): string[] {
  const blocks: string[] = [];
  let state: 'start' | 'headers' | 'body' = 'start';
  let header: string[] = [];
  let previousEmpty = true;
  for (const line of bytes.toString('latin1').split(/\r?\n/)) {
    const separator = previousEmpty && line.startsWith('From ');
    previousEmpty = line.length === 0;
    if (separator) {
      if (state === 'headers' && header.length > 0) blocks.push(decode(Buffer.from(header.join('\n'), 'latin1')));
      state = 'headers';
      header = [];
      continue;
    }
    if (state !== 'headers') continue;
    if (line.length === 0) {
      blocks.push(decode(Buffer.from(header.join('\n'), 'latin1')));
      state = 'body';
      header = [];
      continue;
    }
    header.push(line);
  }
  if (state === 'headers' && header.length > 0) blocks.push(decode(Buffer.from(header.join('\n'), 'latin1')));
  return blocks;
}

async function split(name: string): Promise<string[]> {
  const blocks: string[] = [];
  for await (const { headers } of splitMbox(name)) blocks.push(headers);
  return blocks;
}

/** A deterministic pseudo-random mbox of about `bytes` bytes. */
function generate(seed: number, bytes: number, eol: string): Buffer {
  let state = seed;
  const random = () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const lines = [`From ${i}@xxx Mon Jun 03 10:00:00 +0000 2024`, `Message-ID: <${i}@x>`, `Subject: message ${i} Grüße`];
    const extra = Math.floor(random() * 30);
    for (let h = 0; h < extra; h++)
      lines.push(`X-H${h}: ${'v'.repeat(Math.floor(random() * 300))}`, `\t${'c'.repeat(Math.floor(random() * 50))}`);
    lines.push('');
    const body = Math.floor(random() * 40);
    for (let b = 0; b < body; b++) {
      const r = random();
      if (r < 0.1) lines.push('');
      else if (r < 0.15) lines.push('>From the archives');
      else if (r < 0.2) lines.push('From inside a paragraph, not after an empty line');
      else lines.push('b'.repeat(Math.floor(random() * 200)));
    }
    if (i === 7) lines.push('L'.repeat(1_500_000));
    lines.push('');
    const text = lines.join(eol);
    parts.push(text);
    size += text.length;
  }
  return Buffer.from(parts.join(''), 'utf8');
}

describe('splitMbox', () => {
  it.each([
    [1, '\n'],
    [2, '\r\n'],
    [3, '\n'],
    [4, '\r\n'],
  ])(
    'gives the header blocks line-by-line reading gives, across 1 MB reads (seed %i)',
    async (seed, eol) => {
      const bytes = generate(seed, 5_000_000, eol);
      const name = file(bytes);
      const expected = reference(bytes);
      expect(expected.length).toBeGreaterThan(150);
      expect(await split(name)).toEqual(expected);
      expect(await countMbox(name)).toBe(expected.length);
    },
    60_000,
  );

  it('reads a file that ends without a newline, and one that starts with empty lines', async () => {
    expect(await split(file('From a\nSubject: one\n\nbody\n\nFrom b\nSubject: two'))).toEqual(['Subject: one', 'Subject: two']);
    expect(await split(file('\n\r\nFrom a\nSubject: one\n\nbody'))).toEqual(['Subject: one']);
    expect(await split(file(''))).toEqual([]);
  });

  it('moves every separator to each position around a read boundary', async () => {
    for (let shift = -8; shift <= 8; shift++) {
      const pad = 'p'.repeat(1024 * 1024 - 30 + shift);
      const bytes = Buffer.from(`From a\r\nSubject: one\r\n\r\n${pad}\r\n\r\nFrom b\r\nSubject: two\r\n\r\nend\r\n`);
      expect(await split(file(bytes)), `shift ${shift}`).toEqual(['Subject: one', 'Subject: two']);
    }
  });

  it('says a file is not an mbox when it does not begin with a "From " line', async () => {
    const name = file('Subject: a single message\n\nbody\n');
    await expect(split(name)).rejects.toThrow(NotMboxError);
    await expect(split(name)).rejects.toThrow(/is not an mbox file: it does not begin with a "From " line/);
  });
});
