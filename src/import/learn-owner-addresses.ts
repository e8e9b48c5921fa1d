import { automatedAddressReason } from '../contacts/detect-automated.ts';
import { normalizeAddress } from '../contacts/normalize-address.ts';
import type { MessageMeta } from '../mail/types.ts';

/**
 * A From address on this many of the owner's sent-folder messages is the owner's own: an
 * alias, an old address, the address of another account they sent through. Two, so one
 * message filed in Sent by mistake (a forward, a message on behalf of someone) teaches
 * nothing.
 */
export const LEARN_AFTER_SENT_MESSAGES = 2;

/**
 * Learns the owner's addresses from how they send: the From of their sent mail. Pure apart
 * from its own tally; `observe` returns the addresses that became known with this message.
 */
export class OwnerAddressLearner {
  readonly #known: Set<string>;
  readonly #tally = new Map<string, number>();

  constructor(known: Iterable<string>) {
    this.#known = new Set(known);
  }

  observe(message: MessageMeta): string[] {
    if (message.folder !== 'sent' || !message.from) return [];
    const key = normalizeAddress(message.from.email);
    if (key === null || this.#known.has(key) || automatedAddressReason(key) !== null) return [];
    const count = (this.#tally.get(key) ?? 0) + 1;
    this.#tally.set(key, count);
    if (count < LEARN_AFTER_SENT_MESSAGES) return [];
    this.#known.add(key);
    return [key];
  }
}
