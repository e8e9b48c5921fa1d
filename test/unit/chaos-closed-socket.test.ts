/**
 * A long-running process survives postgres.js's deferred write to a closed connection (an
 * uncatchable TypeError from a timer, see survive-closed-socket.ts) and a failed connection
 * attempt nobody awaited while Postgres restarts — both found by `npm run chaos`, when workers
 * died after their Postgres connections were cut — and still dies, as Node would, of any
 * other uncaught exception.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isClosedSocketWrite, isUnavailablePostgres } from '../../src/db/survive-closed-socket.ts';

const moduleUrl = new URL('../../src/db/survive-closed-socket.ts', import.meta.url).href;

/** The error exactly as postgres.js 3.4.9 throws it (message and the frames that matter). */
function closedSocketWrite(): TypeError {
  const error = new TypeError("Cannot read properties of null (reading 'write')");
  error.stack = `${error.message}\n    at Immediate.nextWrite (file:///app/node_modules/postgres/src/connection.js:255:22)\n    at process.processImmediate (node:internal/timers:574:21)`;
  return error;
}

function runChild(throwing: string): { status: number | null; stderr: string } {
  const code = `
    import { pino } from 'pino';
    import { surviveClosedSocketWrites } from ${JSON.stringify(moduleUrl)};
    surviveClosedSocketWrites(pino({ level: 'silent' }));
    setImmediate(() => { ${throwing} });
    setTimeout(() => process.exit(0), 200);`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    encoding: 'utf8',
  });
  return { status: result.status, stderr: result.stderr };
}

describe('surviving a write to a closed Postgres connection', () => {
  it('recognizes postgres.js’s error and nothing else', () => {
    expect(isClosedSocketWrite(closedSocketWrite())).toBe(true);
    expect(isClosedSocketWrite(new TypeError("Cannot read properties of null (reading 'write')"))).toBe(false);
    expect(isClosedSocketWrite(new Error('boom'))).toBe(false);
  });

  it('carries on after that error, and exits 1 on any other', () => {
    const survived = runChild(
      `const e = new TypeError("Cannot read properties of null (reading 'write')"); e.stack = ${JSON.stringify(closedSocketWrite().stack)}; throw e;`,
    );
    expect(survived.status).toBe(0);
    const died = runChild(`throw new Error('something else')`);
    expect(died.status).toBe(1);
    expect(died.stderr).toContain('something else');
  });

  it('carries on after a connection attempt nobody awaited failed because Postgres is restarting', () => {
    const notYet = `Object.assign(new Error('the database system is not yet accepting connections'), { name: 'PostgresError', code: '57P03' })`;
    expect(runChild(`Promise.reject(${notYet});`).status).toBe(0);
    // Any other rejection still ends the process.
    expect(runChild(`Promise.reject(Object.assign(new Error('duplicate key'), { name: 'PostgresError', code: '23505' }));`).status).toBe(1);
    expect(isUnavailablePostgres(Object.assign(new Error('x'), { name: 'PostgresError', code: '57P01' }))).toBe(true);
    expect(isUnavailablePostgres(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe(false);
    // The raw refusal of a reconnect, thrown from Node's own frames.
    const refused = `Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5'), { code: 'ECONNREFUSED', syscall: 'connect' })`;
    expect(runChild(`throw ${refused};`).status).toBe(0);
  });
});
