/**
 * Raw RFC 5322 header handling for sources that hand us whole messages (maildir and mbox
 * import, emulator seeding). Only the header block is ever read: bodies are never parsed.
 */

export interface RawHeader {
  name: string;
  value: string;
}

/** The header block of a raw message: everything before the first empty line. */
export function headerBlockOf(raw: string): string {
  const match = /\r?\n\r?\n/.exec(raw);
  return match ? raw.slice(0, match.index) : raw;
}

/**
 * Splits a header block into unfolded name/value pairs, in order. Lines that are neither a
 * header nor a continuation (garbage, a leading mbox "From " line) are dropped.
 */
export function parseHeaderBlock(block: string): RawHeader[] {
  const headers: RawHeader[] = [];
  for (const line of block.split(/\r?\n/)) {
    if (/^[ \t]/.test(line)) {
      const last = headers.at(-1);
      if (last) last.value += ' ' + line.trim();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    if (!/^[\x21-\x39\x3b-\x7e]+$/.test(name)) continue;
    headers.push({ name, value: line.slice(colon + 1).trim() });
  }
  return headers;
}

/** Case-insensitive lookup of headers by name. */
export class HeaderMap {
  readonly #byName = new Map<string, string[]>();

  constructor(headers: Iterable<RawHeader>) {
    for (const { name, value } of headers) {
      const key = name.toLowerCase();
      const list = this.#byName.get(key);
      if (list) list.push(value);
      else this.#byName.set(key, [value]);
    }
  }

  /** The first value of a header, or null. */
  get(name: string): string | null {
    return this.#byName.get(name.toLowerCase())?.[0] ?? null;
  }

  /** Every value of a header (To may legally appear only once, but real mail repeats it). */
  all(name: string): string[] {
    return this.#byName.get(name.toLowerCase()) ?? [];
  }

  has(name: string): boolean {
    return this.#byName.has(name.toLowerCase());
  }
}
