/**
 * The digest queue's payload: a job names up to eight digests, and a job queued by a worker
 * of before (one `digestId`) is still read, during a rolling upgrade.
 */
import { describe, expect, it } from 'vitest';
import { DIGESTS_PER_JOB, enqueueDigests, sendDigestJob } from '../../src/workers/digest.ts';

const ids = (n: number) => Array.from({ length: n }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);

describe('digest jobs', () => {
  it('read both payloads, and refuse an empty or oversized one', () => {
    expect(sendDigestJob.parse({ digestIds: ids(3) })).toEqual({ digestIds: ids(3) });
    expect(sendDigestJob.parse({ digestId: ids(1)[0] })).toEqual({ digestIds: ids(1) });
    expect(sendDigestJob.safeParse({ digestIds: [] }).success).toBe(false);
    expect(sendDigestJob.safeParse({ digestIds: ids(DIGESTS_PER_JOB + 1) }).success).toBe(false);
    expect(sendDigestJob.safeParse({ digestIds: ['not-a-uuid'] }).success).toBe(false);
  });

  it('are queued eight digests each, every digest once, in order', async () => {
    const added: { data: { digestIds: string[] }; opts: { jobId?: string } }[][] = [];
    const queue = { addBulk: async (jobs: (typeof added)[number]) => void added.push(jobs) };
    await enqueueDigests({ digest: queue as never }, ids(20));
    expect(added).toHaveLength(1);
    expect(added[0]!.map((job) => job.data.digestIds.length)).toEqual([8, 8, 4]);
    expect(added[0]!.flatMap((job) => job.data.digestIds)).toEqual(ids(20));
    expect(new Set(added[0]!.map((job) => job.opts.jobId)).size).toBe(3);
    for (const job of added[0]!) expect(sendDigestJob.parse(job.data)).toEqual(job.data);
    await enqueueDigests({ digest: queue as never }, []);
    expect(added).toHaveLength(1);
  });
});
