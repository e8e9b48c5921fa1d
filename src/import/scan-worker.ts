/**
 * A scanner thread (see scan-pool.ts): takes a chunk of jobs, reads and scans each, and
 * answers with their results in the same order. A job that throws (a file removed while
 * the import runs) fails the whole chunk with its message: the import stops and says why.
 */
import { parentPort } from 'node:worker_threads';
import { scanJob, type ScanJob } from './scan-job.ts';

parentPort!.on('message', ({ id, jobs }: { id: number; jobs: ScanJob[] }) => {
  try {
    // As JSON text: V8 parses it on the main thread in a third of the time a structured
    // clone of the same objects takes there, and the main thread is the one that is short.
    parentPort!.postMessage({ id, json: JSON.stringify(jobs.map(scanJob)) });
  } catch (error) {
    parentPort!.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
});
