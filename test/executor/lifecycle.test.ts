// Executor lifecycle: add, start, stop (whole tree), restart, remove, rows, env, interpreters, events, ids, log.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { IdMismatchError, type WarningEvent } from '../../src/index.js';
import { clusterUrl, FIXTURES, fixture, nextEvent, readPids, snapshotFolder, storedRecords, useExecutors } from '../helpers/executor.js';
import { pidAlive, waitUntil } from '../helpers/wait.js';
import { T } from '../helpers/time.js';

const kit = useExecutors();
const ONCE = ['succeeded', 'failed'] as const;
const LOG_LINE = /^\[ \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \] /;

describe('addTask', () => {
  it('defaults to infiniteLoop: true and status idle', async () => {
    const { ex } = kit.make();
    const row = await ex.addTask('LOL', 'loop.js', { wd: FIXTURES });
    expect(row).toMatchObject({ id: ex.id, name: 'LOL', infiniteLoop: true, status: 'idle', pid: null, restarts: 0, period: null });
  });

  it('skips a duplicate name with a warning event and a log line; { replace: true } updates', async () => {
    const { ex } = kit.make();
    await ex.addTask('LOL', 'loop.js', { wd: FIXTURES });
    const warnings: WarningEvent[] = [];
    ex.on('warning', (w) => warnings.push(w));
    await ex.addTask('LOL', 'crash.js', { wd: FIXTURES, infiniteLoop: false });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ name: 'LOL' });
    expect(warnings[0]!.message).toContain('LOL');
    expect((await ex.readLog()).some((l) => LOG_LINE.test(l) && l.includes('Warning') && l.includes('LOL'))).toBe(true);
    expect((await ex.listTasks())[0]).toMatchObject({ name: 'LOL', script: 'loop.js', infiniteLoop: true });

    await ex.addTask('LOL', 'crash.js', { wd: FIXTURES, infiniteLoop: false, replace: true });
    expect(warnings).toHaveLength(1);
    const rows = await ex.listTasks();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ name: 'LOL', script: 'crash.js', infiniteLoop: false });
  });
});

describe('startTask / startAll', () => {
  it('startTask starts the script and returns a row with the pid; a second call says already running', async () => {
    const { ex } = kit.make();
    await ex.addTask('LOL', 'loop.js', { wd: FIXTURES });
    const started = await ex.startTask('LOL');
    expect(started).toMatchObject({ id: ex.id, name: 'LOL', result: 'started' });
    expect(typeof started.pid).toBe('number');
    expect(pidAlive(started.pid!)).toBe(true);
    const again = await ex.startTask('LOL');
    expect(again).toMatchObject({ name: 'LOL', result: 'already running', pid: started.pid });
    expect((await ex.listTasks())[0]).toMatchObject({ status: 'running', pid: started.pid });
  });

  it('startAll gives one row per task: started, already running, scheduled (a periodic task is not run at once)', async () => {
    const { ex } = kit.make();
    await ex.addTask('A', 'loop.js', { wd: FIXTURES });
    await ex.addTask('B', 'loop.js', { wd: FIXTURES });
    await ex.addTask('P', 'once.js', { wd: FIXTURES, infiniteLoop: false, period: '1 hour' });
    const first = await ex.startTask('A');
    const starts: string[] = [];
    ex.on('start', (e) => starts.push(e.name));
    const rows = await ex.startAll();
    const byName = Object.fromEntries(rows.map((r) => [r.name, r]));
    expect(rows).toHaveLength(3);
    expect(byName.A).toMatchObject({ id: ex.id, result: 'already running', pid: first.pid });
    expect(byName.B).toMatchObject({ id: ex.id, result: 'started' });
    expect(pidAlive(byName.B!.pid!)).toBe(true);
    expect(byName.P).toMatchObject({ id: ex.id, result: 'scheduled', pid: null });
    expect(starts).toEqual(['B']);
    const p = (await ex.listTasks()).find((r) => r.name === 'P');
    expect(p).toMatchObject({ status: 'scheduled', pid: null, lastStartedAt: null });
    expect(existsSync(path.join(ex.folder, 'P.txt'))).toBe(false);
  });
});

