/**
 * Reading only a message's header block: where the block ends however lines end, across the
 * boundary between two reads, in long header blocks, and in files that never end it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_HEADER_BYTES, readHeaderBlock, readHeaderBlockSync } from '../../src/import/read-header-block.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'rk-headers-'));
let n = 0;
const file = (content: string | Buffer) => {
  const name = path.join(dir, `m${n++}`);
  writeFileSync(name, content);
  return name;
};

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readHeaderBlock', () => {
  it.each([
    ['LF', 'From: a@x.org\nTo: b@y.org\n\nbody\n\nmore', 'From: a@x.org\nTo: b@y.org'],
    ['CRLF', 'From: a@x.org\r\nTo: b@y.org\r\n\r\nbody', 'From: a@x.org\r\nTo: b@y.org'],
    ['CRLF then LF', 'From: a@x.org\r\n\nbody', 'From: a@x.org'],
    ['LF then CRLF', 'From: a@x.org\n\r\nbody', 'From: a@x.org'],
    ['no body at all', 'From: a@x.org\nTo: b@y.org\n', 'From: a@x.org\nTo: b@y.org\n'],
  ])('ends the block at the first empty line (%s)', async (_, content, expected) => {
    expect(await readHeaderBlock(file(content))).toBe(expected);
  });

  it('finds an empty line that straddles two reads, and reads long blocks whole', () => {
    for (const at of [16 * 1024 - 3, 16 * 1024 - 2, 16 * 1024 - 1, 16 * 1024, 40_000]) {
      const headers = 'X-Pad: ' + 'a'.repeat(at - 'X-Pad: '.length);
      expect(readHeaderBlockSync(file(`${headers}\r\n\r\nbody`))).toBe(headers);
    }
  });

  it('decodes UTF-8, and Latin-1 when the bytes are not UTF-8', () => {
    expect(readHeaderBlockSync(file('Subject: Grüße\n\nx'))).toBe('Subject: Grüße');
    expect(readHeaderBlockSync(file(Buffer.from('Subject: Gr\xfc\xdfe\n\nx', 'latin1')))).toBe('Subject: Grüße');
  });

  it('gives null for an empty file and for a header block beyond the limit', () => {
    expect(readHeaderBlockSync(file(''))).toBeNull();
    expect(readHeaderBlockSync(file('X: ' + 'a'.repeat(MAX_HEADER_BYTES + 10)))).toBeNull();
  });
});
