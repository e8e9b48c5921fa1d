/**
 * Turns an Enron message (SMTP `From`/`To`/`Cc`, with the directory names and DNs of Exchange
 * in `X-From`/`X-To`/`X-cc`) into what an Outlook or Exchange export of the same message
 * looks like: a sender inside the organization written as its legacy DN, and — on mail sent
 * inside the organization — every recipient written as a display name only. Mail from
 * outside keeps its internet headers, as Exchange does. The `X-` headers stay: they are the
 * export's own record. Written for the tests, from the corpus' own headers; nothing here
 * knows rekindle's parser.
 */

/** `Lichtenwalter, Blair </O=ENRON/OU=NA/CN=RECIPIENTS/CN=BLICHTE>` → name and DN; SMTP entries give `smtp`. */
interface Entry {
  name: string;
  inside: string;
}

function entriesOf(value: string): Entry[] | null {
  const entries: Entry[] = [];
  const entry = /\s*([^<>]*?)\s*<([^<>]*)>\s*(?:,|$)/y;
  let match: RegExpExecArray | null;
  while (entry.lastIndex < value.length && (match = entry.exec(value)) !== null)
    entries.push({ name: match[1]!, inside: match[2]!.trim() });
  return entry.lastIndex === value.length || entries.length > 0 ? entries : null;
}

const isDn = (value: string) => /^\/o=/i.test(value);

/** Header lines, unfolded, in order. */
function headerLines(block: string): [string, string][] {
  const result: [string, string][] = [];
  for (const line of block.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && result.length > 0) result.at(-1)![1] += ` ${line.trim()}`;
    else {
      const colon = line.indexOf(':');
      if (colon > 0) result.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
    }
  }
  return result;
}

/** Three ways exports write a directory sender, chosen by the message so each shows up. */
function dnSender(name: string, dn: string, seed: number): string {
  const comma = /^([^,]+),\s*(.+)$/.exec(name);
  switch (seed % 3) {
    case 0:
      return `"${name}" <${dn}>`;
    case 1:
      // The form of issue 15's Outlook export: `<Bailey>,"Susan" </O=ENRON/…>`.
      return comma ? `<${comma[1]}>,"${comma[2]}" <${dn}>` : `"${name}" <${dn}>`;
    default:
      return `EX:${dn}`;
  }
}

function hash(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) >>> 0;
  return h;
}

const smtpOf = (value: string | null) => (value ?? '').split(',').map((part) => /[^\s<>,"]+@[^\s<>,'"]+/.exec(part)?.[0] ?? null);

/**
 * The Exchange-style export of a mailbox, message by message (see the file header). What
 * the export keeps of the directory: the `X-From`/`X-To`/`X-cc` of a message, written with
 * each mailbox's SMTP address (`Bailey, Susan <susan.bailey@enron.com>`), only on the first
 * message that names someone not named before — everywhere else a sender is only a DN and a
 * recipient only a name, so resolving them means learning from another message. The
 * owner's own Sent mail never carries their address: their DN is learned from the Sent folder.
 */
export class ExchangeStyleExport {
  readonly #shown = new Set<string>();
  readonly #owner: ReadonlySet<string>;
  /** Messages rewritten, and of those the ones that kept a directory record. */
  rewritten = 0;
  withRecord = 0;
  /** The last message rewritten kept a directory record. */
  lastHadRecord = false;

  readonly #records: boolean;

  /** `records: false`: an export that keeps no directory record at all (no `X-From`/`X-To`/`X-cc` on rewritten mail). */
  constructor(ownerAddresses: Iterable<string>, options: { records?: boolean } = {}) {
    this.#owner = new Set([...ownerAddresses].map((a) => a.toLowerCase()));
    this.#records = options.records ?? true;
  }

  rewrite(block: string, folder: 'sent' | 'inbox' | 'other'): string {
    this.lastHadRecord = false;
    const lines = headerLines(block);
    const get = (name: string) => lines.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1] ?? null;
    const xFrom = entriesOf(get('X-From') ?? '')?.[0];
    // Mail from outside the organization keeps its internet headers.
    if (!xFrom || !isDn(xFrom.inside) || !xFrom.name) return block;
    this.rewritten++;
    const seed = hash(get('Message-ID') ?? block);
    const fromName = xFrom.name.replace(/"/g, '');
    const fromSmtp = smtpOf(get('From'))[0] ?? null;
    const replaced = new Map<string, string | null>([['from', dnSender(fromName, xFrom.inside, seed)]]);
    const record: [string, string][] = [];
    const named: string[] = [];
    if (fromSmtp && !(folder === 'sent' && this.#owner.has(fromSmtp.toLowerCase()))) {
      record.push(['X-From', `${fromName} <${fromSmtp}>`]);
      named.push(fromSmtp.toLowerCase(), xFrom.inside.toLowerCase());
    }
    for (const [header, exported] of [
      ['to', 'X-To'],
      ['cc', 'X-cc'],
    ] as const) {
      const entries = entriesOf(get(exported) ?? '');
      const smtp = smtpOf(get(header));
      if (!entries || entries.length === 0 || entries.length !== smtp.length || entries.some((e) => !e.name) || smtp.some((a) => !a)) {
        // The export does not line up with the header: left as it is.
        replaced.set(exported.toLowerCase(), get(exported));
        continue;
      }
      const names = entries.map((e) => e.name.replace(/^'+|'+$/g, '').replace(/"/g, ''));
      replaced.set(header, names.map((n) => `"${n}"`).join(', '));
      // The address the export recorded for the slot when it has one (`'Mike Day (E-mail)' <mday@gmssr.com>`), else the header's.
      const addresses = entries.map((e, i) => (e.inside.includes('@') ? e.inside : smtp[i]!));
      record.push([exported, names.map((n, i) => `${n} <${addresses[i]}>`).join(', ')]);
      named.push(...addresses.map((a) => a.toLowerCase()));
    }
    const news = named.some((key) => !this.#shown.has(key));
    for (const key of named) this.#shown.add(key);
    for (const name of ['x-from', 'x-to', 'x-cc']) if (!replaced.has(name)) replaced.set(name, null);
    const out = lines
      .filter(([name]) => replaced.get(name.toLowerCase()) !== null)
      .map(([name, value]) => `${name}: ${replaced.get(name.toLowerCase()) ?? value}`);
    if (this.#records && news && record.length > 0) {
      this.withRecord++;
      this.lastHadRecord = true;
      out.push(...record.map(([name, value]) => `${name}: ${value}`));
    }
    return out.join('\n');
  }
}
