// cancelRun on program runs, real processes: a live step's whole tree is stopped and the run recorded cancelled (rest
// unprocessed); waitRun gives the cancelled record; an ended run is returned unchanged; a run waiting for a retry
// ends at once.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunNotFoundError, type AddTaskOptions, type Executor } from '../../src/index.js';
import { readPids, useExecutors } from '../helpers/executor.js';
import { collect, eventOf } from '../helpers/folder.js';
import { pidAlive, waitUntil } from '../helpers/wait.js';
import { PROGRAM_FIXTURES, RUN_TIMEOUT_MS, type Step, step } from '../helpers/program.js';
import { T } from '../helpers/time.js';

const kit = useExecutors();

function setup() {
  const { ex, dir } = kit.make({ killTimeout: 1000 });
  const order = path.join(dir, 'order.txt');
  const pids = path.join(dir, 'pids.txt');
  return { ex, dir, order, pids, env: { ORDER_FILE: order, PIDS_FILE: pids } };
}

async function addProgram(ex: Executor, name: string, steps: Step[], options: AddTaskOptions = {}): Promise<void> {
  await ex.addTask(name, { steps, wd: PROGRAM_FIXTURES, retryDelay: 50, ...options });
}

function lines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

describe('cancelRun of a live step', () => {
  it('stops the step and its whole tree (detached grandchild too), records it cancelled, the rest unprocessed', async () => {
    const { ex, order, pids, env } = setup();
    await addProgram(ex, 'etl', [step('extract'), step('tree', 'run-tree.js'), step('load')], { env });
    const exits = collect(ex, 'exit');
    const steps = collect(ex, 'step');
    const runId = await ex.runTask('etl');
    // The step process, its child and its detached grandchild are all set up.
    const tree = await waitUntil(() => { const p = readPids(pids); return p.length === 3 && p; }, { what: 'the three pids of the step tree' });
    for (const pid of tree) kit.track(pid);
    expect(tree.every(pidAlive)).toBe(true);
    const live = await ex.getRun(runId);
    expect(live).toMatchObject({ status: 'running', step: 1, endedAt: null });
    expect(live.steps.map((s) => s.status)).toEqual(['completed', 'running', 'pending']);
    expect(live.steps[1]!.pid).toEqual(expect.any(Number));
    const waiting = ex.waitRun(runId, { timeout: T(RUN_TIMEOUT_MS) });
    const cancelled = await ex.cancelRun(runId);
    expect(cancelled).toMatchObject({ runId, status: 'cancelled', stopped: true, finishedAt: null, erroredAt: null, step: 1 });
    expect(cancelled.endedAt).toEqual(expect.any(String));
    expect(cancelled.steps.map((s) => [s.name, s.status])).toEqual([['extract', 'completed'], ['tree', 'cancelled'], ['load', 'unprocessed']]);
    expect(cancelled.steps[1]!.endedAt).toEqual(expect.any(String));
    expect(cancelled.steps[2]).toMatchObject({ startedAt: null, pid: null });
    // The whole tree is gone by the time cancelRun resolves.
    expect(tree.filter(pidAlive)).toEqual([]);
    expect(await waiting).toEqual(cancelled);
    expect(await ex.waitRun(runId, { timeout: T(RUN_TIMEOUT_MS) })).toEqual(cancelled);
    expect(await ex.getRun(runId)).toEqual(cancelled);
    expect(lines(order)).toEqual(['extract']);
    await waitUntil(() => exits.some((e) => e.runId === runId), { what: 'the exit event' });
    expect(exits.filter((e) => e.runId === runId)).toMatchObject([{ stopped: true, killedFor: 'cancel' }]);
    expect(steps.filter((e) => e.runId === runId && e.step === 'tree').map((e) => e.status)).toEqual(['running', 'cancelled']);
    expect(steps.some((e) => e.step === 'load')).toBe(false);
    // Cancelling it again gives the same record, unchanged.
    expect(await ex.cancelRun(runId)).toEqual(cancelled);
    // The task is left as it was (a one-off run), not failed.
    const row = (await ex.listTasks()).find((r) => r.name === 'etl')!;
    expect(row.status).not.toBe('failed');
  });

  it('a run cancelled in its first step: every later step unprocessed', async () => {
    const { ex, pids, env } = setup();
    await addProgram(ex, 'first', [step('tree', 'run-tree.js'), step('b'), step('c')], { env });
    const runId = await ex.runTask('first');
    const tree = await waitUntil(() => { const p = readPids(pids); return p.length === 3 && p; }, { what: 'the step tree' });
    for (const pid of tree) kit.track(pid);
    const cancelled = await ex.cancelRun(runId);
    expect(cancelled.steps.map((s) => s.status)).toEqual(['cancelled', 'unprocessed', 'unprocessed']);
    expect(tree.filter(pidAlive)).toEqual([]);
  });
});

