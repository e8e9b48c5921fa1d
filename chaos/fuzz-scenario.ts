/**
 * Runs every fuzz target for a number of cases, and watches what unit tests cannot: the
 * slowest single case (unbounded time) and how much the heap grew over the run (unbounded
 * memory). A failing case is shrunk by fast-check and reported with its counterexample.
 */
import fc from 'fast-check';
import { caseClock, FUZZ_TARGETS } from '../testkit/chaos/fuzz-targets.ts';

export interface FuzzTargetResult {
  name: string;
  cases: number;
  crashes: number;
  /** The counterexample and error of a failed property. */
  failure: string | null;
  slowestCaseMs: number;
  heapGrowthMb: number;
  durationMs: number;
}

export interface FuzzResult {
  targets: FuzzTargetResult[];
  /** A single case slower than this counts as unbounded time. */
  slowCaseLimitMs: number;
  /** Heap growth over a target's whole run above this counts as unbounded memory. */
  heapLimitMb: number;
}

const SLOW_CASE_MS = 2_000;
const HEAP_LIMIT_MB = 256;

export async function runFuzz(options: { cases: number; seed: number; log: (line: string) => void }): Promise<FuzzResult> {
  const targets: FuzzTargetResult[] = [];
  for (const target of FUZZ_TARGETS) {
    caseClock.reset();
    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const started = performance.now();
    const result = await fc.check(target.property, { numRuns: options.cases, seed: options.seed, endOnFailure: true });
    global.gc?.();
    const heapGrowthMb = Math.max(0, (process.memoryUsage().heapUsed - heapBefore) / 1_048_576);
    const durationMs = performance.now() - started;
    const failure = result.failed
      ? `${String(result.errorInstance instanceof Error ? result.errorInstance.message : result.errorInstance).slice(0, 300)} — counterexample ${JSON.stringify(result.counterexample).slice(0, 300)}`
      : null;
    targets.push({
      name: target.name,
      cases: result.numRuns,
      crashes: result.failed ? 1 : 0,
      failure,
      slowestCaseMs: Math.round(caseClock.slowestMs * 10) / 10,
      heapGrowthMb: Math.round(heapGrowthMb * 10) / 10,
      durationMs: Math.round(durationMs),
    });
    options.log(
      `  ${target.name}: ${result.numRuns} cases in ${Math.round(durationMs / 1000)} s, heap +${Math.round(heapGrowthMb)} MB, rss ${Math.round(process.memoryUsage().rss / 1_048_576)} MB${failure ? ` — FAILED: ${failure}` : ''}`,
    );
  }
  return { targets, slowCaseLimitMs: SLOW_CASE_MS, heapLimitMb: HEAP_LIMIT_MB };
}