describe('stopTask / restartTask / removeTask', () => {
  it('stopTask kills the whole tree, grandchildren included, and the status becomes stopped', async () => {
    const { ex, dir } = kit.make();
    const pidsFile = path.join(dir, 'pids');
    await ex.addTask('tree', 'spawn-tree.js', { wd: FIXTURES, env: { PIDS_FILE: pidsFile } });
    const started = await ex.startTask('tree');
    const pids = await waitUntil(() => { const p = readPids(pidsFile); return p.length === 3 ? p : null; }, { what: 'the tree to start' });
    pids.forEach((pid) => kit.track(pid));
    expect([started.pid!, ...pids].every(pidAlive)).toBe(true);
    const stopped = await ex.stopTask('tree');
    expect(stopped).toMatchObject({ id: ex.id, name: 'tree', result: 'stopped', pid: started.pid });
    // stopTask resolves only once every process of the tree is gone.
    expect([started.pid!, ...pids].filter(pidAlive)).toEqual([]);
    expect((await ex.listTasks())[0]).toMatchObject({ status: 'stopped', pid: null });
    expect(await ex.stopTask('tree')).toMatchObject({ result: 'not running', pid: null });
  });

  it('restartTask stops the running process and starts a new one', async () => {
    const { ex } = kit.make();
    await ex.addTask('LOL', 'loop.js', { wd: FIXTURES });
    const first = await ex.startTask('LOL');
    const second = await ex.restartTask('LOL');
    expect(second).toMatchObject({ name: 'LOL', result: 'started' });
    expect(second.pid).not.toBe(first.pid);
    expect(pidAlive(first.pid!)).toBe(false);
    expect(pidAlive(second.pid!)).toBe(true);
    expect((await ex.listTasks())[0]).toMatchObject({ status: 'running', pid: second.pid });
  });

  it('removeTask stops a running task and removes it from the table', async () => {
    const { ex } = kit.make();
    await ex.addTask('LOL', 'loop.js', { wd: FIXTURES });
    await ex.addTask('other', 'loop.js', { wd: FIXTURES });
    const { pid } = await ex.startTask('LOL');
    await ex.removeTask('LOL');
    expect(pidAlive(pid!)).toBe(false);
    expect((await ex.listTasks()).map((r) => r.name)).toEqual(['other']);
  });
});

describe('listTasks / listRunningTasks', () => {
  it('listTasks rows carry status, pid, restarts, lastExitCode, lastSignal, lastStartedAt, lastEndedAt', async () => {
    const { ex } = kit.make();
    await ex.addTask('LOL', 'loop.js', { wd: FIXTURES });
    const idle = (await ex.listTasks())[0]!;
    for (const key of ['status', 'pid', 'restarts', 'lastExitCode', 'lastSignal', 'lastStartedAt', 'lastEndedAt']) expect(idle).toHaveProperty(key);
    expect(idle).toMatchObject({ status: 'idle', pid: null, restarts: 0, lastExitCode: null, lastSignal: null, lastStartedAt: null, lastEndedAt: null });
    const { pid } = await ex.startTask('LOL');
    const running = (await ex.listTasks())[0]!;
    expect(running).toMatchObject({ status: 'running', pid, lastEndedAt: null });
    expect(Number.isNaN(Date.parse(running.lastStartedAt!))).toBe(false);
    await ex.stopTask('LOL');
    const stopped = (await ex.listTasks())[0]!;
    expect(stopped).toMatchObject({ status: 'stopped', pid: null, restarts: 0 });
    expect(Date.parse(stopped.lastEndedAt!)).toBeGreaterThanOrEqual(Date.parse(stopped.lastStartedAt!));
  });

  it('listRunningTasks has exactly id, name, running, infiniteLoop, period; with nextRun also start, nextRun', async () => {
    const { ex } = kit.make();
    await ex.addTask('LOL', 'loop.js', { wd: FIXTURES });
    await ex.addTask('P', 'once.js', { wd: FIXTURES, infiniteLoop: false, period: '1 hour' });
    await ex.startAll();
    const rows = await ex.listRunningTasks();
    expect(rows.map((r) => Object.keys(r))).toEqual([['id', 'name', 'running', 'infiniteLoop', 'period'], ['id', 'name', 'running', 'infiniteLoop', 'period']]);
    expect(rows.find((r) => r.name === 'LOL')).toMatchObject({ id: ex.id, running: true, infiniteLoop: true });
    expect(rows.find((r) => r.name === 'P')).toMatchObject({ id: ex.id, running: false, infiniteLoop: false, period: '1 hour' });

    const withNext = await ex.listRunningTasks({ nextRun: true });
    expect(withNext.map((r) => Object.keys(r))).toEqual([0, 1].map(() => ['id', 'name', 'running', 'infiniteLoop', 'period', 'start', 'nextRun']));
    const p = withNext.find((r) => r.name === 'P')!;
    // No `start`: the anchor is the time the task was added; the first run is one period later.
    const added = (await ex.listTasks()).find((r) => r.name === 'P')!.addedAt;
    expect(Date.parse(p.start!)).toBe(Date.parse(added));
    expect(Date.parse(p.nextRun!)).toBe(Date.parse(added) + 3_600_000);
  });
});

