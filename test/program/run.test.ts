// Program runs, real processes: steps in order with their own output files, the run file (config + data), the
// success record, a skipped step, a failed step (rest unprocessed, failure alert, error line) and a retried timeout.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AddTaskOptions, Executor, RunRecord } from '../../src/index.js';
import type { StepEvent } from '../../src/events.js';
import { useExecutors } from '../helpers/executor.js';
import { collect } from '../helpers/folder.js';
import { waitUntil } from '../helpers/wait.js';
import { PROGRAM_FIXTURES, RUN_TIMEOUT_MS, type Step, step } from '../helpers/program.js';
import { T } from '../helpers/time.js';

const kit = useExecutors();

/** A temp folder, an Executor on it, and the files the fixtures write to. */
function setup(options?: Parameters<typeof kit.make>[0]) {
  const { ex, dir } = kit.make(options);
  const order = path.join(dir, 'order.txt');
  const dump = (name: string) => JSON.parse(readFileSync(path.join(dir, `${name}.json`), 'utf8')) as {
    step: string; index: string; attempt: string; runId: string; input: Record<string, unknown>;
  };
  return { ex, dir, order, dump, env: { ORDER_FILE: order, DUMP_DIR: dir } };
}

async function addProgram(ex: Executor, name: string, steps: Step[], options: AddTaskOptions = {}): Promise<void> {
  await ex.addTask(name, { steps, wd: PROGRAM_FIXTURES, retryDelay: 50, ...options });
}

function lines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

/** Runs `name` once, waits for its end and its `exit` event; also gives every `step` event of the run. */
async function runOnce(ex: Executor, name: string, data?: unknown): Promise<{ run: RunRecord; steps: StepEvent[] }> {
  const exits = collect(ex, 'exit');
  const steps = collect(ex, 'step');
  const runId = await ex.runTask(name, data === undefined ? {} : { data });
  const run = await ex.waitRun(runId, { timeout: T(RUN_TIMEOUT_MS) });
  await waitUntil(() => exits.some((e) => e.runId === runId), { what: `the exit event of ${runId}` });
  return { run, steps: steps.filter((s) => s.runId === runId) };
}

