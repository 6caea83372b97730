// Program step retries, real processes: retry then success with the checkpoint carried across attempts, the record
// while a retry is pending, exhaustion of step-level retries, and custom retryExitCodes.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AddTaskOptions, Executor, RunRecord } from '../../src/index.js';
import type { StepEvent } from '../../src/events.js';
import { useExecutors } from '../helpers/executor.js';
import { collect, eventOf } from '../helpers/folder.js';
import { waitUntil } from '../helpers/wait.js';
import { PROGRAM_FIXTURES, RUN_TIMEOUT_MS, type Step, step } from '../helpers/program.js';
import { T } from '../helpers/time.js';

const kit = useExecutors();

function setup(options?: Parameters<typeof kit.make>[0]) {
  const { ex, dir } = kit.make(options);
  const order = path.join(dir, 'order.txt');
  return { ex, dir, order, env: { ORDER_FILE: order } };
}

async function addProgram(ex: Executor, name: string, steps: Step[], options: AddTaskOptions = {}): Promise<void> {
  await ex.addTask(name, { steps, wd: PROGRAM_FIXTURES, retryDelay: 50, ...options });
}

function lines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

/** The checkpoint a step of run `run` left. */
function checkpoint(ex: Executor, run: RunRecord, stepName: string): unknown {
  return JSON.parse(readFileSync(path.join(ex.folder, 'runs', run.task, run.runId, `${stepName}.state.json`), 'utf8'));
}

async function runOnce(ex: Executor, name: string): Promise<{ run: RunRecord; steps: StepEvent[] }> {
  const exits = collect(ex, 'exit');
  const steps = collect(ex, 'step');
  const runId = await ex.runTask(name);
  const run = await ex.waitRun(runId, { timeout: T(RUN_TIMEOUT_MS) });
  await waitUntil(() => exits.some((e) => e.runId === runId), { what: `the exit event of ${runId}` });
  return { run, steps: steps.filter((s) => s.runId === runId) };
}

describe('retry then success', () => {
  it('retries a step exiting 75, carrying its checkpoint across attempts, and keeps the last error line', async () => {
    const { ex, order, env } = setup();
    await addProgram(ex, 'etl', [step('extract'), step('count', 'run-counter.js'), step('load')], { env, stderr: 'separate' });
    const { run, steps } = await runOnce(ex, 'etl');
    expect(lines(order)).toEqual(['extract', 'load']);
    // stepRetryCount is the current (last) step's: 0.
    expect(run).toMatchObject({ status: 'succeeded', erroredAt: null, step: 2, stepRetryCount: 0 });
    expect(run.finishedAt).toEqual(expect.any(String));
    expect(run.steps.map((s) => [s.name, s.status, s.exitCode, s.retries])).toEqual([
      ['extract', 'completed', 0, 0], ['count', 'completed', 0, 2], ['load', 'completed', 0, 0],
    ]);
    // Attempts 0, 1, 2 saw counts 1, 2, 3: the checkpoint survived each retry.
    expect(checkpoint(ex, run, 'count')).toEqual({ count: 3 });
    // The last stderr line of the last failing attempt (stdout came after it there), kept once the step succeeded.
    expect(run.errorMessage).toBe('not yet 2');
    const count = steps.filter((e) => e.step === 'count');
    expect(count.map((e) => `${e.status}@${e.attempt}`)).toEqual(['running@0', 'pending@0', 'running@1', 'pending@1', 'running@2', 'completed@2']);
    expect(count.filter((e) => e.status === 'pending').map((e) => e.errorMessage)).toEqual(['not yet 1', 'not yet 2']);
    expect(count.filter((e) => e.status === 'pending').every((e) => e.exitCode === 75 && typeof e.retryAt === 'string')).toBe(true);
    const text = readFileSync(path.join(ex.folder, run.steps[1]!.outputFile!), 'utf8');
    expect(text).toContain('done at 3');
  });

  it('while a retry is pending the record shows the retry count and the error, not erroredAt', async () => {
    const { ex, env } = setup();
    await addProgram(ex, 'slowretry', [step('count', 'run-counter.js', { env: { TARGET: 2 } }), step('after')], { env, retryDelay: 1500 });
    const pending = eventOf(ex, 'step', (e) => e.step === 'count' && e.status === 'pending');
    const exits = collect(ex, 'exit');
    const runId = await ex.runTask('slowretry');
    const event = await pending;
    expect(event).toMatchObject({ runId, exitCode: 75, attempt: 0, errorMessage: 'stdout after attempt 0' });
    expect(Date.parse(event.retryAt!)).toBeGreaterThan(Date.now());
    const waiting = await ex.getRun(runId);
    expect(waiting).toMatchObject({ status: 'running', step: 0, stepRetryCount: 1, erroredAt: null, finishedAt: null, endedAt: null });
    // stderr merged (the default): the failing attempt printed its stdout line last.
    expect(waiting.errorMessage).toBe('stdout after attempt 0');
    expect(waiting.steps[0]).toMatchObject({ status: 'pending', retries: 1, exitCode: 75 });
    expect(waiting.steps[1]).toMatchObject({ status: 'pending', startedAt: null });
    // Nobody calls waitRun: the Executor that started the run starts the retry when it is due, on its own.
    await waitUntil(() => exits.some((e) => e.runId === runId), { timeoutMs: RUN_TIMEOUT_MS, what: 'the run to end by itself' });
    const run = await ex.getRun(runId);
    expect(run).toMatchObject({ status: 'succeeded', erroredAt: null, errorMessage: 'stdout after attempt 0' });
    expect(run.steps.map((s) => [s.status, s.retries])).toEqual([['completed', 1], ['completed', 0]]);
    // The second attempt ended after retryAt.
    expect(Date.parse(run.steps[0]!.endedAt!)).toBeGreaterThanOrEqual(Date.parse(event.retryAt!));
  });
});

