/**
 * A second corpus with both directions of everyone's mail: SNAP's email-Eu-core-temporal,
 * the anonymised mail between members of a European research institution over 803 days, in
 * four department files of `sender receiver seconds` lines (Paranjape, Benson and Leskovec,
 * WSDM 2017). Not in the shared corpora and never in the repository: the eval reads it from
 * REKINDLE_EVAL_CORPUS (a folder holding `email-Eu-core-temporal-Dept<n>.txt`) and says so
 * when it is absent.
 *
 * A message to several people is one line per recipient with the same second: lines of one
 * sender at one second are read back as one message. There are no headers, names, subjects or
 * To/Cc: every recipient is a To, every person `u<id>@dept<n>.eu-core.example`, and the first
 * second is placed at EPOCH (the real dates are not published), so the calendar reasons
 * (anniversary) mean nothing here.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { MessageMeta } from '../src/mail/types.ts';
import type { RawInbound, RawMailbox } from './raw-exchanges.ts';
import { type Exchange, PERSONAL_MAX_RECIPIENTS } from './relevance.ts';

export const EPOCH = Date.UTC(2003, 9, 1);
const FILE = /^email-Eu-core-temporal-Dept(\d+)\.txt$/;

export interface EuMessage {
  dept: string;
  from: number;
  to: number[];
  at: number;
}

export interface EuCorpus {
  dir: string;
  messages: EuMessage[];
  /** Per department and person, the indexes of the messages they sent or received. */
  involving: Map<string, number[]>;
  lines: number;
  /** Lines that are not three integers, and self-addressed lines: counted, not used. */
  skipped: { malformed: number; selfAddressed: number };
}

export function euCorpusDir(): string | null {
  const dir = process.env.REKINDLE_EVAL_CORPUS;
  if (!dir) return null;
  // The folder itself, or a folder holding it under its usual name.
  return [dir, path.join(dir, 'email-eu-core')].find((d) => existsSync(path.join(d, 'email-Eu-core-temporal-Dept1.txt'))) ?? null;
}

export const addressOf = (dept: string, id: number) => `u${id}@dept${dept}.eu-core.example`;
export const personKey = (dept: string, id: number) => `${dept}:${id}`;

export async function readEuCorpus(dir: string): Promise<EuCorpus> {
  const files = (await readdir(dir)).filter((f) => FILE.test(f)).sort();
  const grouped = new Map<string, EuMessage>();
  let lines = 0;
  const skipped = { malformed: 0, selfAddressed: 0 };
  for (const file of files) {
    const dept = FILE.exec(file)![1]!;
    for (const line of (await readFile(path.join(dir, file), 'utf8')).split('\n')) {
      if (line.trim() === '') continue;
      lines++;
      const parts = line.trim().split(/\s+/).map(Number);
      if (parts.length !== 3 || !parts.every(Number.isInteger)) {
        skipped.malformed++;
        continue;
      }
      const [from, to, seconds] = parts as [number, number, number];
      if (from === to) {
        skipped.selfAddressed++;
        continue;
      }
      const key = `${dept}|${from}|${seconds}`;
      const message = grouped.get(key);
      if (message) {
        if (!message.to.includes(to)) message.to.push(to);
      } else grouped.set(key, { dept, from, to: [to], at: EPOCH + seconds * 1000 });
    }
  }
  const messages = [...grouped.values()].sort((a, b) => a.at - b.at);
  const involving = new Map<string, number[]>();
  const note = (dept: string, id: number, index: number) => {
    const key = personKey(dept, id);
    const list = involving.get(key);
    if (list) list.push(index);
    else involving.set(key, [index]);
  };
  messages.forEach((m, i) => {
    note(m.dept, m.from, i);
    for (const to of m.to) note(m.dept, to, i);
  });
  return { dir, messages, involving, lines, skipped };
}

/** One person's mailbox as rekindle would read it: their messages as sent or inbox metadata. */
export function mailboxOf(corpus: EuCorpus, dept: string, id: number): RawMailbox & { metas: MessageMeta[] } {
  const metas: MessageMeta[] = [];
  const exchanges: Exchange[] = [];
  const inbound: RawInbound[] = [];
  for (const index of corpus.involving.get(personKey(dept, id)) ?? []) {
    const m = corpus.messages[index]!;
    const outbound = m.from === id;
    const personal = m.to.length <= PERSONAL_MAX_RECIPIENTS;
    if (outbound) for (const to of m.to) exchanges.push({ address: addressOf(dept, to), at: m.at, direction: 'out', personal });
    else {
      const address = addressOf(dept, m.from);
      exchanges.push({ address, at: m.at, direction: 'in', personal });
      inbound.push({ address, written: address, name: null, at: m.at, personal });
    }
    metas.push({
      providerId: `eu:${dept}:${index}`,
      threadId: null,
      internetMessageId: `eu-${dept}-${index}@eu-core.example`,
      inReplyTo: null,
      date: new Date(m.at),
      from: { email: addressOf(dept, m.from), name: null },
      sender: null,
      replyTo: [],
      to: m.to.map((t) => ({ email: addressOf(dept, t), name: null })),
      cc: [],
      bcc: [],
      subject: null,
      folder: outbound ? 'sent' : 'inbox',
      flags: {
        listId: null,
        listUnsubscribe: false,
        precedence: null,
        autoSubmitted: null,
        nullReturnPath: false,
        autoReply: false,
        category: null,
        deliveryReport: false,
      },
    });
  }
  return { metas, exchanges, inbound };
}
