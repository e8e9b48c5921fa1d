/**
 * Process entry point of a worker: the same as `rekindle work`, for process managers and
 * benchmarks that start workers directly (`node workers/worker.ts`).
 */
import { explainError } from '../src/cli/explain-error.ts';
import { workCommand } from '../src/cli/run-commands.ts';

try {
  await workCommand();
} catch (error) {
  process.stderr.write(`rekindle worker: ${explainError(error)}\n`);
  process.exitCode = 1;
}