describe('cancelRun from another Executor on the folder', () => {
  it('stops a step started by the first Executor; both see the cancelled record', async () => {
    const { ex, pids, env } = setup();
    await addProgram(ex, 'etl', [step('a'), step('tree', 'run-tree.js'), step('c')], { env });
    const runId = await ex.runTask('etl');
    const tree = await waitUntil(() => { const p = readPids(pids); return p.length === 3 && p; }, { what: 'the step tree' });
    for (const pid of tree) kit.track(pid);
    const other = kit.open(ex.folder, { killTimeout: 1000 });
    const cancelled = await other.cancelRun(runId);
    expect(cancelled).toMatchObject({ status: 'cancelled', erroredAt: null });
    expect(cancelled.steps.map((s) => s.status)).toEqual(['completed', 'cancelled', 'unprocessed']);
    expect(tree.filter(pidAlive)).toEqual([]);
    expect(await ex.waitRun(runId, { timeout: T(RUN_TIMEOUT_MS) })).toEqual(cancelled);
    // The first Executor's own exit hook does not re-settle it (as failed, or by starting step c).
    await ex.tick();
    expect(await ex.getRun(runId)).toEqual(cancelled);
  });
});

describe('cancelRun of ended runs and unknown ids', () => {
  it('returns an ended run record unchanged (succeeded or failed)', async () => {
    const { ex, env } = setup();
    await addProgram(ex, 'ok', [step('a'), step('b')], { env });
    await addProgram(ex, 'ko', [step('a', 'run-fail.js'), step('b')], { env });
    for (const name of ['ok', 'ko']) {
      const run = await ex.waitRun(await ex.runTask(name), { timeout: T(RUN_TIMEOUT_MS) });
      expect(run.status).toBe(name === 'ok' ? 'succeeded' : 'failed');
      expect(await ex.cancelRun(run.runId)).toEqual(run);
      expect(await ex.getRun(run.runId)).toEqual(run);
    }
  });

  it('rejects an unknown runId with RunNotFoundError', async () => {
    const { ex } = setup();
    await expect(ex.cancelRun('20300101T000000000Z-000000')).rejects.toBeInstanceOf(RunNotFoundError);
  });
});

describe('cancelRun of a run waiting for a retry', () => {
  it('ends it at once as cancelled, and the retry never runs', async () => {
    const { ex, order, env } = setup();
    await addProgram(ex, 'wait', [step('a'), step('count', 'run-counter.js', { env: { TARGET: 99 } }), step('c')], { env, retryDelay: 60_000 });
    const steps = collect(ex, 'step');
    const exits = collect(ex, 'exit');
    const pending = eventOf(ex, 'step', (e) => e.step === 'count' && e.status === 'pending');
    const runId = await ex.runTask('wait');
    const event = await pending;
    expect(event.runId).toBe(runId);
    const before = await ex.getRun(runId);
    expect(before).toMatchObject({ status: 'running', stepRetryCount: 1, erroredAt: null });
    const cancelled = await ex.cancelRun(runId); // resolves well before the 60 s retry (the test would time out)
    expect(cancelled).toMatchObject({ runId, status: 'cancelled', finishedAt: null, erroredAt: null, stepRetryCount: 1 });
    expect(cancelled.endedAt).toEqual(expect.any(String));
    expect(cancelled.steps.map((s) => [s.name, s.status])).toEqual([['a', 'completed'], ['count', 'cancelled'], ['c', 'unprocessed']]);
    expect(cancelled.steps[1]).toMatchObject({ retries: 1, exitCode: 75 });
    expect(await ex.waitRun(runId, { timeout: T(RUN_TIMEOUT_MS) })).toEqual(cancelled);
    // A pass over the folder does not start the cancelled retry.
    await ex.tick();
    expect(await ex.getRun(runId)).toEqual(cancelled);
    expect(steps.filter((e) => e.step === 'count' && e.status === 'running')).toHaveLength(1);
    expect(lines(order)).toEqual(['a']);
    expect(exits.filter((e) => e.runId === runId)).toMatchObject([{ stopped: true, killedFor: 'cancel' }]);
    expect(steps.filter((e) => e.step === 'count').map((e) => e.status)).toEqual(['running', 'pending', 'cancelled']);
  });
});
