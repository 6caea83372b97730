// Issue 12 item 3 (the store's part): on a full file system every store write rejects with NoSpaceError (ERR_NO_SPACE)
// naming the file — never a raw ENOSPC — leaves no temp file behind, and the table stays readable. Run on a small real
// tmpfs, which needs root (as .ci/run is); elsewhere each test says so and returns.
import { execFileSync } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NoSpaceError } from '../../src/index.js';
import { FolderStore } from '../../src/store/folder-store.js';
import { Journal } from '../../src/store/journal.js';
import { ExecutorLog } from '../../src/store/log.js';
import { freshRunExtras, type RunRecord } from '../../src/store/records.js';
import { fixture, useExecutors } from '../helpers/executor.js';

const kit = useExecutors();
const TMPFS_SIZE = '256k';
const FILL_CHUNKS = [65_536, 4096, 1];
const mounts: string[] = [];

afterEach(() => {
  for (const dir of mounts.splice(0)) {
    try {
      execFileSync('umount', [dir], { stdio: 'ignore' });
    } catch {
      execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
    }
  }
});

// A fresh tmpfs of TMPFS_SIZE, or null (with a message) where this process may not mount one.
function smallTmpfs(): string | null {
  const dir = path.join(kit.tmpDir(), 'mnt');
  mkdirSync(dir);
  try {
    if (process.getuid?.() !== 0) throw new Error('not root');
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_SIZE}`, 'tmpfs', dir], { stdio: 'ignore' });
  } catch (error) {
    console.log(`no-space: cannot mount a tmpfs here (${(error as Error).message}): this case needs root, as .ci/run has`);
    return null;
  }
  mounts.push(dir);
  return dir;
}

// Fills the file system holding `dir` to the last byte with `<dir>/filler`; returns its path.
function fill(dir: string): string {
  const filler = path.join(dir, 'filler');
  const fd = openSync(filler, 'w');
  try {
    for (const size of FILL_CHUNKS) {
      const chunk = Buffer.alloc(size, 1);
      for (;;) {
        try {
          writeSync(fd, chunk);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
          break;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return filler;
}

function tempFilesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.tmp'));
}

function expectNoSpace(error: unknown, file: string): void {
  expect(error).toBeInstanceOf(NoSpaceError);
  expect(error).toMatchObject({ code: 'ERR_NO_SPACE', file });
  expect((error as Error).message).toContain(file);
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(() => { throw new Error('expected a rejection'); }, (e: unknown) => e);
}

describe('a full file system (issue 12 item 3, store)', () => {
  it('addTask rejects with ERR_NO_SPACE naming the record, leaves nothing half-written, and listTasks still works', async () => {
    const mnt = smallTmpfs();
    if (mnt === null) return;
    const scripts = kit.tmpDir();
    copyFileSync(fixture('once.js'), path.join(scripts, 'once.js'));
    const ex = kit.open(path.join(mnt, 'exec'));
    ex.on('error', () => undefined); // log lines that cannot be written are reported here
    await ex.addTask('kept', 'once.js', { wd: scripts });
    const kept = readFileSync(path.join(ex.folder, 'tasks', 'kept.json'), 'utf8');
    const filler = fill(mnt);

    expectNoSpace(await rejection(ex.addTask('fresh', 'once.js', { wd: scripts })), path.join(ex.folder, 'tasks', 'fresh.json'));
    expectNoSpace(await rejection(ex.addTask('kept', 'once.js', { wd: scripts, args: ['1'], replace: true })), path.join(ex.folder, 'tasks', 'kept.json'));
    expect(readdirSync(path.join(ex.folder, 'tasks'))).toEqual(['kept.json']);
    expect(readFileSync(path.join(ex.folder, 'tasks', 'kept.json'), 'utf8')).toBe(kept);
    expect(tempFilesUnder(ex.folder)).toEqual([]);
    expect((await ex.listTasks()).map((r) => r.name)).toEqual(['kept']);
    expect((await kit.open(ex.folder).listTasks()).map((r) => r.name)).toEqual(['kept']);

    rmSync(filler);
    await ex.addTask('fresh', 'once.js', { wd: scripts });
    expect((await ex.listTasks()).map((r) => r.name)).toEqual(['fresh', 'kept']);
  });

  it('run ledger, lease, journal and log writes reject with ERR_NO_SPACE naming their file, leaving no temp file', async () => {
    const mnt = smallTmpfs();
    if (mnt === null) return;
    const folder = path.join(mnt, 'exec');
    const store = new FolderStore(folder, () => undefined);
    fill(mnt);
    const runId = '20260101-000000-000-abcdef';
    const run: RunRecord = {
      formatVersion: 1, runId, task: 'job', trigger: 'manual', scheduledFor: null, startedAt: new Date().toISOString(), pid: 1,
      pidStartTime: 1, bootId: 'x', endedAt: null, exitCode: null, signal: null, exitUnknown: false, stopped: false, outputFile: 'job.txt',
      errorFile: null, triggerTime: null, queuedAt: null, timedOut: false, killedFor: null, ...freshRunExtras(new Date().toISOString()),
    };
    expectNoSpace(await rejection(store.writeRun(run)), path.join(folder, 'runs', 'job', `${runId}.json`));
    const holder = { kind: 'supervisor' as const, pid: process.pid, pidStartTime: null, bootId: null, executorId: 'x' };
    expectNoSpace(await rejection(store.acquireLease(holder, () => true, () => undefined)), path.join(folder, 'supervisor.json'));
    expect(existsSync(path.join(folder, 'supervisor.lock')), 'the lease is let go').toBe(false);
    expectNoSpace(await rejection(new Journal(path.join(folder, 'journal.log')).append('job')), path.join(folder, 'journal.log'));
    expectNoSpace(await rejection(new ExecutorLog(path.join(folder, 'executor.log')).append('line')), path.join(folder, 'executor.log'));
    expect(tempFilesUnder(folder)).toEqual([]);
  });
});