describe('a program that succeeds', () => {
  it('runs its steps in order, each with its own output file, and records the run as succeeded', async () => {
    const { ex, order, dump, env } = setup();
    const config = { source: 's3://bucket', batch: 500 };
    await addProgram(ex, 'etl', [step('extract'), step('transform'), step('load')], { env, config });
    const data = { day: '2030-01-02', ids: [1, 2, 3] };
    const starts = collect(ex, 'start');
    const exits = collect(ex, 'exit');
    const { run, steps } = await runOnce(ex, 'etl', data);
    expect(lines(order)).toEqual(['extract', 'transform', 'load']);
    expect(run).toMatchObject({ task: 'etl', status: 'succeeded', trigger: 'manual', erroredAt: null, errorMessage: null, data, stepRetryCount: 0 });
    expect(run.finishedAt).toEqual(expect.any(String));
    expect(run.endedAt).toEqual(expect.any(String));
    expect(run.steps.map((s) => s.name)).toEqual(['extract', 'transform', 'load']);
    for (const [i, s] of run.steps.entries()) {
      expect(s, s.name).toMatchObject({ status: 'completed', exitCode: 0, signal: null, retries: 0, timedOut: false });
      expect(s.pid).toEqual(expect.any(Number));
      expect(Date.parse(s.startedAt!)).toBeLessThanOrEqual(Date.parse(s.endedAt!));
      if (i > 0) expect(Date.parse(s.startedAt!)).toBeGreaterThanOrEqual(Date.parse(run.steps[i - 1]!.endedAt!));
      // Its own output file, under runs/<task>/<runId>/, holding what this step printed and nothing of the others.
      expect(s.outputFile).toBe(path.join('runs', 'etl', run.runId, `${s.name}.txt`));
      const text = readFileSync(path.join(ex.folder, s.outputFile!), 'utf8');
      expect(text).toContain(`output of ${s.name}`);
      for (const other of run.steps.filter((o) => o.name !== s.name)) expect(text).not.toContain(`output of ${other.name}`);
      // EXECUTOR_STEP, the step index, attempt 0, and the run file with the task's config and the run's data.
      expect(dump(s.name)).toEqual({
        step: s.name, index: String(i), attempt: '0', runId: run.runId,
        input: { runId: run.runId, task: 'etl', trigger: 'manual', event: null, createdAt: run.createdAt, triggerTime: null, scheduledFor: null, config, data },
      });
    }
    expect(await ex.getRun(run.runId)).toEqual(run);
    // `step` events: running (with a pid) then completed, for each step in turn.
    expect(steps.map((e) => `${e.step}:${e.status}`)).toEqual([
      'extract:running', 'extract:completed', 'transform:running', 'transform:completed', 'load:running', 'load:completed',
    ]);
    expect(steps.filter((e) => e.status === 'running').every((e) => typeof e.pid === 'number')).toBe(true);
    expect(starts.filter((e) => e.runId === run.runId)).toHaveLength(1);
    expect(exits.filter((e) => e.runId === run.runId)).toMatchObject([{ exitCode: 0, signal: null, stopped: false, timedOut: false }]);
  });

  it('a step exiting with a skip code is skipped and the run goes on and succeeds', async () => {
    const { ex, order, env, dump } = setup();
    const steps3 = [step('a'), step('b', 'run-step.js', { env: { EXIT_CODE: 3 } }), step('c'), step('d', 'run-step.js', { env: { EXIT_CODE: 75 } })];
    // 75 is retryable by default: listed in skipExitCodes, it skips instead (even as the last step).
    await addProgram(ex, 'skippy', steps3, { env, skipExitCodes: [3, 75] });
    const { run, steps } = await runOnce(ex, 'skippy');
    expect(lines(order)).toEqual(['a', 'b', 'c', 'd']);
    expect(run).toMatchObject({ status: 'succeeded', erroredAt: null, errorMessage: null, data: null });
    expect(run.finishedAt).toEqual(expect.any(String));
    expect(run.steps.map((s) => [s.name, s.status, s.exitCode, s.retries])).toEqual([
      ['a', 'completed', 0, 0], ['b', 'skipped', 3, 0], ['c', 'completed', 0, 0], ['d', 'skipped', 75, 0],
    ]);
    expect(steps.find((e) => e.step === 'b' && e.status !== 'running')).toMatchObject({ status: 'skipped', exitCode: 3, retryAt: null });
    // No data and no config: the run file says null and {}.
    expect(dump('a').input).toMatchObject({ data: null, config: {} });
  });
});

describe('a program that fails', () => {
  it('a step exiting 2 fails the run: the rest unprocessed, erroredAt set, a failure alert, the last output line as error', async () => {
    const { ex, order, env } = setup({ alert: 'failure' });
    await addProgram(ex, 'bad', [step('one'), step('two', 'run-fail.js'), step('three'), step('four')], { env });
    const alerts = collect(ex, 'alert');
    const { run, steps } = await runOnce(ex, 'bad');
    expect(lines(order)).toEqual(['one']);
    expect(run).toMatchObject({ status: 'failed', finishedAt: null, step: 1, exitCode: 2 });
    expect(run.erroredAt).toEqual(expect.any(String));
    // stderr is merged (the default): the last non-empty line of the step's output, its header/footer left out.
    expect(run.errorMessage).toBe('last line before exit 2');
    expect(run.steps.map((s) => [s.name, s.status, s.exitCode])).toEqual([
      ['one', 'completed', 0], ['two', 'failed', 2], ['three', 'unprocessed', null], ['four', 'unprocessed', null],
    ]);
    expect(run.steps[1]).toMatchObject({ retries: 0, timedOut: false });
    expect(run.steps[2]).toMatchObject({ startedAt: null, pid: null, outputFile: null });
    expect(steps.find((e) => e.step === 'two' && e.status !== 'running')).toMatchObject({ status: 'failed', exitCode: 2, retryAt: null, errorMessage: 'last line before exit 2' });
    expect(steps.some((e) => e.step === 'three')).toBe(false);
    await waitUntil(() => alerts.some((a) => a.runId === run.runId), { what: 'the failure alert' });
    expect(alerts.filter((a) => a.runId === run.runId)).toMatchObject([{ kind: 'failure', name: 'bad', runId: run.runId, reason: 'bad at step two exited with code 2' }]);
    expect(await ex.getRun(run.runId)).toEqual(run);
  });

  it('with stderr separate, the error message is the last stderr line', async () => {
    const { ex, env } = setup();
    await addProgram(ex, 'sep', [step('two', 'run-fail.js')], { env, stderr: 'separate' });
    const { run } = await runOnce(ex, 'sep');
    expect(run).toMatchObject({ status: 'failed', errorMessage: 'a stderr line' });
    expect(run.steps[0]!.errorFile).toBe(path.join('runs', 'sep', run.runId, 'two.err.txt'));
  });

  it('with timestamps, the error message is the last non-empty line (a stamped blank line does not count)', async () => {
    const { ex, env } = setup();
    await addProgram(ex, 'stamped', [step('two', 'run-fail.js')], { env, timestamps: true });
    const { run } = await runOnce(ex, 'stamped');
    expect(run.status).toBe('failed');
    // The fixture's last line is blank: its stamp alone is not an error line.
    expect(run.errorMessage).toMatch(/last line before exit 2$/);
  });
});

