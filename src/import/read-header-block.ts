import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';

/** Header blocks longer than this are broken files, not mail (Gmail's own limit is far lower). */
export const MAX_HEADER_BYTES = 1024 * 1024;
const CHUNK = 16 * 1024;

/**
 * Reads a message file up to the end of its header block (the first empty line) and no
 * further: a 30 MB attachment costs one small read. Null when the file has no header block
 * within MAX_HEADER_BYTES.
 */
export async function readHeaderBlock(file: string): Promise<string | null> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(file, 'r');
    const chunks: Buffer[] = [];
    let length = 0;
    for (;;) {
      const buffer = Buffer.allocUnsafe(CHUNK);
      const { bytesRead } = await handle.read(buffer, 0, CHUNK, length);
      if (bytesRead === 0) break;
      chunks.push(buffer.subarray(0, bytesRead));
      length += bytesRead;
      const text = Buffer.concat(chunks).toString('latin1');
      const end = /\r?\n\r?\n/.exec(text);
      if (end) return decode(Buffer.concat(chunks).subarray(0, end.index));
      if (length >= MAX_HEADER_BYTES) return null;
    }
    return length > 0 ? decode(Buffer.concat(chunks)) : null;
  } finally {
    await handle?.close();
  }
}

/**
 * Headers are ASCII by the standard, UTF-8 in practice, Latin-1 in old mail: UTF-8 when it
 * decodes cleanly, Latin-1 otherwise (every byte is a Latin-1 character, so nothing is lost).
 */
export function decode(bytes: Buffer): string {
  const utf8 = bytes.toString('utf8');
  return utf8.includes('\uFFFD') ? bytes.toString('latin1') : utf8;
}
