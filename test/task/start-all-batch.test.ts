// Issue 13: startAll is one batch (locks in bulk, intents and final records in group commits, spawns in between).
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { Executor } from '../../src/index.js';
import { LAUNCHING_PID } from '../../src/run/tree.js';
import type { RunRecord, TaskRecord } from '../../src/store/records.js';
import { clusterUrl, storedRecords, storedRun, useExecutors } from '../helpers/executor.js';
import { killMarked, markedPids } from '../helpers/marked.js';
import { T } from '../helpers/time.js';

const SLEEPER = fileURLToPath(new URL('../fixtures/escape/sleeper.sh', import.meta.url));
const LAUNCHER = fileURLToPath(new URL('../fixtures/escape/start-all-launcher.mjs', import.meta.url));
const DIST = fileURLToPath(new URL('../../dist/index.js', import.meta.url));

const kit = useExecutors();
const opened: Executor[] = [];
afterEach(() => { for (const ex of opened.splice(0)) killMarked(ex.id); });

const names = (n: number): string[] => Array.from({ length: n }, (_, i) => `t${String(i).padStart(2, '0')}`);

// Every task record as it is stored, on disk or in the cluster's table (each must parse: a readable folder).
function recordsOnDisk(folder: string): Map<string, TaskRecord> {
  return storedRecords(folder) as Map<string, TaskRecord>;
}

function ledgerOnDisk(folder: string, task: string, runId: string): RunRecord {
  return storedRun(folder, task, runId);
}

// The task a marked process belongs to (EXECUTOR_TASK in its environment).
function taskOf(pid: number): string | null {
  try {
    const entry = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').find((e) => e.startsWith('EXECUTOR_TASK='));
    return entry ? entry.slice('EXECUTOR_TASK='.length) : null;
  } catch {
    return null;
  }
}

/** Runs the launcher's startAll on `folder`; it SIGKILLs itself once `after` shims are its children. */
function cutStartAll(folder: string, after: number): Promise<NodeJS.Signals | number | null> {
  const child = spawn(process.execPath, [LAUNCHER, DIST, folder, String(after)], { stdio: 'ignore' });
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
}

describe('startAll as a batch', () => {
  it('starts 30 tasks: 30 started rows, each record on disk names its run with the real pid and its ledger says so too; a second startAll says already running', async () => {
    const { ex } = kit.make();
    opened.push(ex);
    const all = names(30);
    for (const name of all) await ex.addTask(name, SLEEPER);
    const rows = await ex.startAll();
    expect(rows.map((r) => r.name)).toEqual(all);
    expect(rows.every((r) => r.result === 'started' && typeof r.pid === 'number' && r.pid > 0)).toBe(true);
    const onDisk = recordsOnDisk(ex.folder);
    for (const row of rows) {
      const run = onDisk.get(row.name)!.state.run!;
      expect(onDisk.get(row.name)!.state.status).toBe('running');
      expect(run.pid).toBe(row.pid);
      expect(markedPids(ex.id, run.runId)).toContain(row.pid);
      expect(ledgerOnDisk(ex.folder, row.name, run.runId)).toMatchObject({ runId: run.runId, pid: row.pid, pidStartTime: run.pidStartTime, endedAt: null });
    }
    // No temp file, aside or lock is left behind once startAll has resolved (a folder's files; a cluster has none).
    if (clusterUrl() === undefined) {
      expect(readdirSync(path.join(ex.folder, 'tasks')).filter((f) => !f.endsWith('.json'))).toEqual([]);
      expect(readdirSync(path.join(ex.folder, 'locks'))).toEqual([]);
    }
    const again = await ex.startAll();
    expect(again).toEqual(rows.map((r) => ({ ...r, result: 'already running' })));
    const fresh = kit.open(ex.folder);
    expect((await fresh.listTasks()).map((t) => [t.name, t.status, t.pid])).toEqual(rows.map((r) => [r.name, 'running', r.pid]));
  }, T(60_000));

  it('mixes in what is not one plain launch: a missing script gets an error row, a running task says already running, the rest start', async () => {
    const { ex, dir } = kit.make();
    opened.push(ex);
    for (const name of names(6)) await ex.addTask(name, SLEEPER);
    await ex.startTask('t02');
    const gone = path.join(dir, 'gone.sh');
    writeFileSync(gone, 'exec sleep 300\n');
    await ex.addTask('x-missing', gone);
    rmSync(gone);
    const rows = await ex.startAll();
    const by = new Map(rows.map((r) => [r.name, r]));
    expect(by.get('t02')).toMatchObject({ result: 'already running' });
    expect(by.get('x-missing')).toMatchObject({ result: 'error', code: 'ERR_SCRIPT_NOT_FOUND', pid: null });
    for (const name of ['t00', 't01', 't03', 't04', 't05']) expect(by.get(name)).toMatchObject({ result: 'started' });
    expect(recordsOnDisk(ex.folder).get('x-missing')!.state.run).toBeNull();
  }, T(30_000));

  it.each([1, 9, 17])('a launcher SIGKILLed once %i shims of a 24-task startAll are up leaves a readable folder whose launching runs a later Executor adopts or closes, with no untracked process', async (after) => {
    const { ex } = kit.make({ killTimeout: 1_000 });
    opened.push(ex);
    const all = names(24);
    for (const name of all) await ex.addTask(name, SLEEPER);
    expect(await cutStartAll(ex.folder, after)).toBe('SIGKILL');
    const onDisk = recordsOnDisk(ex.folder); // every record parses
    expect([...onDisk.keys()].sort()).toEqual(all);
    const fresh = kit.open(ex.folder, { killTimeout: 1_000 });
    const warnings: string[] = [];
    fresh.on('warning', (w) => warnings.push(w.code ?? ''));
    const rows = await fresh.listTasks();
    expect(warnings).not.toContain('ERR_CORRUPT_RECORD');
    // Nothing is left launching: each run was recorded, adopted (its shim found) or closed (never spawned).
    for (const [name, record] of recordsOnDisk(ex.folder)) {
      if (record.state.run) expect(record.state.run.pid, name).not.toBe(LAUNCHING_PID);
    }
    // Every process of the folder belongs to a task shown running with that shim's pid; the others have none.
    const marked = markedPids(ex.id);
    for (const row of rows) {
      const mine = marked.filter((pid) => taskOf(pid) === row.name);
      if (row.status === 'running') expect(mine).toContain(row.pid);
      else expect(mine).toEqual([]);
    }
    expect(rows.filter((r) => r.status === 'running').length).toBeGreaterThanOrEqual(after); // those spawned before the kill
    // A startAll now starts exactly the tasks that are not running, never a second copy.
    const started = await fresh.startAll();
    for (const [i, row] of rows.entries()) expect(started[i]!.result).toBe(row.status === 'running' ? 'already running' : 'started');
    for (const name of all) expect(markedPids(ex.id).filter((pid) => taskOf(pid) === name).length).toBeLessThanOrEqual(2);
    await fresh.stopAll();
    expect(markedPids(ex.id)).toEqual([]);
  }, T(90_000));
});
