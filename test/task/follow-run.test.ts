// Executor.followRun: one run's output from its first line (script or program run, main or extra, live, ended or
// archived), ending by itself once the run has ended; stderr, raw, bad input and abort.
import { readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ExecutorError, InvalidOptionError, OutputNotFoundError, RunNotFoundError, type Executor, type FollowRunOptions } from '../../src/index.js';
import { FOOTER_BEGIN, HEADER_BEGIN, HEADER_END } from '../../src/output/header.js';
import { nextEvent, useExecutors } from '../helpers/executor.js';
import { PROGRAM_FIXTURES, RUN_TIMEOUT_MS } from '../helpers/program.js';
import { waitUntil } from '../helpers/wait.js';
import { T } from '../helpers/time.js';

const kit = useExecutors();

/** `lines.js`: `line 0`, `line 1`, `line 2` by default; see the fixture for its environment. */
const LINES = fileURLToPath(new URL('../fixtures/cli/supervise/lines.js', import.meta.url));
/** How long one `next()` may take before the test fails (no timing is asserted). */
const NEXT_TIMEOUT_MS = 10_000;
/** Poll of the followers under test (a short one keeps the tests fast). */
const POLL_MS = 20;
/** A well-formed run id that no run has. */
const UNKNOWN_RUN_ID = '20260101-000000-000-abcdef';
const THREE = ['line 0', 'line 1', 'line 2'];

const followers: { ac: AbortController; it: AsyncIterableIterator<string> }[] = [];
// Before useExecutors' cleanup (hooks run in reverse): end every follower, closing its files.
afterEach(async () => {
  for (const { ac, it } of followers.splice(0)) {
    ac.abort();
    await it.return?.();
  }
});

/** File descriptors of this process open on `file`. */
function openDescriptors(file: string): number {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try { return readlinkSync(`/proc/self/fd/${fd}`) === file; } catch { return false; }
  }).length;
}

/** A followRun iterator with a deadline on every `next()` (the follower is aborted when one passes). */
function follower(ex: Executor, runId: string, options: FollowRunOptions = {}) {
  const ac = new AbortController();
  const it = ex.followRun(runId, { pollMs: POLL_MS, signal: ac.signal, ...options });
  followers.push({ ac, it });
  const seen: string[] = [];
  const next = async (): Promise<IteratorResult<string>> => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        ac.abort();
        reject(new Error(`followRun(${runId}): nothing within ${T(NEXT_TIMEOUT_MS)} ms (seen: ${JSON.stringify(seen)})`));
      }, T(NEXT_TIMEOUT_MS));
    });
    try {
      const item = await Promise.race([it.next(), late]);
      if (!item.done) seen.push(item.value);
      return item;
    } finally {
      clearTimeout(timer);
    }
  };
  /** Every line until the iterator ends by itself. */
  const rest = async (): Promise<string[]> => {
    while (!(await next()).done);
    return seen;
  };
  return { ac, seen, next, rest };
}

/** The first `next()` of a fresh followRun, expected to reject. */
async function firstError(ex: Executor, runId: unknown, options?: unknown): Promise<unknown> {
  return ex.followRun(runId as string, options as FollowRunOptions).next().then(() => null, (error: unknown) => error);
}

/** A folder for the gate files of `lines.js`; `open(i)` lets line i come. */
function gates() {
  const dir = kit.tmpDir();
  return { dir, open: (i: number) => writeFileSync(path.join(dir, `go${i}`), '') };
}

/** Starts the main run of `name` and resolves with its run id. */
async function startMain(ex: Executor, name: string): Promise<string> {
  const started = nextEvent(ex, 'start', (e) => e.name === name);
  const result = await ex.startTask(name);
  expect(result.result).toBe('started');
  return (await started).runId;
}

