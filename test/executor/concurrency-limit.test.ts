// runTasks (runner's run-jobs lines, a concurrency limit) and the Executor's global maxConcurrent queue.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidOptionError, InvalidTriggerError, TaskNotFoundError, type Executor, type ExecutorOptions, type QueueEvent } from '../../src/index.js';
import { FIXTURES, nextEvent, snapshotFolder, useExecutors } from '../helpers/executor.js';
import { waitUntil } from '../helpers/wait.js';

const kit = useExecutors();
const HOLD = 'i3-manual-hold.js';
const T0 = Date.parse('2030-01-01T00:00:30Z');

interface Mark { kind: 'start' | 'end'; task: string; trigger: string; pid: number }

/** An Executor, a marks file the fixture appends `start`/`end` lines to, and per-task tokens that end one run each. */
function setup(options?: ExecutorOptions) {
  const { ex, dir } = kit.make(options);
  const markFile = path.join(dir, 'marks.txt');
  const token = (name: string) => path.join(dir, `${name}.token`);
  const marks = (): Mark[] => (existsSync(markFile) ? readFileSync(markFile, 'utf8') : '').split('\n').filter(Boolean).map((line) => {
    const [kind, task, trigger, pid] = line.split(' ');
    return { kind: kind as Mark['kind'], task: task!, trigger: trigger!, pid: Number(pid) };
  });
  const add = (name: string, env: Record<string, string | number> = {}, more: Parameters<Executor['addTask']>[2] = {}) =>
    ex.addTask(name, HOLD, { wd: FIXTURES, infiniteLoop: false, ...more, env: { MARK_FILE: markFile, ...env } });
  return { ex, dir, folder: ex.folder, marks, token, add, release: (name: string) => writeFileSync(token(name), '') };
}

/** Most runs live at once according to the marks. */
function maxLive(marks: Mark[]): number {
  let live = 0;
  let most = 0;
  for (const m of marks) {
    live += m.kind === 'start' ? 1 : -1;
    most = Math.max(most, live);
  }
  return most;
}

const starts = (marks: Mark[]) => marks.filter((m) => m.kind === 'start');

async function rows(ex: Executor) {
  return Object.fromEntries((await ex.listTasks()).map((r) => [r.name, r]));
}

describe('runTasks', () => {
  it('runs runner-style lines in order, one at a time by default, and resolves with the records in line order', async () => {
    const { ex, marks, add } = setup();
    await add('a', { HOLD_MS: 60 }, { timezone: 'America/New_York' });
    await add('b', { HOLD_MS: 60 }, { timezone: 'UTC' });
    const lines = 'a 2019-01-01/08:00:00\n# a comment\n\n  b 2019-01-02/08:00:00  \r\na 2019-01-03T08:00:00Z\nb\n';
    const records = await ex.runTasks(lines);
    expect(records.map((r) => [r.task, r.triggerTime, r.trigger, r.exitCode])).toEqual([
      ['a', '2019-01-01T13:00:00.000Z', 'manual', 0],
      ['b', '2019-01-02T08:00:00.000Z', 'manual', 0],
      ['a', '2019-01-03T08:00:00.000Z', 'manual', 0],
      ['b', null, 'manual', 0],
    ]);
    const m = marks();
    expect(m.map((x) => x.kind)).toEqual(['start', 'end', 'start', 'end', 'start', 'end', 'start', 'end']);
    expect(starts(m).map((x) => x.trigger)).toEqual([...records.slice(0, 3).map((r) => r.triggerTime), records[3]!.startedAt]);
  });

  it('takes an array of lines or of { name, trigger } objects', async () => {
    const { ex, add } = setup();
    await add('a', {}, { timezone: 'UTC' });
    const fromLines = await ex.runTasks(['a 2019-01-01/08:00:00', '', '# skipped', 'a 2019-01-02/08:00:00']);
    const fromObjects = await ex.runTasks([{ name: 'a', trigger: '2019-01-01/08:00:00' }, { name: 'a', trigger: new Date('2019-01-02T08:00:00Z') }]);
    for (const records of [fromLines, fromObjects]) {
      expect(records.map((r) => r.triggerTime)).toEqual(['2019-01-01T08:00:00.000Z', '2019-01-02T08:00:00.000Z']);
    }
  });

  it('with { concurrency: 2 } lets two runs overlap, never three', async () => {
    const { ex, marks, add } = setup();
    await add('a', { BARRIER: 2 }, { timezone: 'UTC' }); // a run ends only once two runs have started
    await add('b', { BARRIER: 2 }, { timezone: 'UTC' });
    const records = await ex.runTasks('a 2019-01-01\nb 2019-01-02\na 2019-01-03\nb 2019-01-04\na 2019-01-05', { concurrency: 2 });
    expect(records.map((r) => [r.task, r.triggerTime?.slice(0, 10), r.exitCode])).toEqual([
      ['a', '2019-01-01', 0], ['b', '2019-01-02', 0], ['a', '2019-01-03', 0], ['b', '2019-01-04', 0], ['a', '2019-01-05', 0],
    ]);
    expect(maxLive(marks())).toBe(2);
    expect(starts(marks()).slice(0, 2).map((x) => x.task).sort()).toEqual(['a', 'b']);
  });

  it('a bad line (unknown task, bad trigger, extra field) rejects before anything runs', async () => {
    const { ex, folder, add } = setup();
    await add('a');
    const before = snapshotFolder(folder);
    const started: string[] = [];
    ex.on('start', (e) => started.push(e.runId));
    await expect(ex.runTasks('a 2019-01-01\na 2019-01-02\nnope 2019-01-03')).rejects.toBeInstanceOf(TaskNotFoundError);
    const bad = await ex.runTasks(['a 2019-01-01', 'a 2019-02-30/08:00:00']).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(InvalidTriggerError);
    expect(bad).toMatchObject({ code: 'ERR_INVALID_TRIGGER' });
    await expect(ex.runTasks([{ name: 'a', trigger: 'soon' }])).rejects.toMatchObject({ code: 'ERR_INVALID_TRIGGER' });
    await expect(ex.runTasks('a 2019-01-01 08:00:00')).rejects.toBeInstanceOf(InvalidOptionError);
    await expect(ex.runTasks(['a', 42] as never)).rejects.toBeInstanceOf(InvalidOptionError);
    await expect(ex.runTasks('a', { concurrency: 0 })).rejects.toBeInstanceOf(InvalidOptionError);
    expect(started).toEqual([]);
    expect(snapshotFolder(folder)).toEqual(before);
  });
});

