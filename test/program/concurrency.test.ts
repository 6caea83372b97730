// Concurrency of program runs, real processes: a program runs one run at a time by default (the next is queued and
// starts once the first ended), `concurrency: 2` lets two run at once, the Executor's `maxConcurrent` holds across
// programs, and a cancelled queued run never starts.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AddTaskOptions, Executor } from '../../src/index.js';
import { useExecutors } from '../helpers/executor.js';
import { collect, eventOf } from '../helpers/folder.js';
import { waitUntil } from '../helpers/wait.js';
import { PROGRAM_FIXTURES, RUN_TIMEOUT_MS, type Step } from '../helpers/program.js';
import { T } from '../helpers/time.js';

const kit = useExecutors();

/** An Executor, the order file the fixtures append "<runId> <step>" to, and per-name release files for run-hold.js. */
function setup(options?: Parameters<typeof kit.make>[0]) {
  const { ex, dir } = kit.make(options);
  const order = path.join(dir, 'order.txt');
  const releaseFile = (name: string) => path.join(dir, `${name}.release`);
  const seen = (): string[] => (existsSync(order) ? readFileSync(order, 'utf8').split('\n').filter(Boolean) : []);
  /** A 2-step program whose first step holds until `release(name)`. */
  const add = (name: string, options: AddTaskOptions = {}) => {
    const steps: Step[] = [{ name: 'hold', script: 'run-hold.js' }, { name: 'after', script: 'run-hold.js' }];
    return ex.addTask(name, { steps, wd: PROGRAM_FIXTURES, retryDelay: 50, env: { ORDER_FILE: order, RELEASE_FILE: releaseFile(name) }, ...options });
  };
  return { ex, seen, add, release: (name: string) => writeFileSync(releaseFile(name), '') };
}

/** Waits until run `runId` has printed its `step` line. */
function reached(seen: () => string[], runId: string, step = 'hold'): Promise<unknown> {
  return waitUntil(() => seen().includes(`${runId} ${step}`), { timeoutMs: RUN_TIMEOUT_MS, what: `${runId} to reach ${step}` });
}

async function statusOf(ex: Executor, runId: string): Promise<string> {
  return (await ex.getRun(runId)).status;
}

