// Programs after review: a replace while a run is live leaves that run on its old definition; a re-run after a
// crash first stops what is left of the old attempt; stopTask ends a run that waits for a retry.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useExecutors } from '../helpers/executor.js';
import { pidAlive, waitUntil } from '../helpers/wait.js';
import { PROGRAM_FIXTURES, RUN_TIMEOUT_MS } from '../helpers/program.js';
import { T } from '../helpers/time.js';

const kit = useExecutors();

function setup() {
  const { ex, dir } = kit.make();
  const release = path.join(dir, 'release');
  const pidOf = (file: string): number | null => (existsSync(path.join(dir, file)) ? Number(readFileSync(path.join(dir, file), 'utf8')) : null);
  return { ex, dir, release, pidOf, env: { PID_DIR: dir, RELEASE_FILE: release } };
}

describe('programs after review', () => {
  it('addTask replace while a run is live: the run finishes on its old steps, the next run uses the new ones', async () => {
    const { ex, release, pidOf, env } = setup();
    const old = [{ name: 'a', script: 'run-step.js' }, { name: 'hold', script: 'review-hold.js' }, { name: 'c', script: 'run-step.js' }];
    await ex.addTask('p', { steps: old, wd: PROGRAM_FIXTURES, env });
    const runId = await ex.runTask('p');
    await waitUntil(() => pidOf('hold.0.pid') !== null, { timeoutMs: 10_000, what: 'the hold step running' });
    await ex.addTask('p', { steps: [{ name: 'x', script: 'run-step.js' }], wd: PROGRAM_FIXTURES, env, replace: true });
    writeFileSync(release, '');
    const run = await ex.waitRun(runId, { timeout: T(RUN_TIMEOUT_MS) });
    expect(run.status).toBe('succeeded');
    expect(run.steps.map((s) => [s.name, s.status])).toEqual([['a', 'completed'], ['hold', 'completed'], ['c', 'completed']]);
    const next = await ex.waitRun(await ex.runTask('p'), { timeout: T(RUN_TIMEOUT_MS) });
    expect(next.steps.map((s) => [s.name, s.status])).toEqual([['x', 'completed']]);
  });

  it('a step whose shim alone was killed is re-run only after what is left of it is stopped', async () => {
    const { ex, release, pidOf, env } = setup();
    await ex.addTask('p', { steps: [{ name: 'hold', script: 'review-hold.js' }], wd: PROGRAM_FIXTURES, env });
    const runId = await ex.runTask('p');
    await waitUntil(() => pidOf('hold.0.pid') !== null, { timeoutMs: 10_000, what: 'attempt 0 running' });
    const first = pidOf('hold.0.pid')!;
    const shim = (await ex.getRun(runId)).steps[0]!.pid!;
    process.kill(shim, 'SIGKILL'); // the shim only: the script itself lives on in the shim's process group
    await waitUntil(async () => { await ex.tick(); return pidOf('hold.1.pid') !== null; }, { timeoutMs: 15_000, what: 'the re-run' });
    expect(pidAlive(first)).toBe(false); // stopped before attempt 1 started
    writeFileSync(release, '');
    const run = await ex.waitRun(runId, { timeout: T(RUN_TIMEOUT_MS) });
    expect(run.status).toBe('succeeded');
    expect(run.steps[0]!.retries).toBe(0); // a re-run after a crash is not a retry
  });

  it('stopTask ends a run that waits for a retry, as cancelled', async () => {
    const { ex, pidOf, env } = setup();
    await ex.addTask('p', { steps: [{ name: 'hold', script: 'review-hold.js' }], wd: PROGRAM_FIXTURES, env: { ...env, EXIT_CODE: '75' }, retryDelay: 60_000 });
    const runId = await ex.runTask('p');
    await waitUntil(async () => (await ex.getRun(runId)).stepRetryCount === 1, { timeoutMs: 10_000, what: 'a retry pending' });
    expect(pidOf('hold.1.pid')).toBeNull();
    await ex.stopTask('p');
    const run = await ex.waitRun(runId, { timeout: T(RUN_TIMEOUT_MS) });
    expect(run.status).toBe('cancelled');
    expect(run.steps[0]!.status).toBe('cancelled');
    expect((await ex.listTasks())[0]!.status).toBe('stopped');
  });
});