describe('retry exhaustion', () => {
  it('a step always exiting 75 with retries: 2 fails after 2 retries; later steps unprocessed', async () => {
    const { ex, order, env } = setup();
    // TARGET 99: never reaches it, exits 75 each time.
    await addProgram(ex, 'tired', [step('a'), step('count', 'run-counter.js', { retries: 2, env: { TARGET: 99 } }), step('c'), step('d')], { env });
    const { run, steps } = await runOnce(ex, 'tired');
    expect(lines(order)).toEqual(['a']);
    expect(run).toMatchObject({ status: 'failed', finishedAt: null, step: 1, stepRetryCount: 2, exitCode: 75 });
    expect(run.erroredAt).toEqual(expect.any(String));
    expect(run.errorMessage).toBe('stdout after attempt 2');
    expect(run.steps.map((s) => [s.name, s.status, s.retries])).toEqual([
      ['a', 'completed', 0], ['count', 'failed', 2], ['c', 'unprocessed', 0], ['d', 'unprocessed', 0],
    ]);
    expect(run.steps[1]!.exitCode).toBe(75);
    expect(checkpoint(ex, run, 'count')).toEqual({ count: 3 });
    expect(steps.filter((e) => e.step === 'count' && e.status !== 'running').map((e) => e.status)).toEqual(['pending', 'pending', 'failed']);
  });

  it('custom retryExitCodes: [3] retries exit 3 (task-level retries) and 75 is then a plain failure', async () => {
    const { ex, env } = setup();
    await addProgram(ex, 'three', [step('x', 'run-fail.js', { env: { EXIT_CODE: 3 } })], { env, retries: 1, retryExitCodes: [3] });
    const { run } = await runOnce(ex, 'three');
    expect(run).toMatchObject({ status: 'failed', errorMessage: 'last line before exit 3' });
    expect(run.steps[0]).toMatchObject({ status: 'failed', exitCode: 3, retries: 1 });
    expect(run.erroredAt).toEqual(expect.any(String));

    await addProgram(ex, 'seventyfive', [step('y', 'run-fail.js', { env: { EXIT_CODE: 75 } })], { env, retryExitCodes: [3] });
    const second = await runOnce(ex, 'seventyfive');
    expect(second.run.steps[0]).toMatchObject({ status: 'failed', exitCode: 75, retries: 0 });
  });

  it("a step's retries: 0 wins over the task's retries", async () => {
    const { ex, env } = setup();
    await addProgram(ex, 'once', [step('count', 'run-counter.js', { retries: 0 }), step('b')], { env, retries: 5 });
    const { run } = await runOnce(ex, 'once');
    expect(run).toMatchObject({ status: 'failed', stepRetryCount: 0 });
    expect(run.steps.map((s) => [s.status, s.retries])).toEqual([['failed', 0], ['unprocessed', 0]]);
    expect(checkpoint(ex, run, 'count')).toEqual({ count: 1 });
  });

  it('custom retryExitCodes: [3]: a step exiting 3 is retried until it succeeds', async () => {
    const { ex, env } = setup();
    await addProgram(ex, 'custom', [step('count', 'run-counter.js', { env: { RETRY_CODE: 3 } }), step('b')], { env, retryExitCodes: [3] });
    const { run } = await runOnce(ex, 'custom');
    expect(run).toMatchObject({ status: 'succeeded', erroredAt: null, errorMessage: 'stdout after attempt 1' });
    expect(run.steps.map((s) => [s.status, s.retries])).toEqual([['completed', 2], ['completed', 0]]);
    expect(checkpoint(ex, run, 'count')).toEqual({ count: 3 });
  });
});