describe('followRun of a script run', () => {
  it('yields exactly the lines the run prints, as they come, without header lines, then ends by itself', async () => {
    const { ex } = kit.make();
    const gate = gates();
    await ex.addTask('job', LINES, { infiniteLoop: false, env: { GATE_DIR: gate.dir } });
    const runId = await ex.runTask('job');
    const f = follower(ex, runId);
    expect(await f.next()).toEqual({ done: false, value: 'line 0' });
    gate.open(1);
    expect(await f.next()).toEqual({ done: false, value: 'line 1' });
    gate.open(2);
    expect(await f.rest()).toEqual(THREE);
    expect((await ex.getRun(runId)).endedAt).not.toBeNull();
  });

  it('started after the run ended, yields every line from the start and ends', async () => {
    const { ex } = kit.make();
    await ex.addTask('job', LINES, { infiniteLoop: false });
    const runId = await ex.runTask('job');
    expect((await ex.waitRun(runId, { timeout: T(RUN_TIMEOUT_MS) })).status).toBe('succeeded');
    expect(await follower(ex, runId).rest()).toEqual(THREE);
    // Following the same run again gives the same lines.
    expect(await follower(ex, runId).rest()).toEqual(THREE);
  });

  it('a failed run: its lines, then the end', async () => {
    const { ex } = kit.make();
    await ex.addTask('job', LINES, { infiniteLoop: false, env: { EXIT_CODE: 3 } });
    const runId = await ex.runTask('job');
    expect(await follower(ex, runId).rest()).toEqual(THREE);
    expect((await ex.getRun(runId)).exitCode).toBe(3);
  });

  it('raw: true also yields the header (lines starting with "# ") around the same output lines', async () => {
    const { ex } = kit.make();
    await ex.addTask('job', LINES, { infiniteLoop: false });
    const runId = await ex.runTask('job');
    await ex.waitRun(runId, { timeout: T(RUN_TIMEOUT_MS) });
    const raw = await follower(ex, runId, { raw: true }).rest();
    expect(raw[0]).toBe(HEADER_BEGIN);
    expect(raw).toContain(HEADER_END);
    expect(raw).toContain(`# run: ${runId}`);
    expect(raw).toContain('# task: job');
    expect(raw).toContain(FOOTER_BEGIN);
    expect(raw.filter((l) => !l.startsWith('# '))).toEqual(THREE);
    expect(raw.slice(raw.indexOf(HEADER_END) + 1, raw.indexOf(FOOTER_BEGIN))).toEqual(THREE);
  });

  it("stream: 'stderr' yields only the stderr lines of a task with stderr: 'separate'", async () => {
    const { ex } = kit.make();
    const gate = gates();
    await ex.addTask('job', LINES, { infiniteLoop: false, stderr: 'separate', env: { ERR: 1, GATE_DIR: gate.dir } });
    const runId = await ex.runTask('job');
    const err = follower(ex, runId, { stream: 'stderr' });
    expect(await err.next()).toEqual({ done: false, value: `line err 0 ${runId}` });
    gate.open(1);
    gate.open(2);
    expect(await err.rest()).toEqual([0, 1, 2].map((i) => `line err ${i} ${runId}`));
    // The same run's stdout holds only the stdout lines.
    expect(await follower(ex, runId).rest()).toEqual(THREE);
  });

  it("stream: 'stderr' on a task without stderr: 'separate' rejects with OutputNotFoundError", async () => {
    const { ex } = kit.make();
    await ex.addTask('job', LINES, { infiniteLoop: false });
    const runId = await ex.runTask('job');
    await ex.waitRun(runId, { timeout: T(RUN_TIMEOUT_MS) });
    const error = await firstError(ex, runId, { stream: 'stderr' });
    expect(error).toBeInstanceOf(OutputNotFoundError);
    expect((error as ExecutorError).code).toBe('ERR_OUTPUT_NOT_FOUND');
  });

  it('an extra run next to a live main run yields only its own lines', async () => {
    const { ex } = kit.make();
    await ex.addTask('job', LINES, { env: { TAG: 'main', COUNT: 0, EVERY_MS: 10 } });
    const mainId = await startMain(ex, 'job');
    await waitUntil(async () => (await ex.readOut('job', 5)).includes('main 1'), { what: 'the main run printing' });
    const gate = gates();
    const extraId = await ex.runTask('job', { env: { TAG: 'extra', COUNT: 3, GATE_DIR: gate.dir } });
    expect(extraId).not.toBe(mainId);
    const f = follower(ex, extraId);
    expect(await f.next()).toEqual({ done: false, value: 'extra 0' });
    gate.open(1);
    gate.open(2);
    expect(await f.rest()).toEqual(['extra 0', 'extra 1', 'extra 2']);
    expect((await ex.listTasks())[0]).toMatchObject({ name: 'job', status: 'running' }); // the main run goes on
    // The main run's follower gets main lines only, and keeps going while it lives.
    const main = follower(ex, mainId);
    for (let i = 0; i < 3; i++) expect((await main.next()).value).toBe(`main ${i}`);
  });

  it('a queued run: waits for it to start, then yields its lines and ends', async () => {
    const { ex } = kit.make();
    const gate = gates();
    await ex.addTask('job', LINES, { infiniteLoop: false, concurrency: 1, env: { GATE_DIR: gate.dir } });
    const firstId = await ex.runTask('job');
    const queuedId = await ex.runTask('job', { env: { TAG: 'queued', GATE_DIR: '' } });
    expect((await ex.getRun(queuedId)).status).toBe('queued');
    const f = follower(ex, queuedId);
    const line = f.next();
    gate.open(1);
    gate.open(2);
    expect(await line).toEqual({ done: false, value: 'queued 0' });
    expect(await f.rest()).toEqual(['queued 0', 'queued 1', 'queued 2']);
    expect(await follower(ex, firstId).rest()).toEqual(THREE);
  });

  it('keeps yielding a run whose file gets archived (the run ended and a new start archived it) while it follows', async () => {
    const { ex } = kit.make();
    const gate = gates();
    await ex.addTask('job', LINES, { infiniteLoop: false, env: { GATE_DIR: gate.dir } });
    const firstId = await startMain(ex, 'job');
    const f = follower(ex, firstId);
    expect(await f.next()).toEqual({ done: false, value: 'line 0' }); // the follower has the run's file open now
    gate.open(1);
    gate.open(2);
    await ex.waitRun(firstId, { timeout: T(RUN_TIMEOUT_MS) });
    const gate2 = gates();
    await ex.addTask('job', LINES, { infiniteLoop: false, env: { GATE_DIR: gate2.dir, TAG: 'second' }, replace: true });
    const secondId = await startMain(ex, 'job');
    await waitUntil(async () => (await ex.getRun(firstId)).outputFile !== 'job.txt', { what: 'the first run archived' });
    expect(await f.rest()).toEqual(THREE);
    // Started only now, on the archive: every line too; the live second run has its own.
    expect(await follower(ex, firstId).rest()).toEqual(THREE);
    const second = follower(ex, secondId);
    expect(await second.next()).toEqual({ done: false, value: 'second 0' });
  });
});