describe('runs that end', () => {
  it('a once task (infiniteLoop: false, no period) ends succeeded with lastExitCode 0', async () => {
    const { ex } = kit.make();
    await ex.addTask('once', 'once.js', { wd: FIXTURES, infiniteLoop: false });
    await ex.startTask('once');
    const row = await ex.waitFor('once', [...ONCE], { timeout: T(15_000) });
    expect(row).toMatchObject({ status: 'succeeded', lastExitCode: 0, lastSignal: null, pid: null });
    expect(row.lastEndedAt).not.toBeNull();
  });

  it('a once task exiting non-zero ends failed with its exit code', async () => {
    const { ex } = kit.make();
    await ex.addTask('once', 'once.js', { wd: FIXTURES, infiniteLoop: false, args: [3] });
    const exit = nextEvent(ex, 'exit');
    await ex.startTask('once');
    expect(await exit).toMatchObject({ name: 'once', exitCode: 3, signal: null, stopped: false });
    expect(await ex.waitFor('once', [...ONCE], { timeout: T(15_000) })).toMatchObject({ status: 'failed', lastExitCode: 3, lastSignal: null });
  });

  it.each(['SIGKILL', 'SIGTERM'])('a task killed by %s shows lastSignal and status failed', async (signal) => {
    const { ex } = kit.make();
    await ex.addTask('sig', 'self-kill.js', { wd: FIXTURES, infiniteLoop: false, args: [signal] });
    await ex.startTask('sig');
    const row = await ex.waitFor('sig', [...ONCE], { timeout: T(15_000) });
    expect(row).toMatchObject({ status: 'failed', lastSignal: signal, lastExitCode: null });
  });
});

describe('environment', () => {
  it('passes the caller env, the task env (numbers and booleans as strings) and EXECUTOR_*', async () => {
    const { ex, dir } = kit.make();
    process.env.EXSDK_CALLER_VAR = 'from-caller';
    try {
      await ex.addTask('envtask', fixture('print-env.js'), {
        wd: dir, infiniteLoop: false, env: { SYMBOL: 'LOL', NUM: 42, FLAG: true, OFF: false },
        args: ['SYMBOL', 'NUM', 'FLAG', 'OFF', 'EXSDK_CALLER_VAR'],
      });
      const start = nextEvent(ex, 'start');
      await ex.startTask('envtask');
      const { runId } = await start;
      await ex.waitFor('envtask', 'succeeded', { timeout: T(15_000) });
      expect(await ex.readOut('envtask')).toEqual([
        `EXECUTOR_ID=${ex.id}`, `EXECUTOR_FOLDER=${ex.folder}`, 'EXECUTOR_TASK=envtask', `EXECUTOR_RUN_ID=${runId}`,
        'SYMBOL=LOL', 'NUM=42', 'FLAG=true', 'OFF=false', 'EXSDK_CALLER_VAR=from-caller', `CWD=${dir}`,
      ]);
    } finally {
      delete process.env.EXSDK_CALLER_VAR;
    }
  });
});

describe('interpreters', () => {
  async function runOnce(ex: import('../../src/index.js').Executor, name: string, script: string, options: object = {}): Promise<string[]> {
    await ex.addTask(name, script, { wd: FIXTURES, infiniteLoop: false, ...options });
    await ex.startTask(name);
    const row = await ex.waitFor(name, [...ONCE], { timeout: T(20_000) });
    const out = await ex.readOut(name);
    expect(row.status, out.join('\n')).toBe('succeeded');
    return out;
  }

  it('picks bash for .sh, runs an executable without extension directly, and tsx for .ts', async () => {
    const { ex } = kit.make();
    expect(await runOnce(ex, 'sh', 'hello.sh')).toEqual(['hello from bash sh']);
    expect(await runOnce(ex, 'direct', 'exec-noext')).toEqual(['direct direct']);
    expect(await runOnce(ex, 'ts', 'hello.ts')).toEqual(['hello from ts ts']);
  });

  it('the interpreters option overrides an extension, and names an interpreter', async () => {
    const { ex } = kit.make({ interpreters: { '.js': [fixture('custom-interp.sh')], venv: ['/bin/sh', fixture('custom-interp.sh')] } });
    expect(await runOnce(ex, 'js', 'once.js')).toEqual([`custom-interpreter ${fixture('once.js')}`]);
    expect(await runOnce(ex, 'named', 'hello.sh', { interpreter: 'venv' })).toEqual([`custom-interpreter ${fixture('hello.sh')}`]);
  });
});

