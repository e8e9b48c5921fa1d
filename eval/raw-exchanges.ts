/**
 * Who wrote to whom, read off the raw headers of a mailbox with the eval's own narrow rules
 * (enron-mailboxes.ts), never with rekindle's inference: the ground truth of the relevance
 * benchmark (relevance.ts) and of the reason checks (reason-precision.ts).
 */
import { normalizeAddress } from '../src/contacts/normalize-address.ts';
import type { RawMessage } from '../src/import/raw-message.ts';
import { isAutomatedByMarkers, isResponderOrBounce, metaOf } from './enron-mailboxes.ts';
import { type Exchange, PERSONAL_MAX_RECIPIENTS } from './relevance.ts';

/** One message a counterpart wrote to the owner: the From as written, for the address checks. */
export interface RawInbound {
  address: string;
  /** The From address exactly as the header wrote it. */
  written: string;
  /** The display name of the From, as written (null when none). */
  name: string | null;
  at: number;
  personal: boolean;
}

export interface RawMailbox {
  exchanges: Exchange[];
  inbound: RawInbound[];
}

export async function rawExchanges(messages: AsyncIterable<RawMessage>, owner: ReadonlySet<string>): Promise<RawMailbox> {
  const exchanges: Exchange[] = [];
  const inbound: RawInbound[] = [];
  for await (const raw of messages) {
    const meta = metaOf(raw.headers, raw.folder);
    if (!meta) continue;
    const at = meta.date.getTime();
    const from = meta.from ? normalizeAddress(meta.from.email) : null;
    const visible = new Set<string>();
    for (const a of [...meta.to, ...meta.cc]) {
      const key = normalizeAddress(a.email);
      if (key !== null) visible.add(key);
    }
    const small = visible.size <= PERSONAL_MAX_RECIPIENTS;
    if (raw.folder === 'sent' || (from !== null && owner.has(from))) {
      if (isResponderOrBounce(raw.headers, meta)) continue;
      const seen = new Set<string>();
      for (const a of [...meta.to, ...meta.cc, ...meta.bcc]) {
        const key = normalizeAddress(a.email);
        if (key === null || owner.has(key) || seen.has(key)) continue;
        seen.add(key);
        exchanges.push({ address: key, at, direction: 'out', personal: small && visible.has(key) });
      }
    } else if (from !== null && meta.from) {
      if (isResponderOrBounce(raw.headers, meta)) continue;
      const direct = [...owner].some((a) => visible.has(a));
      const personal = small && direct && !isAutomatedByMarkers(raw.headers, meta);
      exchanges.push({ address: from, at, direction: 'in', personal });
      inbound.push({ address: from, written: meta.from.email, name: meta.from.name, at, personal });
    }
  }
  return { exchanges, inbound };
}
