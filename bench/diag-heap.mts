import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectMailboxes, createBenchDatabase, createBenchPrefix, workerEnv } from './bench-env.ts';
import { startEmulatorProcess } from './emulator-process.ts';
import { memoryOf, until } from './measure.ts';
import { NO_QUOTA, syncedAndComputed } from './scenarios/throughput.ts';
const messages = Number(process.argv[2] ?? 30000);
const owner = 'diag@example.com';
const emulator = await startEmulatorProcess({ provider: 'google', quota: null, mailboxes: [{ owner, messages, events: 0 }] });
const database = await createBenchDatabase('diag', 4);
const queue = createBenchPrefix('diag');
const env = workerEnv(database, queue.prefix, emulator.endpoints, { ...NO_QUOTA, ...(process.env.NO ? { NODE_OPTIONS: process.env.NO } : {}), ...(process.env.PT ? { PROVIDER_TIMEOUT_SECONDS: process.env.PT } : {}) });
const child = spawn(process.execPath, ['--heapsnapshot-signal=SIGUSR2', '--expose-gc', '/work/main/workers/worker.ts'], { env: { PATH: process.env.PATH!, ...env }, stdio: 'inherit', cwd: '/tmp/diag' });
await sleep(3000);
const accounts = await connectMailboxes(database, 'google', { [owner]: emulator.refreshTokens[owner]! });
const id = accounts.get(owner)!.accountId;
const t0 = Date.now(); await until('sync', () => syncedAndComputed(database, id), 600_000, 250);
console.log('mem', memoryOf(child.pid!), 'seconds', (Date.now() - t0) / 1000);
{ const { readFileSync } = await import('node:fs'); const smaps = readFileSync(`/proc/${child.pid}/smaps`, 'utf8');
  const regions: [string, number][] = []; let head = '';
  for (const line of smaps.split('\n')) { if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) head = line; const m = /^Rss:\s+(\d+) kB/.exec(line); if (m) regions.push([head, Number(m[1])]); }
  regions.sort((a, b) => b[1] - a[1]);
  let anonSmall = 0, anonBig = 0; for (const [h, kb] of regions) { if (h.trim().split(/\s+/).length < 6) { if (kb > 10000) anonBig += kb; else anonSmall += kb; } }
  console.log('anon regions >10MB', Math.round(anonBig/1024), 'MB; other anon', Math.round(anonSmall/1024), 'MB');
  for (const [h, kb] of regions.slice(0, 12)) console.log(Math.round(kb/1024), h.slice(0, 100)); }
child.kill('SIGUSR2');
await sleep(8000);
child.kill('SIGTERM');
await sleep(2000);
await emulator.close(); await database.drop(); await queue.cleanup();
