/**
 * The lists rekindle is measured against, each computed from the same raw exchanges on the
 * same dates (see relevance.ts). Every baseline picks among the dormant ties only: it is
 * given the definition of the event for free, which rekindle is not.
 */
import type { DormantTie } from './relevance.ts';

export type BaselineName = 'fixed-interval' | 'strongest' | 'most-recent' | 'random';
export const BASELINES: readonly BaselineName[] = ['fixed-interval', 'strongest', 'most-recent', 'random'];

/** A fixed interval (what Monica and Dex do): anyone silent at least this long, longest first. */
export const FIXED_INTERVAL_DAYS = 90;

const byAddress = (a: DormantTie, b: DormantTie) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0);

/** The baseline's list on one date, at most `budget` addresses. `seed` makes the random one repeatable. */
export function baselineList(name: BaselineName, ties: readonly DormantTie[], budget: number, seed: number): DormantTie[] {
  const pool = [...ties].sort(byAddress);
  switch (name) {
    case 'fixed-interval':
      return pool
        .filter((t) => t.silenceDays >= FIXED_INTERVAL_DAYS)
        .sort((a, b) => b.silenceDays - a.silenceDays || byAddress(a, b))
        .slice(0, budget);
    case 'strongest':
      return pool.sort((a, b) => b.exchanged - a.exchanged || byAddress(a, b)).slice(0, budget);
    case 'most-recent':
      return pool.sort((a, b) => a.silenceDays - b.silenceDays || byAddress(a, b)).slice(0, budget);
    case 'random': {
      const next = mulberry32(seed);
      for (let i = pool.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [pool[i], pool[j]] = [pool[j]!, pool[i]!];
      }
      return pool.slice(0, budget);
    }
  }
}

/** A small seeded generator: the same seed gives the same figures on every run. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A 32-bit hash of a string (FNV-1a), to seed one date's random list from its owner and date. */
export function hashSeed(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
