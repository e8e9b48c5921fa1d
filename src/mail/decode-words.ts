import libmime from 'libmime';

/**
 * Decodes RFC 2047 encoded words (`=?UTF-8?B?…?=`). Broken encodings are left as written
 * rather than thrown: a garbled name is better than a lost message.
 */
export function decodeWords(value: string): string {
  if (!value.includes('=?')) return value;
  try {
    return libmime.decodeWords(value);
  } catch {
    return value;
  }
}