describe('followRun of a program run', () => {
  it("yields step 1's lines, then step 2's, then ends", async () => {
    const { ex } = kit.make();
    await ex.addTask('p', { steps: [{ name: 'one', script: 'run-step.js' }, { name: 'two', script: 'run-step.js' }], wd: PROGRAM_FIXTURES });
    const runId = await ex.runTask('p');
    expect(await follower(ex, runId).rest()).toEqual(['output of one', 'output of two']);
    expect((await ex.getRun(runId)).status).toBe('succeeded');
    // After the end, from the start again.
    expect(await follower(ex, runId).rest()).toEqual(['output of one', 'output of two']);
  });

  it("stream: 'stderr' follows the steps' separate stderr files; without stderr: 'separate' it rejects with OutputNotFoundError", async () => {
    const { ex } = kit.make();
    const steps = [{ name: 'one', script: LINES, env: { ERR: 1 } }, { name: 'two', script: 'run-step.js' }];
    await ex.addTask('sep', { steps, wd: PROGRAM_FIXTURES, stderr: 'separate' });
    const runId = await ex.runTask('sep');
    expect(await follower(ex, runId, { stream: 'stderr' }).rest()).toEqual([0, 1, 2].map((i) => `line err ${i} ${runId}`));
    await ex.addTask('merged', { steps, wd: PROGRAM_FIXTURES });
    const merged = await ex.runTask('merged');
    await ex.waitRun(merged, { timeout: T(RUN_TIMEOUT_MS) });
    const error = await firstError(ex, merged, { stream: 'stderr' }); // as for a script run
    expect(error).toBeInstanceOf(OutputNotFoundError);
  });

  it('a step that prints over time is followed live, then the next step', async () => {
    const { ex } = kit.make();
    const gate = gates();
    const steps = [
      { name: 'slow', script: LINES, env: { GATE_DIR: gate.dir } },
      { name: 'last', script: 'run-step.js' },
    ];
    await ex.addTask('p', { steps, wd: PROGRAM_FIXTURES });
    const runId = await ex.runTask('p');
    const f = follower(ex, runId);
    expect(await f.next()).toEqual({ done: false, value: 'line 0' });
    gate.open(1);
    gate.open(2);
    expect(await f.rest()).toEqual([...THREE, 'output of last']);
  });
});

