/**
 * Gmail-like conversation threading for seeded and added messages that carry no threadId:
 * a reply joins the thread of the message it references (In-Reply-To, References); failing
 * that, a message whose subject is marked as a reply or forward joins the latest thread with
 * the same base subject. Old corpora (Enron) rarely carry In-Reply-To, hence the subject rule.
 */
import { HeaderFields, type RawHeader } from '../shared/mail-headers.ts';

const REPLY_PREFIX = /^\s*((re|fw|fwd|aw|sv|wg)(\[\d+\])?\s*:\s*)+/i;

export function baseSubject(subject: string): { base: string; isReply: boolean } {
  const match = REPLY_PREFIX.exec(subject);
  const base = subject
    .slice(match ? match[0].length : 0)
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
  return { base, isReply: match !== null };
}

function messageIds(value: string | null): string[] {
  return value ? [...value.matchAll(/<([^<>\s]+)>/g)].map((m) => m[1]!.toLowerCase()) : [];
}

export class ThreadIndex {
  readonly #byMessageId = new Map<string, string>();
  readonly #bySubject = new Map<string, string>();

  /** The thread an incoming message belongs to, or null when it starts a new one. */
  resolve(headers: RawHeader[]): string | null {
    const h = new HeaderFields(headers);
    const referenced = [...messageIds(h.get('In-Reply-To')), ...messageIds(h.get('References')).reverse()];
    for (const id of referenced) {
      const thread = this.#byMessageId.get(id);
      if (thread) return thread;
    }
    const subject = h.get('Subject');
    if (subject) {
      const { base, isReply } = baseSubject(subject);
      if (isReply && base) return this.#bySubject.get(base) ?? null;
    }
    return null;
  }

  /** Remembers a message so later replies can find its thread. */
  record(headers: RawHeader[], threadId: string): void {
    const h = new HeaderFields(headers);
    for (const id of messageIds(h.get('Message-ID'))) this.#byMessageId.set(id, threadId);
    const subject = h.get('Subject');
    if (subject) {
      const { base } = baseSubject(subject);
      if (base) this.#bySubject.set(base, threadId);
    }
  }
}
