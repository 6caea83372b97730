// Issue 13: group commits (startAll's batch) — several files written atomically together, one fsync each; several task
// records published as one change; task locks held across a batch; and the committer that forms the groups.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../../src/store/batch.js';
import { FOLDER_LAYOUT, FolderStore } from '../../src/store/folder-store.js';
import { writeGroupAtomic } from '../../src/store/group-write.js';
import { freshRunExtras, type RunRecord, type TaskRecord } from '../../src/store/records.js';
import { taskRecord, useStoreKit } from '../fixtures/store/kit.js';
import { T } from '../helpers/time.js';

const kit = useStoreKit();

function open(folder: string): FolderStore {
  return new FolderStore(folder, (file, error) => { throw new Error(`lock ${file} compromised: ${error.message}`); });
}

function fileOf(folder: string, name: string): TaskRecord {
  return JSON.parse(readFileSync(path.join(folder, 'tasks', `${name}.json`), 'utf8')) as TaskRecord;
}

function journalLines(folder: string): string[] {
  return readFileSync(path.join(folder, FOLDER_LAYOUT.journal), 'utf8').split('\n').filter(Boolean);
}

function ledger(task: string, runId: string): RunRecord {
  return {
    formatVersion: 1, runId, task, trigger: 'manual', scheduledFor: null, startedAt: '2026-01-01T00:00:00.000Z', pid: 42, pidStartTime: 7,
    bootId: 'boot', endedAt: null, exitCode: null, signal: null, exitUnknown: false, stopped: false, outputFile: `${task}.txt`,
    errorFile: null, triggerTime: null, queuedAt: null, timedOut: false, killedFor: null, ...freshRunExtras('2026-01-01T00:00:00.000Z'),
  };
}

const leftovers = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith('.tmp'));

describe('writeGroupAtomic', () => {
  it('replaces every file of the group and leaves no temp file', async () => {
    const dir = kit.tmpDir();
    writeFileSync(path.join(dir, 'a.json'), 'old a');
    await writeGroupAtomic([{ file: path.join(dir, 'a.json'), data: 'new a' }, { file: path.join(dir, 'b.json'), data: 'new b' }]);
    expect(readFileSync(path.join(dir, 'a.json'), 'utf8')).toBe('new a');
    expect(readFileSync(path.join(dir, 'b.json'), 'utf8')).toBe('new b');
    expect(readdirSync(dir).sort()).toEqual(['a.json', 'b.json']);
  });

  it('renames nothing when one file of the group cannot be written: the others keep their old content, no temp file is left', async () => {
    const dir = kit.tmpDir();
    writeFileSync(path.join(dir, 'a.json'), 'old a');
    writeFileSync(path.join(dir, 'c.json'), 'old c');
    const missing = path.join(dir, 'missing', 'b.json');
    const files = [{ file: path.join(dir, 'a.json'), data: 'new a' }, { file: missing, data: 'new b' }, { file: path.join(dir, 'c.json'), data: 'new c' }];
    await expect(writeGroupAtomic(files, (error, file) => Object.assign(new Error(`failed ${file}`), { cause: error }))).rejects.toThrow(`failed ${missing}`);
    expect(readFileSync(path.join(dir, 'a.json'), 'utf8')).toBe('old a');
    expect(readFileSync(path.join(dir, 'c.json'), 'utf8')).toBe('old c');
    expect(leftovers(dir)).toEqual([]);
  });
});

describe('writeGroupAtomic with temp folders', () => {
  it('makes each temp file in its tempDir (renamed across into place), or beside the file when that folder is missing', async () => {
    const dir = kit.tmpDir();
    mkdirSync(path.join(dir, 'spare'));
    writeFileSync(path.join(dir, 'a.json'), 'old a');
    await writeGroupAtomic([
      { file: path.join(dir, 'a.json'), data: 'new a', tempDir: path.join(dir, 'spare') },
      { file: path.join(dir, 'b.json'), data: 'new b', tempDir: path.join(dir, 'no-such-folder') },
    ]);
    expect(readFileSync(path.join(dir, 'a.json'), 'utf8')).toBe('new a');
    expect(readFileSync(path.join(dir, 'b.json'), 'utf8')).toBe('new b');
    expect(readdirSync(dir).sort()).toEqual(['a.json', 'b.json', 'spare']);
    expect(readdirSync(path.join(dir, 'spare'))).toEqual([]);
  });
});

