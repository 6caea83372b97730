// The task page's "last decisions" (issue 15): derived from the executor log that real runs write, newest first, the
// task name matched exactly; read from the log on disk (and its rotated .1), so they survive restarts.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExecutorError, type Executor, type ExecutorOptions } from '../../src/index.js';
import { formatLogLine } from '../../src/store/log.js';
import { decisionOf, readTaskDecisions, taskDecisions, type Decision } from '../../src/ui/decisions.js';
import { FIXTURES, useExecutors } from '../helpers/executor.js';
import { eventOf, superviseFixture, supervising, useFolders } from '../helpers/folder.js';
import { T } from '../helpers/time.js';
import { waitUntil } from '../helpers/wait.js';

const executors = useExecutors();
const folders = useFolders();
const wd = superviseFixture('.');
const HOLD = 'i3-manual-hold.js';
const T0 = Date.parse('2030-01-01T00:00:30Z');
const AT = new Date(2026, 10, 24, 7, 2, 41);

const line = (message: string, at = AT): string => formatLogLine(message, at);
const logOf = (ex: Executor): string => path.join(ex.folder, 'executor.log');
const kinds = (ds: Decision[]): string[] => ds.map((d) => d.kind);

async function decisions(ex: Executor, name: string): Promise<Decision[]> {
  await ex.readLog(); // flushes this process's queued log lines
  return readTaskDecisions(logOf(ex), name);
}

