// Issue 12, item 1: a launcher killed right after the spawn leaves no untracked process and never a second copy.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { Executor } from '../../src/index.js';
import { useExecutors } from '../helpers/executor.js';
import { killMarked, markedPids } from '../helpers/marked.js';
import { T } from '../helpers/time.js';

const LAUNCHER = fileURLToPath(new URL('../fixtures/escape/launcher.mjs', import.meta.url));
const TREE = fileURLToPath(new URL('../fixtures/escape/tree8.sh', import.meta.url));
const DIST = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
const LAUNCHES = 10;

const kit = useExecutors();
const opened: Executor[] = [];
afterEach(() => { for (const ex of opened.splice(0)) killMarked(ex.id); });

/** Runs the launcher on `task` and resolves with how it ended (it SIGKILLs itself once the shim is its child). */
function launch(folder: string, task: string): Promise<NodeJS.Signals | number | null> {
  const child = spawn(process.execPath, [LAUNCHER, DIST, folder, task], { stdio: 'ignore' });
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
}

describe('a launch cut right after the spawn', () => {
  it(`${LAUNCHES} launchers killed the moment their child appears: each task is running, adopted, stopped to 0 processes, never twice`, async () => {
    const { ex } = kit.make({ killTimeout: 1_000 });
    opened.push(ex);
    const names = Array.from({ length: LAUNCHES }, (_, i) => `t${i}`);
    for (const name of names) await ex.addTask(name, TREE);
    const ends = await Promise.all(names.map((name) => launch(ex.folder, name)));
    expect(ends.every((end) => end === 'SIGKILL')).toBe(true);
    // A fresh Executor: every task that has processes shows running with its shim's pid; none has two copies.
    const fresh = kit.open(ex.folder, { killTimeout: 1_000 });
    const adopted: string[] = [];
    fresh.on('log', (l) => { if (l.message.startsWith('Adopted')) adopted.push(l.message); });
    const rows = await fresh.listTasks();
    // Each launch was cut before its final record, or after it: those cut before are adopted, the others were recorded.
    expect(adopted.length).toBeLessThanOrEqual(LAUNCHES);
    for (const row of rows) {
      const marked = markedPids(ex.id).filter((pid) => readTask(pid) === row.name);
      if (row.status === 'running') {
        expect(row.pid).toBeGreaterThan(0);
        expect(marked).toContain(row.pid);
      } else {
        expect(marked).toEqual([]);
      }
    }
    const started = await Promise.all(names.map((name) => fresh.startTask(name)));
    for (const [i, result] of started.entries()) {
      if (rows[i]!.status === 'running') expect(result).toMatchObject({ result: 'already running', pid: rows[i]!.pid });
    }
    // One copy of each: a shim, its shell and 7 more processes at most (9 marked processes per task).
    for (const name of names) expect(markedPids(ex.id).filter((pid) => readTask(pid) === name).length).toBeLessThanOrEqual(9);
    await fresh.stopAll();
    expect(markedPids(ex.id)).toEqual([]);
    const runs = await fresh.listRuns({ limit: 100 });
    expect(runs.every((run) => run.status !== 'running')).toBe(true);
  }, T(60_000));
});

// The task a marked process belongs to (EXECUTOR_TASK in its environment).
function readTask(pid: number): string | null {
  try {
    const entry = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').find((e: string) => e.startsWith('EXECUTOR_TASK='));
    return entry ? entry.slice('EXECUTOR_TASK='.length) : null;
  } catch {
    return null;
  }
}
