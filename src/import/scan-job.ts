import type { Folder, MessageFlags } from '../mail/types.ts';
import { readHeaderBlockSync } from './read-header-block.ts';
import { headerBlockId, scanMessage, type HeaderBlockSource, type ScannedMessage } from './scan-headers.ts';

/**
 * One message for the scanner: a file still to read (maildir, .eml), or a header block a
 * reader already cut out of a bigger file (mbox, .pst). Plain data, so it can cross to a
 * worker thread.
 */
export type ScanJob = FileJob | HeaderBlockSource;

export interface FileJob {
  file: string;
  folder: Folder;
  category?: MessageFlags['category'];
  skip?: string;
  origin: string;
}

/** Reads (when it is a file) and scans one message. */
export function scanJob(job: ScanJob): ScannedMessage {
  if (!('file' in job)) return scanMessage(job);
  const headers = readHeaderBlockSync(job.file);
  if (headers === null) {
    // No header block: still one row, so the summary counts it and a re-run knows it.
    const providerId = headerBlockId(`unreadable:${job.origin}`);
    return { providerId, origin: job.origin, result: { skipped: { providerId, reason: 'malformed:headers' } } };
  }
  const { file: _, ...rest } = job;
  return scanMessage({ ...rest, headers });
}