describe('events', () => {
  it('emits start for every run and exit when a run ends', async () => {
    const { ex } = kit.make();
    const starts: { name: string; pid: number; trigger: string; runId: string }[] = [];
    const exits: { name: string; stopped: boolean; runId: string }[] = [];
    ex.on('start', (e) => starts.push(e));
    ex.on('exit', (e) => exits.push(e));
    await ex.addTask('LOL', 'loop.js', { wd: FIXTURES });
    const a = await ex.startTask('LOL');
    const b = await ex.restartTask('LOL');
    await ex.stopTask('LOL');
    expect(starts.map((s) => [s.name, s.pid, s.trigger])).toEqual([['LOL', a.pid, 'manual'], ['LOL', b.pid, 'manual']]);
    await waitUntil(() => exits.length === 2, { what: 'two exit events' });
    expect(exits.map((e) => [e.runId, e.stopped])).toEqual(starts.map((s) => [s.runId, true]));
  });
});

describe('ids and folder', () => {
  it('a new folder gets a random 8-hex id; ex.folder is absolute', () => {
    const dir = kit.tmpDir();
    const rel = path.relative(process.cwd(), path.join(dir, 'exec'));
    const ex = kit.open(rel);
    expect(ex.id).toMatch(/^[0-9a-f]{8}$/);
    expect(path.isAbsolute(ex.folder)).toBe(true);
    expect(ex.folder).toBe(path.join(dir, 'exec'));
    expect(existsSync(ex.folder)).toBe(true);
  });

  it('keeps an explicit id, re-uses the stored id on reopening, and refuses a different id without writing', async () => {
    const dir = kit.tmpDir();
    const folder = path.join(dir, 'exec');
    // In a cluster the id is the cluster's, known once the store is first used: a different id is refused by the first
    // call (the constructor does not reach the database), and the table is unchanged.
    const cluster = clusterUrl() !== undefined;
    const ex = kit.open(folder, { id: 'xg15' });
    expect(ex.id).toBe('xg15');
    await ex.addTask('LOL', 'loop.js', { wd: FIXTURES });
    expect(kit.open(folder).id).toBe('xg15');
    expect(kit.open(folder, { id: 'xg15' }).id).toBe('xg15');
    const before = snapshotFolder(folder);
    const stored = cluster ? storedRecords(folder) : null;
    const refused = async (): Promise<unknown> => {
      if (!cluster) return kit.open(folder, { id: 'other1' });
      return kit.open(folder, { id: 'other1' }).addTask('X', 'loop.js', { wd: FIXTURES });
    };
    await expect(refused()).rejects.toThrow(IdMismatchError);
    try { await refused(); } catch (error) {
      expect(error).toMatchObject({ code: 'ERR_ID_MISMATCH' });
      expect((error as Error).message).toMatch(/Expected `id` to be "xg15".*got "other1"/);
    }
    expect(snapshotFolder(folder)).toEqual(before);
    if (cluster) expect(storedRecords(folder)).toEqual(stored);
  });
});

describe('readLog', () => {
  it('has ExecutoR-style lines: [ YYYY-MM-DD HH:mm:ss ] Starting NAME script (pid: N)', async () => {
    const { ex } = kit.make();
    await ex.addTask('LOL', 'loop.js', { wd: FIXTURES });
    const { pid } = await ex.startTask('LOL');
    const log = await ex.readLog();
    expect(log.every((l) => LOG_LINE.test(l))).toBe(true);
    expect(log.filter((l) => /Starting/.test(l)).map((l) => l.replace(LOG_LINE, ''))).toEqual([`Starting LOL loop.js (pid: ${pid})`]);
    expect(await ex.readLog(1)).toEqual(log.slice(-1));
  });
});
