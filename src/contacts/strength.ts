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
  const recency =
    RECENCY_FLOOR + (1 - RECENCY_FLOOR) * 2 ** (-Math.max(0, daysSinceLastContact) / RECENCY_HALF_LIFE_DAYS);
  const out = sent + meeting;
  const back = received + meeting;
  const balance = 0.5 + 0.5 * Math.sqrt(Math.min(out, back) / Math.max(out, back));
  return Math.min(1, Math.max(0, volume * recency * balance));
}