describe('maxConcurrent', () => {
  it('rejects 0, -1, 1.5 and non-numbers with a typed error, before creating the folder', () => {
    const dir = kit.tmpDir();
    for (const maxConcurrent of [0, -1, 1.5, NaN, '2'] as unknown[]) {
      const folder = path.join(dir, `ex-${String(maxConcurrent)}`);
      const error = (() => { try { kit.open(folder, { maxConcurrent: maxConcurrent as number }); return null; } catch (e) { return e; } })();
      expect(error, String(maxConcurrent)).toBeInstanceOf(InvalidOptionError);
      expect(error).toMatchObject({ code: 'ERR_INVALID_OPTION' });
      expect((error as Error).message).toContain('maxConcurrent');
      expect(existsSync(folder)).toBe(false);
    }
  });

  it('is unlimited by default', async () => {
    const { ex, marks, add } = setup();
    for (const name of ['a', 'b', 'c', 'd']) await add(name, { BARRIER: 4 });
    const ids = [];
    for (const name of ['a', 'b', 'c', 'd']) ids.push(await ex.runTask(name));
    const records = await Promise.all(ids.map((id) => ex.waitRun(id)));
    expect(records.map((r) => [r.exitCode, r.queuedAt])).toEqual([[0, null], [0, null], [0, null], [0, null]]);
    expect(maxLive(marks())).toBe(4);
  });

  it('queues startTask beyond the limit (result queued, queue event, queued count) and starts them in order', async () => {
    const { ex, marks, add, release, token } = setup({ maxConcurrent: 2 });
    for (const name of ['A', 'B', 'C', 'D']) await add(name, { TOKEN_FILE: token(name) });
    const queued: QueueEvent[] = [];
    ex.on('queue', (e) => queued.push(e));
    const runIds = new Map<string, string>();
    ex.on('start', (e) => runIds.set(e.name, e.runId));
    const startOrder: string[] = [];
    ex.on('start', (e) => startOrder.push(e.name));
    const results = [];
    for (const name of ['A', 'B', 'C', 'D']) results.push(await ex.startTask(name));
    expect(results.map((r) => [r.name, r.result])).toEqual([['A', 'started'], ['B', 'started'], ['C', 'queued'], ['D', 'queued']]);
    expect(results.slice(2).map((r) => r.pid)).toEqual([null, null]);
    expect(queued.map((e) => [e.name, e.reason])).toEqual([['C', 'concurrency'], ['D', 'concurrency']]);
    let r = await rows(ex);
    expect(['A', 'B', 'C', 'D'].map((n) => [r[n]!.runs, r[n]!.queued])).toEqual([[1, 0], [1, 0], [0, 1], [0, 1]]);

    const cStarted = nextEvent(ex, 'start', (e) => e.name === 'C');
    release('A');
    await cStarted; // C was queued first: it gets A's slot
    r = await rows(ex);
    expect(['A', 'B', 'C', 'D'].map((n) => [r[n]!.runs, r[n]!.queued])).toEqual([[0, 0], [1, 0], [1, 0], [0, 1]]);
    const dStarted = nextEvent(ex, 'start', (e) => e.name === 'D');
    release('B');
    await dStarted;
    release('C');
    release('D');
    const records = await Promise.all(['A', 'B', 'C', 'D'].map((n) => ex.waitRun(runIds.get(n)!)));
    expect(records.map((x) => x.exitCode)).toEqual([0, 0, 0, 0]);
    expect(records.map((x) => x.queuedAt !== null)).toEqual([false, false, true, true]);
    expect(records[2]!.queuedAt).toBe(queued[0]!.queuedAt);
    expect(startOrder).toEqual(['A', 'B', 'C', 'D']);
    expect(maxLive(marks())).toBeLessThanOrEqual(2);
  });

  it('never runs more than 2 runTask runs at once; waitRun resolves queued runs too', async () => {
    const { ex, marks, add, token, release } = setup({ maxConcurrent: 2 });
    // Each run holds until it takes a token (one token ends one run), so the first two still hold their slots while the
    // others are queued, however slow the machine (a fixed hold of a few ms ended them first on a loaded one).
    for (const name of ['a', 'b', 'c']) await add(name, { TOKEN_FILE: token('all') });
    const order = ['a', 'b', 'c', 'c', 'a', 'b', 'b'];
    const ids = [];
    for (const name of order) ids.push(await ex.runTask(name));
    let mostLive = 0;
    let done = false;
    const all = Promise.all(ids.map((id) => ex.waitRun(id))).finally(() => { done = true; });
    await waitUntil(async () => {
      mostLive = Math.max(mostLive, (await ex.listTasks()).reduce((n, row) => n + row.runs, 0));
      if (!existsSync(token('all'))) release('all'); // the next token once a run took the last one
      return done;
    }, { timeoutMs: 20_000, what: 'all runs to end' });
    const records = await all;
    expect(mostLive).toBeLessThanOrEqual(2);
    expect(maxLive(marks())).toBeLessThanOrEqual(2);
    expect(starts(marks())).toHaveLength(order.length);
    expect(records.map((r) => [r.task, r.exitCode])).toEqual(order.map((name) => [name, 0]));
    expect(records.map((r) => r.queuedAt !== null)).toEqual([false, false, true, true, true, true, true]);
  });

  /** Queues `names` with runTask under a held slot, ends one run at a time, and returns the order the runs started in. */
  async function startOrderOf(ex: Executor, names: string[], release: () => void): Promise<string[]> {
    const order: string[] = [];
    ex.on('start', (e) => order.push(e.name));
    for (const name of names) await ex.runTask(name);
    const live = order.length; // the runs that got a slot at once
    for (let i = 0; i < names.length; i++) {
      const exited = nextEvent(ex, 'exit');
      release(); // one token ends one run, freeing one slot
      await exited;
      // The freed slot's run starts before the next token frees another (two launches at once may announce in any order).
      await waitUntil(() => order.length >= Math.min(names.length, live + i + 1), { what: 'the next queued run to start' });
    }
    return order;
  }

  it('starts queued runs first come first served across tasks', async () => {
    const { ex, add, token, release } = setup({ maxConcurrent: 2 });
    for (const name of ['a', 'b', 'c']) await add(name, { TOKEN_FILE: token('all') });
    const names = ['a', 'b', 'c', 'c', 'a', 'b', 'b', 'a'];
    expect(await startOrderOf(ex, names, () => release('all'))).toEqual(names);
  });

  it('keeps first come first served across tasks when runs are queued in the same millisecond (fixed clock)', async () => {
    const clock = T0;
    const { ex, add, token, release } = setup({ maxConcurrent: 1, now: () => clock });
    const names = ['h', 'q1', 'q2', 'q3', 'q4', 'q5'];
    for (const name of names) await add(name, { TOKEN_FILE: token('all') });
    expect(await startOrderOf(ex, names, () => release('all'))).toEqual(names);
  });

  it('queues a scheduled launch beyond the limit; a supervisor pass starts it once a slot is free', async () => {
    let clock = T0;
    const { ex, add, token, release } = setup({ maxConcurrent: 1, now: () => clock });
    await add('H', { TOKEN_FILE: token('H') });
    await add('P', {}, { period: '1 min' });
    const held = await ex.runTask('H');
    expect(await ex.startTask('P')).toMatchObject({ result: 'scheduled' });
    clock += 60_000;
    const queuedEvent = nextEvent(ex, 'queue', (e) => e.name === 'P');
    expect((await ex.tick()).queued).toEqual(['P']);
    const q = await queuedEvent;
    expect(q).toMatchObject({ reason: 'concurrency', scheduledFor: new Date(clock).toISOString() });
    expect((await rows(ex)).P).toMatchObject({ queued: 1, runs: 0 });
    release('H');
    await ex.waitRun(held);
    expect((await ex.tick()).fired).toEqual(['P']);
    expect(await ex.waitRun(q.runId)).toMatchObject({ trigger: 'schedule', scheduledFor: q.scheduledFor, queuedAt: q.queuedAt, exitCode: 0 });
  });

  /** L (an infiniteLoop that exits 1 on its token) crashes while H waits for its slot: H takes it, L's restart must wait. */
  async function crashBehindHeld(options: ExecutorOptions) {
    const kit3 = setup({ maxConcurrent: 1, ...options });
    const { ex, add, token, release } = kit3;
    await add('L', { TOKEN_FILE: token('L'), EXIT_CODE: 1 }, { infiniteLoop: true });
    await add('H', { TOKEN_FILE: token('H') });
    await ex.startTask('L');
    const held = await ex.runTask('H'); // queued behind L
    const hStarted = nextEvent(ex, 'start', (e) => e.name === 'H');
    release('L');
    await hStarted;
    const queuedEvent = nextEvent(ex, 'queue', (e) => e.name === 'L');
    expect((await ex.tick()).queued).toEqual(['L']);
    expect(await queuedEvent).toMatchObject({ reason: 'concurrency' });
    expect((await rows(ex)).L).toMatchObject({ queued: 1, runs: 0 });
    return { ...kit3, held };
  }

  it('queues a restart beyond the limit; a supervisor pass starts it once the slot is free', async () => {
    const clock = T0;
    const { ex, release, held } = await crashBehindHeld({ now: () => clock });
    const restarted = nextEvent(ex, 'start', (e) => e.name === 'L');
    release('H');
    await ex.waitRun(held);
    expect((await ex.tick()).restarted).toEqual(['L']);
    const start = await restarted;
    expect(start.trigger).toBe('restart');
    expect((await rows(ex)).L).toMatchObject({ status: 'running', queued: 0, runs: 1 });
    release('L');
    expect(await ex.waitRun(start.runId)).toMatchObject({ trigger: 'restart', exitCode: 1, queuedAt: new Date(clock).toISOString() });
  });

  it('queues a waiting restart once, however many passes see it waiting (no second L process later)', async () => {
    let clock = T0;
    const { ex, release, held } = await crashBehindHeld({ now: () => clock });
    for (let i = 0; i < 3; i++) {
      clock += 120_000; // past any backoff
      await ex.tick();
      expect((await rows(ex)).L, `pass ${i}`).toMatchObject({ queued: 1, runs: 0 });
    }
    release('H');
    await ex.waitRun(held);
    await waitUntil(async () => (await ex.tick()).restarted.includes('L'), { what: 'L to be restarted' });
    expect((await rows(ex)).L).toMatchObject({ status: 'running', queued: 0, runs: 1 });
  });

  it('a second startTask of a queued task does not queue a second run', async () => {
    const { ex, add, token, release } = setup({ maxConcurrent: 1 });
    await add('A', { TOKEN_FILE: token('A') });
    await add('B', { TOKEN_FILE: token('B') });
    await ex.startTask('A');
    expect(await ex.startTask('B')).toMatchObject({ result: 'queued' });
    expect(await ex.startTask('B')).toMatchObject({ result: 'queued' });
    expect((await rows(ex)).B).toMatchObject({ queued: 1, runs: 0 });
    const bStarted = nextEvent(ex, 'start', (e) => e.name === 'B');
    release('A');
    await bStarted;
    expect((await rows(ex)).B).toMatchObject({ queued: 0, runs: 1 });
  });
});
