/**
 * `npm run bench -- [--json] [--only quota,throughput,memory,users,recompute,imap,import] [--scale 0.1]
 * [--corpora <dir>]`: the scenarios of the performance issue against the local emulators and
 * the real Postgres and Redis, each beside its naive baseline run in the same process and
 * minute (ratios hold on a busy machine; absolute figures do not). Progress goes to stderr;
 * stdout gets one JSON object (`--json`) or the same object indented. Every scenario works in
 * a scratch database and Redis prefix of its own and removes them, also when it fails.
 */
import { parseArgs } from 'node:util';
import { cpus, totalmem } from 'node:os';
import { sweepBenchDatabases } from './bench-env.ts';
import { loadAverage, round } from './measure.ts';
import { benchSizes, SCENARIOS, type ScenarioName } from './bench-sizes.ts';
import { quotaSaturation } from './scenarios/quota.ts';
import { enronRoot, pipelineThroughput } from './scenarios/throughput.ts';
import { workerMemory } from './scenarios/memory.ts';
import { manyUsers } from './scenarios/many-users.ts';
import { contactRecompute } from './scenarios/recompute.ts';
import { imapHeaderSync } from './scenarios/imap.ts';
import { localImport } from './scenarios/local-import.ts';

function usage(message: string): never {
  process.stderr.write(
    `bench: ${message}\nusage: npm run bench -- [--json] [--only ${SCENARIOS.join(',')}] [--scale <factor>] [--corpora <dir>]\n`,
  );
  process.exit(2);
}

const { values } = (() => {
  try {
    return parseArgs({
      options: {
        json: { type: 'boolean', default: false },
        only: { type: 'string' },
        scale: { type: 'string', default: '1' },
        corpora: { type: 'string' },
      },
    });
  } catch (error) {
    return usage(error instanceof Error ? error.message : String(error));
  }
})();

const scale = Number(values.scale);
if (!Number.isFinite(scale) || scale <= 0 || scale > 10) usage(`--scale must be a number in (0, 10], not ${values.scale}`);
const only = values.only ? values.only.split(',').map((s) => s.trim()) : [...SCENARIOS];
for (const name of only) if (!(SCENARIOS as readonly string[]).includes(name)) usage(`unknown scenario "${name}"`);
const chosen = only as ScenarioName[];
const sizes = benchSizes(scale);

const progress = (line: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

await sweepBenchDatabases();
const result: Record<string, unknown> = {
  startedAt: new Date().toISOString(),
  scale,
  sizes,
  machine: { cpus: cpus().length, memoryGb: round(totalmem() / 2 ** 30, 1), node: process.version },
  loadAverageAtStart: loadAverage(),
};
const scenarios: Record<string, unknown> = {};
let failed = false;
for (const name of chosen) {
  progress(`${name}: starting (load ${loadAverage().join(' ')})`);
  const started = performance.now();
  try {
    const figures = await run(name);
    scenarios[name] = { ...figures, loadAverage: loadAverage(), wallSeconds: round((performance.now() - started) / 1000, 1) };
    progress(`${name}: done in ${round((performance.now() - started) / 1000, 1)} s`);
  } catch (error) {
    failed = true;
    scenarios[name] = { error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
    progress(`${name}: FAILED ${error instanceof Error ? error.message : String(error)}`);
  }
}
result.scenarios = scenarios;
result.loadAverageAtEnd = loadAverage();
result.finishedAt = new Date().toISOString();
process.stdout.write(values.json ? `${JSON.stringify(result)}\n` : `${JSON.stringify(result, null, 2)}\n`);
process.exitCode = failed ? 1 : 0;

function run(name: ScenarioName): Promise<object> {
  switch (name) {
    case 'quota':
      return quotaSaturation({ ...sizes.quota, progress });
    case 'throughput':
      return pipelineThroughput({ ...sizes.throughput, enron: enronRoot(values.corpora), progress });
    case 'memory':
      return workerMemory({ ...sizes.memory, progress });
    case 'users':
      return manyUsers({ ...sizes.users, progress });
    case 'recompute':
      return contactRecompute(sizes.recompute);
    case 'imap':
      return imapHeaderSync({ ...sizes.imap, progress });
    case 'import':
      return localImport({ ...sizes.import, enron: enronRoot(values.corpora), progress });
  }
}
