import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * Where the shared evaluation corpora live: `REKINDLE_CORPORA` when set, else `../shared/corpora`
 * beside the project, else the workplace's shared folder (CI may clone the project elsewhere).
 * They are read in place and never copied into the project. Tests, the eval and the bench
 * all find them here.
 */
const CANDIDATES = [process.env.REKINDLE_CORPORA, path.resolve(import.meta.dirname, '../../shared/corpora'), '/work/shared/corpora'].filter(
  (c): c is string => Boolean(c),
);

/** A folder of the corpora; a missing one fails the test loudly rather than skipping it. */
export function corpus(relative: string): string {
  for (const root of CANDIDATES) {
    const dir = path.join(root, relative);
    if (existsSync(dir)) return dir;
  }
  throw new Error(
    `Corpus folder ${relative} is missing (looked in ${CANDIDATES.join(', ')}). ` +
      'The corpora live in ../shared/corpora beside the project; or set REKINDLE_CORPORA.',
  );
}

/** The corpora's root (`explicit` first, as given by `--corpora`), or null when none exists. */
export function corporaRoot(explicit?: string): string | null {
  for (const candidate of [explicit, ...CANDIDATES]) if (candidate && existsSync(candidate)) return candidate;
  return null;
}