describe('followRun: bad input and abort', () => {
  it('an unknown run id rejects the first next() with RunNotFoundError', async () => {
    const { ex } = kit.make();
    await ex.addTask('job', LINES, { infiniteLoop: false });
    const error = await firstError(ex, UNKNOWN_RUN_ID);
    expect(error).toBeInstanceOf(RunNotFoundError);
    expect((error as ExecutorError).code).toBe('ERR_RUN_NOT_FOUND');
    expect(await firstError(ex, '../x')).toBeInstanceOf(InvalidOptionError);
  });

  it.each([
    ['pollMs: -1', { pollMs: -1 }],
    ['pollMs: 0', { pollMs: 0 }],
    ["stream: 'x'", { stream: 'x' }],
    ['raw: "yes"', { raw: 'yes' }],
    ['signal: {}', { signal: {} }],
    ['an unknown key', { follow: true }],
    ['null options', null],
  ])('rejects %s with InvalidOptionError', async (_label, options) => {
    const { ex } = kit.make();
    await ex.addTask('job', LINES, { infiniteLoop: false });
    const runId = await ex.runTask('job');
    const error = await firstError(ex, runId, options);
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as Error).message).toMatch(/Expected .* got /);
  });

  it('aborting the signal ends it early, the run going on', async () => {
    const { ex } = kit.make();
    await ex.addTask('job', LINES, { env: { COUNT: 0, EVERY_MS: 10 } });
    const runId = await startMain(ex, 'job');
    const f = follower(ex, runId);
    expect((await f.next()).value).toBe('line 0');
    const pending = f.next(); // waiting (or about to wait) for more
    f.ac.abort();
    await pending;
    expect(await f.rest()).toEqual(f.seen); // ends without waiting for the run
    expect((await ex.getRun(runId)).endedAt).toBeNull();
  });

  it('an abort while it holds lines read but not yet yielded ends it at once and closes the run file', async () => {
    const { ex } = kit.make();
    const gate = gates();
    await ex.addTask('job', LINES, { infiniteLoop: false, env: { COUNT: 5, GATE_DIR: gate.dir } });
    gate.open(1);
    gate.open(2);
    const runId = await startMain(ex, 'job');
    await waitUntil(async () => (await ex.readOut('job', 5)).includes('line 2'), { what: 'three lines written' });
    const f = follower(ex, runId);
    expect(await f.next()).toEqual({ done: false, value: 'line 0' });
    const file = path.join(ex.folder, 'job.txt');
    expect(openDescriptors(file)).toBe(1);
    f.ac.abort();
    // Like followFile's signal: the file is closed without another next(), and the next one ends the iteration.
    await waitUntil(() => openDescriptors(file) === 0, { timeoutMs: 2_000, what: 'the run file closed after the abort' });
    expect(await f.next()).toEqual({ done: true, value: undefined });
    expect(openDescriptors(file)).toBe(0);
  });

  it('an already aborted signal yields nothing', async () => {
    const { ex } = kit.make();
    await ex.addTask('job', LINES, { infiniteLoop: false });
    const runId = await ex.runTask('job');
    await ex.waitRun(runId, { timeout: T(RUN_TIMEOUT_MS) });
    const ac = new AbortController();
    ac.abort();
    const lines: string[] = [];
    for await (const line of ex.followRun(runId, { signal: ac.signal })) lines.push(line);
    expect(lines).toEqual([]);
  });
});