describe('a step timeout', () => {
  it('is retryable: the step is killed on attempt 0, retried, and the run succeeds', async () => {
    const { ex, order, env } = setup({ killTimeout: 500 });
    // 1 s: long enough for the quick second attempt even on a loaded machine.
    await addProgram(ex, 'slow', [step('first'), step('hang', 'run-timeout.js', { timeout: 1000 }), step('last')], { env });
    const timeouts = collect(ex, 'timeout');
    const { run, steps } = await runOnce(ex, 'slow');
    expect(lines(order)).toEqual(['first', 'last']);
    expect(run).toMatchObject({ status: 'succeeded', erroredAt: null, timedOut: false });
    expect(run.steps[1]).toMatchObject({ name: 'hang', status: 'completed', exitCode: 0, retries: 1 });
    // The record keeps the last attempt's facts: it was not timed out.
    expect(run.steps[1]!.timedOut).toBe(false);
    const hang = steps.filter((e) => e.step === 'hang');
    expect(hang.map((e) => `${e.status}@${e.attempt}`)).toEqual(['running@0', 'pending@0', 'running@1', 'completed@1']);
    expect(hang[1]!.retryAt).toEqual(expect.any(String));
    // The event names the step's own timeout (1000 ms), not the time since the run started.
    expect(timeouts.filter((t) => t.runId === run.runId)).toMatchObject([{ name: 'slow', pid: hang[0]!.pid, timeoutMs: 1000 }]);
    const text = readFileSync(path.join(ex.folder, run.steps[1]!.outputFile!), 'utf8');
    expect(text).toContain('hanging');
    expect(text).toContain('attempt 1 ok');
  });

  it('with no retries left a timed-out step fails the run (timedOut set) and alerts "timed out"', async () => {
    const { ex, order, env } = setup({ killTimeout: 500, alert: 'failure' });
    // 1 s: the step has long printed its line by then, even on a loaded machine (its error message is that line).
    await addProgram(ex, 'stuck', [step('hang', 'run-timeout.js', { timeout: 1000, retries: 0 }), step('last')], { env });
    const alerts = collect(ex, 'alert');
    const { run } = await runOnce(ex, 'stuck');
    expect(lines(order)).toEqual([]);
    expect(run).toMatchObject({ status: 'failed', timedOut: true, killedFor: 'timeout', finishedAt: null, errorMessage: 'hanging' });
    expect(run.erroredAt).toEqual(expect.any(String));
    expect(run.steps.map((s) => [s.status, s.timedOut, s.retries])).toEqual([['failed', true, 0], ['unprocessed', false, 0]]);
    await waitUntil(() => alerts.some((a) => a.runId === run.runId), { what: 'the failure alert' });
    expect(alerts.filter((a) => a.runId === run.runId)).toMatchObject([{ kind: 'failure', reason: 'stuck at step hang timed out' }]);
  });
});
