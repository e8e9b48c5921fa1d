/**
 * How much one inbound message can make rekindle do. Anyone can write to a reply address
 * under any From, so every count an inbound message controls is bounded here.
 */

/**
 * Commands one reply may carry. A week's list has a handful of people and each command takes
 * many of them (`done 1 3 5`); a reply with more is a paste or an attack, and the rest are
 * reported back as not applied.
 */
export const MAX_COMMANDS = 25;
/** A line longer than this is prose (or an attack), never a command: it is not parsed. */
export const MAX_COMMAND_LINE = 1000;
/** Held-reply notices to one user in a day, whoever wrote the replies (and one a day per address that writes). */
export const MAX_NOTICES_PER_USER_DAY = 3;
/** Held-reply notices about one digest in a day. */
export const MAX_NOTICES_PER_DIGEST_DAY = 2;