describe('taskDecisions (pure)', () => {
  it('gives each known line shape its kind, with the time and the message', () => {
    const cases: [string, string][] = [
      ['Starting a loop.js (pid: 12)', 'started'],
      ['Running scheduled a job.sh (pid: 12)', 'started'],
      ['Catching up a (steps: one, two) (pid: 12, extra run)', 'started'],
      ['Restarting a loop.js (pid: 13)', 'restarted'],
      ['Restart policy for a: crashed after 0.2 s (1st fast failure in a row); restarting now', 'restarted'],
      ['Restart policy for a: crashed after 0.1 s (2nd fast failure in a row); restarting in 512 ms', 'backoff'],
      ['Giving up on a: crashed after 0.1 s; giving up: 3 restarts in the last hour (maxRestarts = 3)', 'gave-up'],
      ['Warning: Could not start a: script gone', 'gave-up'],
      ['Skipping the 2026-11-24T07:02:00.000Z run of a: the previous run is still running', 'skipped'],
      ['Skipping 7 missed run(s) of a (catchUp: none)', 'skipped'],
      ['Skipping the 2026-11-24T07:02:00.000Z run of a: the task is disabled', 'skipped'],
      ['Queued a run of a (concurrency): waiting for a slot under maxConcurrent (2)', 'queued'],
      ["Queued a run of a (concurrency): waiting for a slot under the task's concurrency (1)", 'queued'],
      ['Queued a run of a (overlap, slot 2026-11-24T07:02:00.000Z)', 'queued'], // the shape before issue 15
      ['Timed out: a (run 20261124-070241-000-ab) after 300 ms; stopping its process tree', 'timeout'],
      ['Restarting a (run r1): memory 300000000 bytes over maxMemory 100000000 bytes', 'memory'],
      ['Stopping a', 'stopped'],
      ['Stopping what a (run r1) left running (pids 5, 6)', 'stopped'],
      ['Exited a (run r1) with code 0 after 1.0 s (timed out)', 'exited'],
      ['Cancelled the queued run r1 of a', 'cancelled'],
      ['Cancelling run r1 of a (pid: 12)', 'cancelled'],
      ['Replacing the live run r1 of a (overlap: replace)', 'replaced'],
      ['Event order.created (e1) for b, a, a.b', 'event'],
      ['Event order.created (e1): a is disabled; no run', 'event'],
      ['Handed a run of a to the hosts (run r1): a supervising host that may run it starts it', 'queued'],
      ['Adding a loop.js', 'other'],
      ['Replacing a loop.js', 'other'],
      ['Disabling a', 'other'],
      ['Scheduled: a', 'other'],
      ['Adopted a (run r1, pid 12): its launcher ended before recording it', 'other'],
      ["Warning: a's schedule will not fire: no supervisor is running for this folder", 'other'],
    ];
    for (const [message, kind] of cases) {
      expect(decisionOf(line(message), 'a'), message).toEqual({ time: '2026-11-24 07:02:41', kind, text: message });
    }
  });

  it('matches the task name as an exact token: a is not ab, a.b, a-1 nor b.a', () => {
    const others = [
      'Starting ab loop.js (pid: 1)', 'Starting a.b loop.js (pid: 1)', 'Stopping a-1', 'Stopping b.a', 'Stopping ab',
      'Restart policy for a.b: crashed after 0.1 s (2nd fast failure in a row); restarting in 512 ms',
      'Queued a run of ab (concurrency): waiting for a free slot', 'Exited a.b (run r1) with code 1 after 0.1 s',
      'Event x (e1) for ab, a.b, ba', 'Timed out: ab (run r1) after 300 ms; stopping its process tree',
      'Skipping 2 missed run(s) of a.b (catchUp: none)', 'Starting b a.sh (pid: 1)', 'Supervising (pid: 1, sleep: 1 s)',
    ];
    expect(taskDecisions(others.map((m) => line(m)), 'a')).toEqual([]);
    expect(kinds(taskDecisions(others.map((m) => line(m)), 'a.b'))).toEqual(['skipped', 'event', 'exited', 'backoff', 'started']);
  });

  it('leaves out program step lines and the duplicate give-up warning; ignores lines without the log prefix', () => {
    const lines = [
      line('Starting step two of a (run r1, first attempt, pid: 5)'),
      line('Step two of a (run r1) exited with code 1: retry; retrying at 2026-11-24T07:03:00.000Z'),
      line('Warning: Giving up restarting a: crashed'),
      'Stopping a',
      '[ 2026-11-24 07:02 ] Stopping a',
    ];
    expect(taskDecisions(lines, 'a')).toEqual([]);
  });

  it('is newest first (last written first) and keeps at most `limit`', () => {
    const lines = [
      line('Starting a x (pid: 1)', new Date(2026, 0, 1, 10, 0, 0)),
      line('Exited a (run r1) with code 1 after 0.1 s', new Date(2026, 0, 1, 10, 0, 1)),
      line('Restart policy for a: crashed after 0.1 s (1st fast failure in a row); restarting now', new Date(2026, 0, 1, 10, 0, 1)),
      line('Restarting a x (pid: 2)', new Date(2026, 0, 1, 10, 0, 1)),
      line('Stopping a', new Date(2026, 0, 1, 10, 0, 0)), // another process's line, a second behind
    ];
    // In the order written, last first (a line stamped by a clock a second behind stays where it was written).
    expect(kinds(taskDecisions(lines, 'a'))).toEqual(['stopped', 'restarted', 'restarted', 'exited', 'started']);
    expect(taskDecisions(lines, 'a', 2).map((d) => d.text)).toEqual(['Stopping a', 'Restarting a x (pid: 2)']);
    expect(taskDecisions(lines, 'a', 0)).toEqual([]);
  });

  it('rejects a bad lines, name or limit with a typed error', () => {
    const bad: [() => unknown, string][] = [
      [() => taskDecisions('x' as never, 'a'), 'ERR_INVALID_OPTION'],
      [() => taskDecisions([line('Stopping a'), 3 as never], 'a'), 'ERR_INVALID_OPTION'],
      [() => taskDecisions([], '../a'), 'ERR_INVALID_TASK_NAME'],
      [() => taskDecisions([], 'a', -1), 'ERR_INVALID_OPTION'],
      [() => taskDecisions([], 'a', 1.5), 'ERR_INVALID_OPTION'],
    ];
    for (const [call, code] of bad) {
      const error = (() => { try { call(); return null; } catch (e) { return e; } })();
      expect(error).toBeInstanceOf(ExecutorError);
      expect((error as ExecutorError).code).toBe(code);
      expect((error as Error).message).toMatch(/^Expected `/);
    }
  });
});

describe('readTaskDecisions (the log on disk)', () => {
  it('reads the current log, then the rotated .1; a missing log has none', async () => {
    const dir = executors.tmpDir();
    const file = path.join(dir, 'executor.log');
    expect(await readTaskDecisions(file, 'a')).toEqual([]);
    writeFileSync(`${file}.1`, `${line('Starting a x (pid: 1)', new Date(2026, 0, 1, 9, 0, 0))}\n${line('Stopping b')}\n`);
    expect(kinds(await readTaskDecisions(file, 'a'))).toEqual(['started']);
    writeFileSync(file, `${line('Stopping a', new Date(2026, 0, 1, 10, 0, 0))}\n`);
    expect(kinds(await readTaskDecisions(file, 'a'))).toEqual(['stopped', 'started']);
    expect(kinds(await readTaskDecisions(file, 'a', 1))).toEqual(['stopped']);
  });

  it('reads a log larger than its read chunks from the end, multi-byte text whole, the same as the pure part', async () => {
    const dir = executors.tmpDir();
    const file = path.join(dir, 'executor.log');
    const lines: string[] = [];
    for (let i = 0; i < 4_000; i++) {
      const at = new Date(2026, 0, 1, 10, 0, i % 60);
      lines.push(line(i % 3 === 0 ? `Starting a été-${i}.sh (pid: ${i})` : i % 3 === 1 ? `Stopping ab` : `Exited a (run r${i}) with code 0 after 0.1 s`, at));
    }
    writeFileSync(file, `${lines.join('\n')}\n`);
    expect(readFileSync(file).length).toBeGreaterThan(200_000);
    expect(await readTaskDecisions(file, 'a', 500)).toEqual(taskDecisions(lines, 'a', 500));
    expect((await readTaskDecisions(file, 'a', 3_000)).length).toBe(2_667);
  });

  it('names the file when it cannot be read (a folder in its place), and validates its input', async () => {
    const dir = executors.tmpDir();
    const file = path.join(dir, 'executor.log');
    mkdirSync(file);
    await expect(readTaskDecisions(file, 'a')).rejects.toMatchObject({ code: 'ERR_FOLDER', message: expect.stringContaining(file) });
    await expect(readTaskDecisions('', 'a')).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' });
    await expect(readTaskDecisions(path.join(dir, 'x.log'), 'a b')).rejects.toMatchObject({ code: 'ERR_INVALID_TASK_NAME' });
    await expect(readTaskDecisions(path.join(dir, 'x.log'), 'a', -1)).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' });
  });
});

describe('decisions of real runs', () => {
  it('a crash loop under keepRestarting: restarted, then a backoff with its delay, then restarted after it; kept across a restart', async () => {
    const folder = folders.folder();
    const ex = folders.open(folder);
    await ex.addTask('crash', 'crash.js', { wd });
    for (const other of ['crashb', 'crash.b']) await ex.addTask(other, 'crash.js', { wd });
    const handle = folders.supervise(ex, { sleep: 60 });
    await supervising(ex, handle);
    const afterBackoff = eventOf(ex, 'restart', (e) => e.name === 'crash' && e.restarts >= 2, 20_000);
    await ex.startTask('crash');
    await afterBackoff;
    await ex.stopTask('crash');
    await handle.stop();
    const list = await decisions(ex, 'crash');
    // The oldest backoff (list is newest first): the 2nd fast failure's; a restart came after it.
    const backoff = list.map((d) => d.kind).lastIndexOf('backoff');
    expect(backoff).toBeGreaterThan(0);
    expect(list[backoff]!.text).toMatch(/^Restart policy for crash: crashed after .* \(2nd fast failure in a row\); restarting in \d+ ms$/);
    // Newer than the backoff: the restart it led to.
    expect(list.slice(0, backoff).some((d) => d.kind === 'restarted' && /^Restarting crash crash\.js \(pid: \d+\)$/.test(d.text))).toBe(true);
    expect(list.slice(backoff).some((d) => d.kind === 'restarted' && d.text.endsWith('restarting now'))).toBe(true);
    expect(list.at(-1)).toMatchObject({ kind: 'other', text: 'Adding crash crash.js' });
    expect(list.some((d) => d.kind === 'started' && d.text.startsWith('Starting crash crash.js (pid: '))).toBe(true);
    expect(list.some((d) => d.kind === 'exited' && / with code 1 after /.test(d.text))).toBe(true);
    expect(list[0]).toMatchObject({ kind: expect.stringMatching(/^(?:exited|stopped)$/) });
    expect(list.every((d) => !d.text.includes('crashb') && !d.text.includes('crash.b'))).toBe(true);
    // Another Executor (the supervisor gone): the same decisions, from the log on disk.
    const again = folders.open(folder);
    expect(await decisions(again, 'crash')).toEqual(list);
  });

  it("a periodic task with overlap 'skip': the slot skipped while the previous run is still running", async () => {
    const marks = folders.scratch();
    const ex = folders.open(folders.folder());
    await ex.addTask('slow', 'periodic.js', { wd, infiniteLoop: false, period: '1 sec', env: { MARK_DIR: marks, RUN_MS: 2_500 } });
    const handle = folders.supervise(ex, { sleep: 60 });
    await supervising(ex, handle);
    await ex.startTask('slow');
    const list = await waitUntil(async () => {
      const ds = await decisions(ex, 'slow');
      return ds.some((d) => d.kind === 'skipped') && ds;
    }, { timeoutMs: 15_000, what: 'a skipped slot' });
    expect(list.find((d) => d.kind === 'skipped')!.text).toMatch(/^Skipping the \S+ run of slow: the previous run is still running$/);
    expect(list.some((d) => d.kind === 'started' && d.text.startsWith('Running scheduled slow periodic.js'))).toBe(true);
  });

  it("missed slots with catchUp 'none' are skipped, with the count", async () => {
    const folder = folders.folder();
    const past = folders.open(folder, { now: () => Date.now() - 3.5 * 3_600_000 });
    await past.addTask('nightly', 'periodic.js', { wd, infiniteLoop: false, period: '1 hour', catchUp: 'none', env: { MARK_DIR: folders.scratch() } });
    expect((await past.startTask('nightly')).result).toBe('scheduled');
    await past.readLog();
    const ex = folders.open(folder);
    expect((await ex.tick()).skipped).toEqual(['nightly']);
    const list = await decisions(ex, 'nightly');
    expect(list[0]).toMatchObject({ kind: 'skipped', text: 'Skipping 3 missed run(s) of nightly (catchUp: none)' });
  });

  /** An Executor on a fixed clock with the hold fixture: a run of `name` lasts until `release(name)`. */
  function held(options: ExecutorOptions) {
    const { ex, dir } = executors.make(options);
    const token = (name: string) => path.join(dir, `${name}.token`);
    const add = (name: string, more: Parameters<Executor['addTask']>[2] = {}) =>
      ex.addTask(name, HOLD, { wd: FIXTURES, infiniteLoop: false, ...more, env: { TOKEN_FILE: token(name) } });
    return { ex, add, release: (name: string) => writeFileSync(token(name), '') };
  }

  it("queued under maxConcurrent, and the queued slot of a task disabled meanwhile skipped, each saying why", async () => {
    let clock = T0;
    const { ex, add, release } = held({ maxConcurrent: 1, now: () => clock });
    await add('H');
    await add('P', { period: '1 min' });
    const h = await ex.runTask('H');
    expect(await ex.startTask('P')).toMatchObject({ result: 'scheduled' });
    clock += 60_000;
    expect((await ex.tick()).queued).toEqual(['P']);
    await ex.disableTask('P');
    release('H');
    await ex.waitRun(h, { timeout: T(10_000) });
    expect((await ex.tick()).fired).toEqual([]);
    const slot = new Date(clock).toISOString();
    const list = await decisions(ex, 'P');
    expect(list.slice(0, 3).map((d) => [d.kind, d.text])).toEqual([
      ['skipped', `Skipping the ${slot} run of P: the task is disabled`],
      ['other', 'Disabling P'],
      ['queued', `Queued a run of P (concurrency, slot ${slot}): waiting for a slot under maxConcurrent (1)`],
    ]);
    expect(await decisions(ex, 'H')).not.toContainEqual(expect.objectContaining({ kind: 'queued' }));
  });

  it("queued under the task's concurrency", async () => {
    const { ex, add, release } = held({});
    await add('C', { concurrency: 1 });
    const first = await ex.runTask('C');
    const second = await ex.runTask('C');
    const list = await decisions(ex, 'C');
    expect(list[0]).toMatchObject({ kind: 'queued', text: "Queued a run of C (concurrency): waiting for a slot under the task's concurrency (1)" });
    release('C');
    await ex.waitRun(first, { timeout: T(10_000) });
    await ex.tick();
    await waitUntil(async () => (await ex.listRuns({ task: 'C' })).some((r) => r.runId === second && r.startedAt !== null), { what: 'the queued run to start' });
    release('C');
    await ex.waitRun(second, { timeout: T(10_000) });
  });

  it('a timeout, then a stop', async () => {
    const ex = executors.make().ex;
    await ex.addTask('slowpoke', 'loop.js', { wd, infiniteLoop: false, timeout: 300 });
    const record = await ex.waitRun(await ex.runTask('slowpoke'), { timeout: T(10_000) });
    expect(record.killedFor).toBe('timeout');
    // The exit's log line follows the run's record (waitRun may resolve first): wait for it.
    let list = await waitUntil(async () => { const l = await decisions(ex, 'slowpoke'); return l[0]?.kind === 'exited' ? l : null; }, { timeoutMs: 10_000, what: 'the exit line of slowpoke' });
    expect(kinds(list)).toEqual(['exited', 'timeout', 'started', 'other']);
    expect(list[1]!.text).toMatch(/^Timed out: slowpoke \(run \S+\) after 300 ms; stopping its process tree$/);
    expect(list[0]!.text).toMatch(/\(timed out\)$/);

    await ex.addTask('svc', 'loop.js', { wd });
    await ex.startTask('svc');
    await ex.stopTask('svc');
    list = await waitUntil(async () => { const l = await decisions(ex, 'svc'); return l[0]?.kind === 'exited' ? l : null; }, { timeoutMs: 10_000, what: 'the exit line of svc' });
    expect(kinds(list)).toEqual(['exited', 'stopped', 'started', 'other']);
    expect(list[1]!.text).toBe('Stopping svc');
    expect(list[0]!.text).toMatch(/^Exited svc \(run \S+\) by signal SIG\w+ after [\d.]+ s \(stopped\)$/);
  });
});