describe('a program runs one run at a time by default', () => {
  it('queues a second runTask; it starts on its own only after the first ended', async () => {
    const { ex, seen, add, release } = setup();
    await add('etl');
    const queued = collect(ex, 'queue');
    const exits = collect(ex, 'exit');
    const first = await ex.runTask('etl');
    await reached(seen, first);
    const data = { batch: 2 };
    const second = await ex.runTask('etl', { data });
    expect(queued).toMatchObject([{ name: 'etl', runId: second, reason: 'concurrency' }]);
    const waiting = await ex.getRun(second);
    expect(waiting).toMatchObject({ runId: second, status: 'queued', endedAt: null, step: 0, data });
    expect(waiting.steps.map((s) => s.status)).toEqual(['pending', 'pending']);
    expect(await statusOf(ex, first)).toBe('running');
    expect((await ex.listRuns({ task: 'etl', status: 'queued' })).map((r) => r.runId)).toEqual([second]);
    // Nobody waits on the second run: the end of the first (in this process) starts it.
    release('etl');
    await waitUntil(() => exits.filter((e) => e.name === 'etl').length === 2, { timeoutMs: RUN_TIMEOUT_MS, what: 'both runs to end' });
    const a = await ex.getRun(first);
    const b = await ex.getRun(second);
    expect([a.status, b.status]).toEqual(['succeeded', 'succeeded']);
    expect(b).toMatchObject({ queuedAt: waiting.queuedAt, createdAt: waiting.createdAt, data });
    expect(Date.parse(b.steps[0]!.startedAt!)).toBeGreaterThanOrEqual(Date.parse(a.endedAt!));
    // The queued run's data reached its run file once it started.
    const input = JSON.parse(readFileSync(path.join(ex.folder, 'runs', 'etl', second, 'input.json'), 'utf8')) as Record<string, unknown>;
    expect(input).toMatchObject({ runId: second, data, createdAt: waiting.createdAt });
    expect(seen()).toEqual([`${first} hold`, `${first} after`, `${second} hold`, `${second} after`]);
  });

  it('concurrency: 2 lets two runs of the program run at once', async () => {
    const { ex, seen, add, release } = setup();
    await add('wide', { concurrency: 2 });
    const queued = collect(ex, 'queue');
    const first = await ex.runTask('wide');
    const second = await ex.runTask('wide');
    await reached(seen, first);
    await reached(seen, second);
    expect(queued).toEqual([]);
    expect([await statusOf(ex, first), await statusOf(ex, second)]).toEqual(['running', 'running']);
    // A third one waits for a slot.
    const third = await ex.runTask('wide');
    expect(queued).toMatchObject([{ runId: third, reason: 'concurrency' }]);
    expect(await statusOf(ex, third)).toBe('queued');
    release('wide');
    const records = await Promise.all([first, second, third].map((id) => ex.waitRun(id, { timeout: T(RUN_TIMEOUT_MS) })));
    expect(records.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
  });
});

describe("the Executor's maxConcurrent", () => {
  it('holds across two different programs: the second waits for the first', async () => {
    const { ex, seen, add, release } = setup({ maxConcurrent: 1 });
    await add('one');
    await add('two');
    const queue = eventOf(ex, 'queue', (e) => e.name === 'two');
    const first = await ex.runTask('one');
    await reached(seen, first);
    const second = await ex.runTask('two');
    expect(await queue).toMatchObject({ runId: second, reason: 'concurrency' });
    expect(await statusOf(ex, second)).toBe('queued');
    // It is still queued while the first holds, whatever passes over the folder.
    await ex.tick();
    expect(await statusOf(ex, second)).toBe('queued');
    expect(seen()).toEqual([`${first} hold`]);
    release('one');
    release('two');
    const b = await ex.waitRun(second, { timeout: T(RUN_TIMEOUT_MS) });
    const a = await ex.getRun(first);
    expect([a.status, b.status]).toEqual(['succeeded', 'succeeded']);
    expect(Date.parse(b.steps[0]!.startedAt!)).toBeGreaterThanOrEqual(Date.parse(a.endedAt!));
    expect(seen()).toEqual([`${first} hold`, `${first} after`, `${second} hold`, `${second} after`]);
  });
});

describe('a run waiting for a retry is still live', () => {
  it('it holds its slot: under concurrency 1 and maxConcurrent 1 new runs queue behind it', async () => {
    const { ex, seen, add, release } = setup({ maxConcurrent: 1 });
    const steps: Step[] = [{ name: 'count', script: 'run-counter.js', env: { TARGET: 2 } }];
    await ex.addTask('flaky', { steps, wd: PROGRAM_FIXTURES, retryDelay: 60_000 });
    await add('other');
    const pending = eventOf(ex, 'step', (e) => e.name === 'flaky' && e.status === 'pending');
    const first = await ex.runTask('flaky');
    await pending;
    const again = await ex.runTask('flaky');
    const other = await ex.runTask('other');
    await ex.tick();
    expect([await statusOf(ex, first), await statusOf(ex, again), await statusOf(ex, other)]).toEqual(['running', 'queued', 'queued']);
    expect(seen()).toEqual([]);
    // Cancelling the waiting run (and the queued one of the same task) frees the slot for the other program.
    const ended = await ex.cancelRun(first);
    expect((await ex.cancelRun(again)).status).toBe('cancelled');
    release('other');
    const done = await ex.waitRun(other, { timeout: T(RUN_TIMEOUT_MS) });
    expect(done.status).toBe('succeeded');
    expect(Date.parse(done.steps[0]!.startedAt!)).toBeGreaterThanOrEqual(Date.parse(ended.endedAt!));
  });
});

describe('cancelRun of a queued run', () => {
  it('records it cancelled at once; it never starts, even after the slot frees', async () => {
    const { ex, seen, add, release } = setup();
    await add('etl');
    const steps = collect(ex, 'step');
    const starts = collect(ex, 'start');
    const first = await ex.runTask('etl');
    await reached(seen, first);
    const second = await ex.runTask('etl');
    expect(await statusOf(ex, second)).toBe('queued');
    const cancelled = await ex.cancelRun(second);
    expect(cancelled).toMatchObject({ runId: second, status: 'cancelled', finishedAt: null, erroredAt: null });
    expect(cancelled.endedAt).toEqual(expect.any(String));
    expect(cancelled.steps.map((s) => s.status)).toEqual(['unprocessed', 'unprocessed']);
    expect(await ex.getRun(second)).toEqual(cancelled);
    expect(await ex.waitRun(second, { timeout: T(RUN_TIMEOUT_MS) })).toEqual(cancelled);
    expect(await ex.listRuns({ task: 'etl', status: 'queued' })).toEqual([]);
    release('etl');
    expect((await ex.waitRun(first, { timeout: T(RUN_TIMEOUT_MS) })).status).toBe('succeeded');
    await ex.tick();
    expect(await ex.getRun(second)).toEqual(cancelled);
    expect(steps.some((e) => e.runId === second)).toBe(false);
    expect(starts.some((e) => e.runId === second)).toBe(false);
    expect(seen()).toEqual([`${first} hold`, `${first} after`]);
    // Cancelling it again returns the same record.
    expect(await ex.cancelRun(second)).toEqual(cancelled);
  });
});