describe('FolderStore group commits', () => {
  it('publishTasks writes every record (rev + 1) and run ledger record at once, journals each name, and a second store sees them', async () => {
    const folder = path.join(kit.tmpDir(), 'exec');
    const store = open(folder);
    const other = open(folder);
    await other.table();
    const names = ['a', 'b', 'c'];
    for (const name of names) await store.mutateTask(name, async () => ({ record: taskRecord(name), result: undefined }));
    for (const name of names) mkdirSync(path.join(folder, 'runs', name), { recursive: true });
    const before = journalLines(folder).length;
    const records = names.map((name) => ({ ...fileOf(folder, name), state: { ...fileOf(folder, name).state, restarts: 5 } }));
    await store.publishTasks(records, names.map((name) => ledger(name, `r-${name}`)));
    for (const name of names) {
      expect(fileOf(folder, name)).toMatchObject({ rev: 2, state: { restarts: 5 } });
      expect(await store.readRun(name, `r-${name}`)).toMatchObject({ runId: `r-${name}`, pid: 42 });
    }
    expect(journalLines(folder).slice(before)).toEqual(names);
    expect(leftovers(path.join(folder, 'tasks'))).toEqual([]);
    const seen = await other.table();
    expect(names.map((n) => seen.records.get(n)?.state.restarts)).toEqual([5, 5, 5]);
  });

  it('a group whose journal append fails leaves every record as it was, and no temp file', async () => {
    const folder = path.join(kit.tmpDir(), 'exec');
    const store = open(folder);
    for (const name of ['a', 'b']) await store.mutateTask(name, async () => ({ record: taskRecord(name), result: undefined }));
    const before = ['a', 'b'].map((n) => readFileSync(path.join(folder, 'tasks', `${n}.json`), 'utf8'));
    rmSync(path.join(folder, FOLDER_LAYOUT.journal));
    mkdirSync(path.join(folder, FOLDER_LAYOUT.journal)); // a folder in the journal's place: the append fails (EISDIR)
    const records = ['a', 'b'].map((name) => ({ ...fileOf(folder, name), state: { ...fileOf(folder, name).state, restarts: 9 } }));
    await expect(store.publishTasks(records)).rejects.toMatchObject({ code: 'ERR_FOLDER' });
    expect(['a', 'b'].map((n) => readFileSync(path.join(folder, 'tasks', `${n}.json`), 'utf8'))).toEqual(before);
    expect(leftovers(path.join(folder, 'tasks'))).toEqual([]);
  });

  it('holdTask keeps the task lock (a mutation waits) until released, and hands over the fresh record', async () => {
    const folder = path.join(kit.tmpDir(), 'exec');
    const store = open(folder);
    await store.mutateTask('a', async () => ({ record: taskRecord('a', 3), result: undefined }));
    const held = await store.holdTask('a');
    expect(held.record?.state.restarts).toBe(3);
    let mutated = false;
    const mutation = store.mutateTask('a', async () => { mutated = true; return { record: null, result: undefined }; });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(mutated).toBe(false);
    expect(readdirSync(path.join(folder, 'locks'))).toEqual(['a.lock']);
    await held.release();
    await mutation;
    expect(mutated).toBe(true);
    expect((await store.holdTask('missing')).record).toBeNull();
  }, T(10_000));

  it('holdBatch is taken by one batch at a time, across stores', async () => {
    const folder = path.join(kit.tmpDir(), 'exec');
    const first = await open(folder).holdBatch();
    let second = false;
    const waiting = open(folder).holdBatch().then((release) => { second = true; return release; });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(second).toBe(false);
    await first();
    await (await waiting)();
    expect(second).toBe(true);
    expect(readdirSync(path.join(folder, 'locks'))).toEqual([]);
  }, T(10_000));
});

describe('GroupCommit', () => {
  it('writes the first item at once and what arrives meanwhile as the next group; a failed group rejects its own items only', async () => {
    const groups: string[][] = [];
    let release!: () => void;
    const commit = new GroupCommit<string>(async (items) => {
      groups.push(items);
      if (items[0] === 'a') await new Promise<void>((resolve) => { release = resolve; });
      if (items.includes('bad')) throw new Error('disk full');
    });
    const a = commit.commit('a');
    const rest = ['b', 'bad'].map((item) => commit.commit(item).then(() => 'ok', (e: Error) => e.message));
    expect(groups).toEqual([['a']]);
    release();
    await a;
    expect(await Promise.all(rest)).toEqual(['disk full', 'disk full']);
    expect(groups).toEqual([['a'], ['b', 'bad']]);
    await commit.commit('c');
    expect(groups.at(-1)).toEqual(['c']);
  });
});
