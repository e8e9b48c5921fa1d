/**
 * A `rekindle serve` process of the chaos run's, asked the same questions every half second
 * while Redis or Postgres is taken away: `/healthz`, `/readyz`, the landing page (needs no
 * queue and no database) and `/connect/google` (rate-limited: its count lives in Redis).
 * Each answer is filed under the phase the scenario says it is in ("before", "redis down",
 * "after redis", ...), so the report can say how many probes answered, the slowest answer,
 * and what `/readyz` said during and after each outage.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort } from './private-servers.ts';

const cli = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));

export const PROBED_ROUTES = { healthz: '/healthz', readyz: '/readyz', landing: '/', connect: '/connect/google' } as const;
export type ProbedRoute = keyof typeof PROBED_ROUTES;

/** A probe with no answer after this long counts as unanswered (the hang lasted 60 s). */
export const PROBE_TIMEOUT_MS = 10_000;
const PROBE_EVERY_MS = 500;

export interface PhaseProbes {
  phase: string;
  probes: number;
  answered: number;
  worstMs: number;
  /** HTTP statuses per route (`timeout` and `error` for probes with no answer). */
  statuses: Record<ProbedRoute, Record<string, number>>;
  /** `/readyz`'s last answer in this phase. */
  lastReady: string | null;
}

export interface WebProber {
  /** Answers from now on are filed under this phase. */
  phase: string;
  /** Resolves at the first `/readyz` 200 from now on; its value is how long that took. */
  readyAgain(): Promise<number>;
  /** Stops probing and the server; the figures per phase, in the order the phases came. */
  stop(): Promise<PhaseProbes[]>;
}

export async function startWebProber(env: Record<string, string>, logFile: string): Promise<WebProber> {
  const port = await freePort();
  const log = createWriteStream(logFile, { flags: 'a' });
  const child: ChildProcess = spawn(process.execPath, [cli, 'serve'], {
    env: { ...process.env, ...env, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr!.pipe(log, { end: false });
  // Started is its own "listening" line, however long migrations take on a busy machine.
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const onExit = (code: number | null) => reject(new Error(`rekindle serve exited (${code}) before it listened:\n${out.slice(-2000)}`));
    child.once('exit', onExit);
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      log.write(chunk);
      if (out.length < 65_536) out += chunk;
      if (out.includes('"msg":"web server listening"')) {
        child.off('exit', onExit);
        resolve();
      }
    });
  });

  const base = `http://127.0.0.1:${port}`;
  const phases: PhaseProbes[] = [];
  const phaseOf = (name: string): PhaseProbes => {
    let found = phases.find((p) => p.phase === name);
    if (!found) {
      const statuses = Object.fromEntries(Object.keys(PROBED_ROUTES).map((r) => [r, {}])) as PhaseProbes['statuses'];
      found = { phase: name, probes: 0, answered: 0, worstMs: 0, statuses, lastReady: null };
      phases.push(found);
    }
    return found;
  };
  const readyWaiters: (() => void)[] = [];

  const probe = async (route: ProbedRoute): Promise<void> => {
    const phase = prober.phase;
    const started = performance.now();
    let outcome: string;
    try {
      const response = await fetch(`${base}${PROBED_ROUTES[route]}`, { redirect: 'manual', signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
      await response.arrayBuffer();
      outcome = String(response.status);
    } catch (error) {
      outcome = (error as Error).name === 'TimeoutError' ? 'timeout' : 'error';
    }
    const ms = Math.round(performance.now() - started);
    const figures = phaseOf(phase);
    figures.probes++;
    figures.statuses[route][outcome] = (figures.statuses[route][outcome] ?? 0) + 1;
    if (/^\d+$/.test(outcome)) {
      figures.answered++;
      figures.worstMs = Math.max(figures.worstMs, ms);
    }
    if (route === 'readyz') {
      figures.lastReady = outcome;
      if (outcome === '200') for (const wake of readyWaiters.splice(0)) wake();
    }
  };

  // A round every half second whatever the last one does: a hanging answer is what is measured,
  // so it must not hold up the next question.
  const pending = new Set<Promise<void>>();
  const timer = setInterval(() => {
    for (const route of Object.keys(PROBED_ROUTES) as ProbedRoute[]) {
      const asked = probe(route).finally(() => pending.delete(asked));
      pending.add(asked);
    }
  }, PROBE_EVERY_MS);

  const prober: WebProber = {
    phase: 'before',
    readyAgain() {
      const from = performance.now();
      return new Promise((resolve) => readyWaiters.push(() => resolve(Math.round(performance.now() - from))));
    },
    async stop() {
      clearInterval(timer);
      await Promise.all(pending);
      if (child.exitCode === null && child.signalCode === null) {
        const gone = once(child, 'exit');
        child.kill('SIGTERM');
        await gone;
      }
      await new Promise((resolve) => log.end(resolve));
      return phases;
    },
  };
  return prober;
}
