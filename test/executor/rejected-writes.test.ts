// Issue 12 item 9: a rejected call changes nothing. With journal.log unwritable (a folder in its place), addTask,
// addTask with replace and removeTask reject with a typed error naming the journal, and tasks/ is left exactly as it was.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FolderError } from '../../src/index.js';
import { T } from '../helpers/time.js';
import { fixture, snapshotFolder, useExecutors } from '../helpers/executor.js';

const kit = useExecutors();

// An Executor with task `kept` (run once to its end with `run`), then journal.log replaced by a folder.
async function brokenJournal({ run = false } = {}) {
  const { ex, dir } = kit.make();
  copyFileSync(fixture('once.js'), path.join(dir, 'once.js'));
  await ex.addTask('kept', 'once.js', { wd: dir, args: ['0'] });
  if (run) {
    await ex.startTask('kept');
    await ex.waitFor('kept', 'succeeded', { timeout: T(10_000) });
  }
  await ex.listTasks();
  const journal = path.join(ex.folder, 'journal.log');
  unlinkSync(journal);
  mkdirSync(journal);
  const tasks = path.join(ex.folder, 'tasks');
  return { ex, dir, journal, tasks, before: snapshotFolder(tasks) };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(() => { throw new Error('expected a rejection'); }, (e: unknown) => e);
}

describe('a call whose journal append fails changes nothing (issue 12 item 9)', () => {
  it('addTask of a new task rejects with ERR_FOLDER naming journal.log, and writes no tasks/<name>.json', async () => {
    const { ex, dir, journal, tasks, before } = await brokenJournal();
    const error = await rejection(ex.addTask('fresh', 'once.js', { wd: dir }));
    expect(error).toBeInstanceOf(FolderError);
    expect(error).toMatchObject({ code: 'ERR_FOLDER', path: journal });
    expect((error as Error).message).toContain('a folder where a file should be (EISDIR)');
    expect(snapshotFolder(tasks)).toEqual(before);
    expect(readdirSync(tasks)).toEqual(['kept.json']);
    expect((await ex.listTasks()).map((r) => r.name)).toEqual(['kept']);
  });

  it('addTask with replace rejects and leaves the old record byte for byte', async () => {
    const { ex, dir, tasks, before } = await brokenJournal();
    const old = readFileSync(path.join(tasks, 'kept.json'), 'utf8');
    await expect(ex.addTask('kept', 'once.js', { wd: dir, args: ['3'], replace: true })).rejects.toMatchObject({ code: 'ERR_FOLDER' });
    expect(readFileSync(path.join(tasks, 'kept.json'), 'utf8')).toBe(old);
    expect(snapshotFolder(tasks)).toEqual(before);
    expect((await ex.listTasks())[0]).toMatchObject({ name: 'kept', args: ['0'] });
  });

  it('removeTask rejects and leaves the record and its run ledger', async () => {
    const { ex, tasks, before } = await brokenJournal({ run: true });
    const runs = readdirSync(path.join(ex.folder, 'runs', 'kept'));
    expect(runs.length).toBeGreaterThan(0);
    await expect(ex.removeTask('kept')).rejects.toMatchObject({ code: 'ERR_FOLDER' });
    expect(snapshotFolder(tasks)).toEqual(before);
    expect(readdirSync(path.join(ex.folder, 'runs', 'kept'))).toEqual(runs);
  });

  it('once the journal is a file again, the same calls succeed', async () => {
    const { ex, dir, journal } = await brokenJournal();
    await expect(ex.addTask('fresh', 'once.js', { wd: dir })).rejects.toMatchObject({ code: 'ERR_FOLDER' });
    rmSync(journal, { recursive: true });
    await ex.addTask('fresh', 'once.js', { wd: dir });
    await ex.removeTask('kept');
    expect((await ex.listTasks()).map((r) => r.name)).toEqual(['fresh']);
  });
});
