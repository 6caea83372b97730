// Issue 13: a group commit writes a task record into the task's spare file (its previously replaced inode, kept as
// runs/<task>/.record.spare) instead of creating a temp file, and keeps the record it replaces as the next spare: on a
// file system where creating and freeing inodes is slow, a batch's record writes then create and free nothing.
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FolderStore } from '../../src/store/folder-store.js';
import type { TaskRecord } from '../../src/store/records.js';
import { createSpare, SPARE_NAME } from '../../src/store/spare.js';
import { taskRecord, useStoreKit } from '../fixtures/store/kit.js';

const kit = useStoreKit();

function open(folder: string): FolderStore {
  return new FolderStore(folder, (file, error) => { throw new Error(`lock ${file} compromised: ${error.message}`); });
}

const recordFile = (folder: string, name: string): string => path.join(folder, 'tasks', `${name}.json`);
const spareFile = (folder: string, name: string): string => path.join(folder, 'runs', name, SPARE_NAME);
const readRecord = (folder: string, name: string): TaskRecord => JSON.parse(readFileSync(recordFile(folder, name), 'utf8')) as TaskRecord;
const inode = (file: string): number => statSync(file).ino;
const leftovers = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith('.tmp'));

// A folder with task `name` added (by mutateTask, as addTask does) and its run folder.
async function withTask(name = 'a'): Promise<{ folder: string; store: FolderStore }> {
  const folder = path.join(kit.tmpDir(), 'exec');
  const store = open(folder);
  await store.mutateTask(name, async () => ({ record: taskRecord(name), result: undefined }));
  mkdirSync(path.join(folder, 'runs', name), { recursive: true });
  return { folder, store };
}

// One batch write of `name` (under its held lock, as startAll does), setting state.restarts to `restarts`.
async function publish(store: FolderStore, name: string, restarts: number): Promise<void> {
  const held = await store.holdTask(name);
  try {
    await store.publishTasks([{ ...held.record!, state: { ...held.record!.state, restarts } }]);
  } finally {
    await held.release();
  }
}

describe('spare record files (group commits)', () => {
  it('keeps the replaced record as the spare, then writes the next record into it: the two inodes take turns, nothing is created', async () => {
    const { folder, store } = await withTask();
    const original = inode(recordFile(folder, 'a'));
    await publish(store, 'a', 1); // no spare yet: a temp file is created, the old record becomes the spare
    expect(existsSync(spareFile(folder, 'a'))).toBe(true);
    expect(inode(spareFile(folder, 'a'))).toBe(original);
    const second = inode(recordFile(folder, 'a'));
    await publish(store, 'a', 2); // written into the spare
    expect(inode(recordFile(folder, 'a'))).toBe(original);
    expect(inode(spareFile(folder, 'a'))).toBe(second);
    await publish(store, 'a', 3);
    expect(inode(recordFile(folder, 'a'))).toBe(second);
    expect(readRecord(folder, 'a')).toMatchObject({ rev: 4, state: { restarts: 3 } });
    expect(leftovers(path.join(folder, 'tasks'))).toEqual([]);
    expect(leftovers(path.join(folder, 'runs', 'a'))).toEqual([]);
    // Readers never see the spare: the table and the run ledger list only records.
    expect([...(await open(folder).table({ full: true })).records.keys()]).toEqual(['a']);
    expect(await store.listRuns('a')).toEqual([]);
  });

  it('a spare longer than the new record (old content, or the rest of a write cut short by a kill) is cut to the new record', async () => {
    const { folder, store } = await withTask();
    await publish(store, 'a', 1);
    writeFileSync(spareFile(folder, 'a'), `{"torn": "${'x'.repeat(20_000)}`); // what a killed write could leave
    await publish(store, 'a', 2);
    expect(readRecord(folder, 'a')).toMatchObject({ rev: 3, state: { restarts: 2 } });
    expect(readFileSync(recordFile(folder, 'a'), 'utf8')).toBe(`${JSON.stringify(readRecord(folder, 'a'), null, 2)}\n`);
  });

  it('a spare that is a symbolic link, a folder or a file with another name is left alone: a temp file is written instead', async () => {
    for (const kind of ['symlink', 'folder', 'hardlink'] as const) {
      const { folder, store } = await withTask();
      const outside = path.join(path.dirname(folder), `outside-${kind}`);
      writeFileSync(outside, 'not a record');
      if (kind === 'symlink') symlinkSync(outside, spareFile(folder, 'a'));
      if (kind === 'folder') mkdirSync(spareFile(folder, 'a'));
      if (kind === 'hardlink') linkSync(outside, spareFile(folder, 'a'));
      await publish(store, 'a', 7);
      expect(readRecord(folder, 'a')).toMatchObject({ rev: 2, state: { restarts: 7 } });
      expect(readFileSync(outside, 'utf8')).toBe('not a record');
      expect(leftovers(path.join(folder, 'tasks'))).toEqual([]);
    }
  });

  it('without a run folder the write still succeeds (temp file beside the record), and the old record is simply dropped', async () => {
    const folder = path.join(kit.tmpDir(), 'exec');
    const store = open(folder);
    await store.mutateTask('a', async () => ({ record: taskRecord('a'), result: undefined }));
    await publish(store, 'a', 4);
    expect(readRecord(folder, 'a')).toMatchObject({ rev: 2, state: { restarts: 4 } });
    expect(existsSync(path.join(folder, 'runs', 'a'))).toBe(false);
    expect(readdirSync(path.join(folder, 'tasks'))).toEqual(['a.json']);
  });

  it('createSpare (when a task is added) gives even the first batch write a spare to fill, and never fails', async () => {
    const { folder, store } = await withTask();
    await createSpare(path.join(folder, 'runs', 'a'));
    const spare = inode(spareFile(folder, 'a'));
    const original = inode(recordFile(folder, 'a'));
    await publish(store, 'a', 1);
    expect(inode(recordFile(folder, 'a'))).toBe(spare);
    expect(inode(spareFile(folder, 'a'))).toBe(original);
    await createSpare(path.join(folder, 'runs', 'a')); // one there already: left as it is
    expect(inode(spareFile(folder, 'a'))).toBe(original);
    await createSpare(path.join(folder, 'runs', 'missing')); // no run folder: nothing happens
    expect(existsSync(path.join(folder, 'runs', 'missing'))).toBe(false);
  });
});
