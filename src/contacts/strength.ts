/**
 * Relationship strength in 0..1:
 *
 *   strength = volume × recency × balance
 *
 *   volume  = 1 − exp(−V / VOLUME_SCALE), where V = Σ weight × (½ + ½·2^(−age / 365 d))
 *             Every interaction counts, old ones half as much as new ones: ten years of
 *             friendship are never forgotten, but this year's mail counts most. The
 *             saturation makes the 200th message add little; VOLUME_SCALE is the weighted
 *             volume (≈ a dozen direct messages) at which a relationship is at 63 %.
 *   recency = RECENCY_FLOOR + (1 − RECENCY_FLOOR) · 2^(−days since last contact / 365 d)
 *             A year of silence costs a third of the strength, and it never falls below
 *             RECENCY_FLOOR: the people you lost touch with are the ones worth suggesting.
 *   balance = ½ + ½·√(min(S, R) / max(S, R))
 *             S and R are the aged weighted volumes sent and received, each plus the
 *             meetings (a meeting is mutual). Even exchanges score 1; a relationship where
 *             one side does all the writing keeps at least half.
 */
export const VOLUME_SCALE = 12;
export const HISTORY_HALF_LIFE_DAYS = 365;
export const RECENCY_HALF_LIFE_DAYS = 365;
export const RECENCY_FLOOR = 0.35;

/** How much an interaction of this age counts towards volume, in ½..1. */
export function ageFactor(ageDays: number): number {
  return 0.5 + 0.5 * 2 ** (-Math.max(0, ageDays) / HISTORY_HALF_LIFE_DAYS);
}

/**
 * The aged volume Σ weight × ageFactor(asOf − at) splits into a part that never changes and
 * one that halves every HISTORY_HALF_LIFE_DAYS, the same for every interaction:
 *
 *   Σ w·(½ + ½·2^(−(asOf − at)/H)) = ½·Σw + ½·2^(−(asOf − E)/H) · Σ w·2^((at − E)/H)
 *
 * for any fixed instant E. So a contact keeps two sums per kind, `weight` (Σw) and `decaying`
 * (Σ w·2^((at − E)/H), see decayingWeight), and its volume on any later date is agedVolume:
 * rolling a contact's strength forward in time needs those two numbers, never its history.
 * E is 2000-01-01, which keeps both factors far from overflow for any date this side of 2250.
 */
export const DECAY_EPOCH_MS = Date.UTC(2000, 0, 1);
const DAY_MS = 86_400_000;

/** One interaction's share of the `decaying` sum. */
export function decayingWeight(weight: number, atMs: number): number {
  return weight * 2 ** ((atMs - DECAY_EPOCH_MS) / DAY_MS / HISTORY_HALF_LIFE_DAYS);
}

/** Σ weight × ageFactor as of `asOfMs`, from the two sums (see DECAY_EPOCH_MS). */
export function agedVolume(weight: number, decaying: number, asOfMs: number): number {
  return 0.5 * weight + 0.5 * decaying * 2 ** (-(asOfMs - DECAY_EPOCH_MS) / DAY_MS / HISTORY_HALF_LIFE_DAYS);
}

export interface StrengthInput {
  /** Aged weighted volume per kind (Σ weight × ageFactor). */
  sent: number;
  received: number;
  meeting: number;
  daysSinceLastContact: number;
}

export function strengthOf({ sent, received, meeting, daysSinceLastContact }: StrengthInput): number {
  const total = sent + received + meeting;
  if (!(total > 0)) return 0;
  const volume = 1 - Math.exp(-total / VOLUME_SCALE);
  const recency = RECENCY_FLOOR + (1 - RECENCY_FLOOR) * 2 ** (-Math.max(0, daysSinceLastContact) / RECENCY_HALF_LIFE_DAYS);
  const out = sent + meeting;
  const back = received + meeting;
  const balance = 0.5 + 0.5 * Math.sqrt(Math.min(out, back) / Math.max(out, back));
  return Math.min(1, Math.max(0, volume * recency * balance));
}
