// Timeouts: `timeout` (ms or a period string) stops the run's whole tree, recorded as timedOut; loops restart; bad values.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidDurationError, type Executor, type SupervisorHandle } from '../../src/index.js';
import type { ExitEvent, RestartEvent, TimeoutEvent } from '../../src/events.js';
import { FIXTURES, nextEvent, readPids, snapshotFolder, useExecutors } from '../helpers/executor.js';
import { pidAlive, waitUntil } from '../helpers/wait.js';
import { T } from '../helpers/time.js';

const kit = useExecutors();
const handles: SupervisorHandle[] = [];
// Registered after useExecutors(): runs first, so no supervisor outlives the test's tasks.
afterEach(async () => {
  for (const handle of handles.splice(0)) await handle.stop();
});

const FOOTER_BEGIN = '# ---- executor-sdk run end ----';

/** Rejects with `what` if `promise` has not settled within `unscaledMs` (scaled by TEST_TIME_FACTOR here). */
function within<T>(promise: Promise<T>, unscaledMs: number, what: string): Promise<T> {
  const ms = T(unscaledMs);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms waiting for ${what}`)), ms); });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** Every payload of `event` from now on. */
function collect<T>(ex: Executor, event: 'timeout' | 'exit' | 'restart'): T[] {
  const out: T[] = [];
  ex.on(event, (payload: unknown) => out.push(payload as T));
  return out;
}

/** Adds a task running the three-process tree fixture; returns the file its pids go to. */
async function addTree(ex: Executor, dir: string, name: string, timeout: number | string, env: Record<string, string> = {}): Promise<string> {
  const pidsFile = path.join(dir, `${name}.pids`);
  await ex.addTask(name, 'i3-runs-tree.js', { wd: FIXTURES, infiniteLoop: false, timeout, env: { PIDS_FILE: pidsFile, ...env } });
  return pidsFile;
}

/** Waits until the tree fixture wrote its three pids, and tracks them. */
async function treePids(pidsFile: string): Promise<number[]> {
  const pids = await waitUntil(() => { const p = readPids(pidsFile); return p.length === 3 && p; }, { what: 'the three pids of the tree' });
  for (const pid of pids) kit.track(pid);
  return pids;
}

describe('timeout (no supervisor: runTask + waitRun only)', () => {
  it('a timeout in ms stops the whole tree (grandchild included); RunRecord, exit and timeout events say timedOut', async () => {
    const { ex, dir } = kit.make();
    const pidsFile = await addTree(ex, dir, 'slow', 2_500);
    const timeouts = collect<TimeoutEvent>(ex, 'timeout');
    const exits = collect<ExitEvent>(ex, 'exit');
    const runId = await ex.runTask('slow');
    const pids = await treePids(pidsFile);
    const run = await within(ex.waitRun(runId), 20_000, 'the timed-out run to end');
    expect(run).toMatchObject({ runId, task: 'slow', timedOut: true, killedFor: 'timeout', stopped: false });
    expect(run.endedAt).not.toBeNull();
    await waitUntil(() => pids.every((pid) => !pidAlive(pid)), { what: 'every process of the tree to be gone' });
    expect(timeouts).toEqual([expect.objectContaining({ name: 'slow', runId, timeoutMs: 2_500 })]);
    expect(timeouts[0]!.pid).toBe(run.pid);
    await waitUntil(() => exits.length > 0, { what: 'the exit event' });
    expect(exits).toEqual([expect.objectContaining({ name: 'slow', runId, timedOut: true, killedFor: 'timeout', stopped: false })]);
    const row = (await ex.listTasks())[0]!;
    expect(row).toMatchObject({ status: 'failed', lastKill: 'timeout', pid: null, timeoutMs: 2_500 });
    const lines = readFileSync(path.join(ex.folder, 'slow.txt'), 'utf8').split('\n');
    expect(lines[lines.indexOf(FOOTER_BEGIN) + 1]).toMatch(/^# exit: .*\(timed out\)$/);
    expect((await ex.readLog()).some((l) => l.includes('Timed out: slow') && l.includes(runId))).toBe(true);
  });

  it('a timeout as a period string works the same, and escalates to SIGKILL for a tree that ignores SIGTERM (as stopTask)', async () => {
    const { ex, dir } = kit.make({ killTimeout: 500 });
    const pidsFile = await addTree(ex, dir, 'stubborn', '3 sec', { STUBBORN: '1' });
    const timedOut = nextEvent(ex, 'timeout', (e) => e.name === 'stubborn');
    const runId = await ex.runTask('stubborn');
    const pids = await treePids(pidsFile);
    const run = await within(ex.waitRun(runId), 20_000, 'the timed-out run to end');
    expect(await timedOut).toMatchObject({ runId, timeoutMs: 3_000 });
    expect(run).toMatchObject({ timedOut: true, killedFor: 'timeout' });
    await waitUntil(() => pids.every((pid) => !pidAlive(pid)), { what: 'the SIGTERM-proof grandchild to be killed' });
  });

  it('writer mode (timestamps): the timed-out run still gets its partial last line flushed and a "timed out" footer', async () => {
    const { ex, dir } = kit.make();
    // Without its go file the fixture writes two lines and half a line, then waits forever.
    await ex.addTask('stamped', 'i3-runs-split.js', { wd: FIXTURES, infiniteLoop: false, timestamps: true, timeout: 1_500, env: { GO_FILE: path.join(dir, 'never') } });
    const run = await within(ex.waitRun(await ex.runTask('stamped')), 20_000, 'the timed-out run to end');
    expect(run).toMatchObject({ timedOut: true, killedFor: 'timeout' });
    await waitUntil(() => readFileSync(path.join(ex.folder, 'stamped.txt'), 'utf8').includes(FOOTER_BEGIN), { what: 'the footer' });
    const lines = readFileSync(path.join(ex.folder, 'stamped.txt'), 'utf8').split('\n');
    const body = lines.slice(lines.indexOf('# ---- output ----') + 1, lines.indexOf(FOOTER_BEGIN));
    expect(body.map((l) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z (.*)$/.exec(l)?.[1])).toEqual(['first line', 'on stderr', 'half of a ']);
    expect(lines[lines.indexOf(FOOTER_BEGIN) + 1]).toMatch(/^# exit: .*\(timed out\)$/);
  });

  it("a timeout past setTimeout's 2^31-1 ms limit ('30 days') does not fire early", async () => {
    const { ex } = kit.make();
    await ex.addTask('long', 'loop.js', { wd: FIXTURES, infiniteLoop: false, timeout: '30 days', env: { LOOP_MS: 20 } });
    const timeouts = collect<TimeoutEvent>(ex, 'timeout');
    const runId = await ex.runTask('long');
    await waitUntil(async () => {
      if (timeouts.length > 0) throw new Error(`timed out early: ${JSON.stringify(timeouts[0])}`);
      return (await ex.readOut('long')).includes('line 10');
    }, { what: 'ten lines of output' });
    expect(timeouts).toEqual([]);
    expect((await ex.listTasks())[0]).toMatchObject({ status: 'running', timeoutMs: 30 * 24 * 3_600_000 });
    await ex.stopTask('long');
    expect(await ex.waitRun(runId)).toMatchObject({ timedOut: false, stopped: true });
  });

  it('a run that ends before its timeout is not timed out', async () => {
    const { ex } = kit.make();
    await ex.addTask('quick', 'once.js', { wd: FIXTURES, infiniteLoop: false, timeout: '1 min' });
    const run = await within(ex.waitRun(await ex.runTask('quick')), 20_000, 'the quick run');
    expect(run).toMatchObject({ exitCode: 0, timedOut: false, killedFor: null });
  });
});

describe('timeout under keepRestarting', () => {
  it('an infiniteLoop task that times out is stopped, recorded timedOut, and restarted under the restart policy', async () => {
    const { ex } = kit.make();
    await ex.addTask('looper', 'loop.js', { wd: FIXTURES, timeout: 1_000 });
    const handle = ex.keepRestarting({ sleep: 1 });
    handles.push(handle);
    const exits = collect<ExitEvent>(ex, 'exit');
    const restarted = nextEvent(ex, 'restart', (e) => e.name === 'looper');
    const firstStart = nextEvent(ex, 'start', (e) => e.name === 'looper');
    await ex.startTask('looper');
    const first = await within(firstStart, 10_000, 'the first start');
    const restart: RestartEvent = await within(restarted, 20_000, 'the restart after the timeout');
    expect(restart.runId).not.toBe(first.runId);
    expect(pidAlive(first.pid)).toBe(false);
    const closed = exits.find((e) => e.runId === first.runId);
    expect(closed).toMatchObject({ timedOut: true, killedFor: 'timeout', stopped: false });
    const record = await ex.waitRun(first.runId);
    expect(record).toMatchObject({ timedOut: true, killedFor: 'timeout' });
    const row = (await ex.listTasks())[0]!;
    expect(row.restarts).toBeGreaterThanOrEqual(1);
    expect(row.lastTrigger).toBe('restart');
  });
});

describe('timeout: bad input', () => {
  it.each([
    ['a negative number', -1],
    ['a negative period', '-2 sec'],
    ['an unparseable string', 'soon'],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a month (no fixed length)', '1 month'],
  ])('%s -> ERR_INVALID_DURATION, nothing written', async (_what, value) => {
    const { ex } = kit.make();
    const before = snapshotFolder(ex.folder);
    const error = await ex.addTask('bad', 'once.js', { wd: FIXTURES, timeout: value }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidDurationError);
    expect(error).toMatchObject({ code: 'ERR_INVALID_DURATION' });
    expect((error as Error).message).toContain('timeout');
    expect(snapshotFolder(ex.folder)).toEqual(before);
    expect(await ex.listTasks()).toEqual([]);
  });

  it('a bad timeout with { replace: true } leaves the existing task as it was', async () => {
    const { ex } = kit.make();
    await ex.addTask('kept', 'once.js', { wd: FIXTURES, timeout: '5 sec' });
    const before = snapshotFolder(ex.folder);
    const error = await ex.addTask('kept', 'once.js', { wd: FIXTURES, timeout: -5, replace: true }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_INVALID_DURATION' });
    expect(snapshotFolder(ex.folder)).toEqual(before);
    expect((await ex.listTasks())[0]).toMatchObject({ name: 'kept', timeoutMs: 5_000 });
  });
});
