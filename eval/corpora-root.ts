import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * The shared corpora, resolved as the tests do (test/support/corpora.ts): `--corpora` or
 * `REKINDLE_CORPORA`, else `../shared/corpora` beside the project, else the workplace's
 * shared folder. Null when none exists: the eval then says so and skips.
 */
export function corporaRoot(explicit?: string): string | null {
  const candidates = [explicit, process.env.REKINDLE_CORPORA, path.resolve(import.meta.dirname, '../../shared/corpora'), '/work/shared/corpora'];
  for (const candidate of candidates) if (candidate && existsSync(candidate)) return candidate;
  return null;
}
