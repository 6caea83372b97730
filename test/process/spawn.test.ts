import { execFile } from 'node:child_process';
import { readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidOptionError, SpawnError } from '../../src/errors.js';
import { isAlive, readIdentity, readProcStat, type ProcessIdentity } from '../../src/process/identity.js';
import { readStatusFile } from '../../src/process/shim.js';
import { loadExeca } from '../../src/process/load-execa.js';
import { spawnRun, type SpawnRunOptions } from '../../src/process/spawn.js';
import { listChildren } from '../../src/process/tree.js';
import { useProcessSandbox } from '../fixtures/process/janitor.js';
import { waitUntil } from '../helpers/wait.js';
import { T } from '../helpers/time.js';

beforeAll(loadExeca); // spawnRun is synchronous: execa is loaded first, as the SDK's callers do

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/process/${name}`, import.meta.url));
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const sandbox = useProcessSandbox();
const { janitor } = sandbox;

/** spawnRun with files in the temp folder; the run is tracked for cleanup. */
function run(command: string[], extra: Partial<SpawnRunOptions> = {}) {
  const opts: SpawnRunOptions = {
    command, cwd: sandbox.dir, env: { PATH: process.env.PATH ?? '' },
    outputFile: path.join(sandbox.dir, 'output.log'), statusFile: path.join(sandbox.dir, 'status'), ...extra,
  };
  const spawned = spawnRun(opts);
  janitor.track(spawned.identity);
  return { ...spawned, ...opts };
}

describe('spawnRun', () => {
  it('appends stdout and stderr to the output file and records exit code 3', async () => {
    const outputFile = path.join(sandbox.dir, 'output.log');
    writeFileSync(outputFile, 'before\n');
    const r = run([process.execPath, fixture('exit-with.mjs'), '3']);
    expect(await r.exited).toEqual({ exitCode: 3, signal: null });
    expect(readFileSync(outputFile, 'utf8')).toBe('before\nto stdout\nto stderr\n');
    expect(readFileSync(r.statusFile, 'utf8')).toMatch(/^3 \d+\.\d+\n$/);
    expect(readStatusFile(r.statusFile)).toMatchObject({ exitCode: 3, signal: null });
  });

  it('starts the shim as a session and group leader, with a live identity', () => {
    const r = run([process.execPath, fixture('exit-when-file.mjs'), path.join(sandbox.dir, 'go')]);
    expect(r.identity).toEqual(readIdentity(r.identity.pid));
    expect(isAlive(r.identity)).toBe(true);
    expect(r.spawnedAt).toBeLessThanOrEqual(Date.now());
    const stat = readProcStat(r.identity.pid)!;
    expect(stat.pgrp).toBe(r.identity.pid);
    expect(stat.session).toBe(r.identity.pid);
  });

  it('lets the task write straight to the output file (no pipe through Node), with stdin from /dev/null', async () => {
    const r = run([process.execPath, fixture('exit-when-file.mjs'), path.join(sandbox.dir, 'go')]);
    const task = await waitUntil(() => listChildren(r.identity.pid)[0], { what: 'the task to start' });
    await waitUntil(() => readFileSync(r.outputFile, 'utf8').includes('waiting'), { what: 'the task to be up' });
    for (const fd of [1, 2]) expect(readlinkSync(`/proc/${task}/fd/${fd}`)).toBe(r.outputFile);
    expect(readlinkSync(`/proc/${task}/fd/0`)).toBe('/dev/null');
    writeFileSync(path.join(sandbox.dir, 'go'), '');
    expect(await r.exited).toEqual({ exitCode: 0, signal: null });
  });

  it('gives the task exactly the env and cwd asked for', async () => {
    const script = 'console.log(JSON.stringify({ cwd: process.cwd(), foo: process.env.FOO, vitest: process.env.VITEST ?? null }))';
    const r = run([process.execPath, '-e', script], { env: { FOO: 'bar baz' } });
    expect(await r.exited).toEqual({ exitCode: 0, signal: null });
    expect(JSON.parse(readFileSync(r.outputFile, 'utf8'))).toEqual({ cwd: sandbox.dir, foo: 'bar baz', vitest: null });
  });

  it('records the status after the Node process that spawned the run has exited', async () => {
    const goFile = path.join(sandbox.dir, 'go');
    const outputFile = path.join(sandbox.dir, 'output.log');
    const statusFile = path.join(sandbox.dir, 'status');
    // The spawner ends on its own: spawnRun must leave nothing that keeps Node alive.
    const { stdout } = await promisify(execFile)(process.execPath, [
      '--import', 'tsx', fixture('spawn-and-exit.ts'), outputFile, statusFile, sandbox.dir, process.execPath, fixture('exit-when-file.mjs'), goFile, '7',
    ], { cwd: REPO, timeout: T(20_000) });
    const identity = JSON.parse(stdout) as ProcessIdentity;
    janitor.track(identity);
    expect(isAlive(identity)).toBe(true);
    expect(readStatusFile(statusFile)).toBeNull();
    writeFileSync(goFile, '');
    expect(await waitUntil(() => readStatusFile(statusFile), { what: 'the status file' })).toMatchObject({ exitCode: 7, signal: null });
    await waitUntil(() => !isAlive(identity), { what: 'the shim to exit' });
  });

  it('throws SpawnError when the working directory or the output folder is missing', () => {
    const missing = path.join(sandbox.dir, 'missing');
    expect(() => run([process.execPath, '-e', ''], { cwd: missing, label: 'job' })).toThrow(SpawnError);
    expect(() => run([process.execPath, '-e', ''], { outputFile: path.join(missing, 'out.log') })).toThrow(SpawnError);
    try {
      run([process.execPath, '-e', ''], { cwd: missing, label: 'job' });
    } catch (error) {
      expect((error as SpawnError).code).toBe('ERR_SPAWN');
      expect((error as SpawnError).message).toMatch(/^Expected task "job" to spawn, got /);
    }
  });

  it('rejects an empty command', () => {
    expect(() => run([])).toThrow(InvalidOptionError);
  });
});

describe('awaitExit', () => {
  // A Node process whose only work is waiting for a run's exit: `exited` lets Node end first (the child is unref'd),
  // `awaitExit()` keeps it alive until the exit is seen.
  const waiter = (how: 'exited' | 'awaitExit'): string => `
const { loadExeca } = await import(${JSON.stringify(path.join(REPO, 'src/process/load-execa.js'))});
const { spawnRun } = await import(${JSON.stringify(path.join(REPO, 'src/process/spawn.js'))});
await loadExeca();
const dir = process.argv[1];
const run = spawnRun({ command: ['sleep', '0.3'], cwd: dir, env: { PATH: process.env.PATH }, outputFile: dir + '/out.txt', statusFile: dir + '/status' });
const exit = await ${how === 'exited' ? 'run.exited' : 'run.awaitExit()'};
console.log('seen ' + JSON.stringify(exit));`;

  it('keeps Node alive until the run exits, where `exited` does not', async () => {
    const run = (how: 'exited' | 'awaitExit'): Promise<{ code: number | null; stdout: string }> => new Promise((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', waiter(how), sandbox.dir], { timeout: T(10_000) }, (error, stdout) => {
        resolve({ code: error ? (error as { code?: number }).code ?? null : 0, stdout });
      });
    });
    // Node ends with the await unsettled (exit code 13: "unsettled top-level await") and never sees the exit.
    expect(await run('exited')).toEqual({ code: 13, stdout: '' });
    expect(await run('awaitExit')).toEqual({ code: 0, stdout: expect.stringMatching(/^seen \{"exitCode":0,"signal":null/) });
  });
});
