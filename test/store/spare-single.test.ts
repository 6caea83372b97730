// Issue 13: a single task's record writes (mutateTask, stageTask) and its run ledger writes reuse spare inodes, as
// batches do: the record is written into runs/<task>/.record.spare and the record it replaces becomes the spare once
// journalled; a run record is written into runs/<task>/.ledger.spare (taken by a rename) and the run record it
// replaces becomes that spare. On ext4 after much churn, each inode created or freed costs up to ~1 ms of kernel CPU.
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FolderStore } from '../../src/store/folder-store.js';
import { freshRunExtras, type RunRecord, type TaskRecord } from '../../src/store/records.js';
import { createSpare, LEDGER_SPARE_NAME, SPARE_NAME } from '../../src/store/spare.js';
import { spawnJsonLines, type JsonLinesChild } from '../helpers/json-child.js';
import { T } from '../helpers/time.js';
import { taskRecord, useStoreKit } from '../fixtures/store/kit.js';

const kit = useStoreKit();
const SPARE_CHILD = new URL('../fixtures/store/spare-child.mjs', import.meta.url).pathname;
const writers: JsonLinesChild<number | string | null>[] = [];
afterEach(async () => {
  for (const w of writers.splice(0)) {
    if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    await w.exited;
  }
});

// A child writing task a's record and run ledger over and over (test/fixtures/store/spare-child.mjs) until killed.
function startWriter(folder: string): JsonLinesChild<number | string | null> {
  const writer = spawnJsonLines(SPARE_CHILD, [folder], { execArgv: ['--import', 'tsx'], stdin: 'ignore', what: 'spare writer', mapExit: (code, signal) => code ?? signal });
  writers.push(writer);
  return writer;
}

function open(folder: string): FolderStore {
  return new FolderStore(folder, (file, error) => { throw new Error(`lock ${file} compromised: ${error.message}`); });
}

const recordFile = (folder: string): string => path.join(folder, 'tasks', 'a.json');
const runsDir = (folder: string): string => path.join(folder, 'runs', 'a');
const inode = (file: string): number => statSync(file).ino;
const tempFiles = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith('.tmp'));

function run(runId: string, extra: Partial<RunRecord> = {}): RunRecord {
  return {
    formatVersion: 1, runId, task: 'a', trigger: 'manual', scheduledFor: null, startedAt: '2026-01-01T00:00:00.000Z', pid: 1, pidStartTime: 1,
    bootId: 'boot', endedAt: null, exitCode: null, signal: null, exitUnknown: false, stopped: false, outputFile: 'a.txt',
    errorFile: null, triggerTime: null, queuedAt: null, timedOut: false, killedFor: null, ...freshRunExtras('2026-01-01T00:00:00.000Z'), ...extra,
  };
}

// A folder with task `a` added and its run folder with an empty record spare (as addTask makes them).
async function withTask(): Promise<{ folder: string; store: FolderStore }> {
  const folder = path.join(kit.tmpDir(), 'exec');
  const store = open(folder);
  await store.mutateTask('a', async () => ({ record: taskRecord('a'), result: undefined }));
  mkdirSync(runsDir(folder), { recursive: true });
  await createSpare(runsDir(folder));
  return { folder, store };
}

function bump(store: FolderStore, restarts: number): Promise<void> {
  return store.mutateTask('a', async (current) => ({ record: { ...current!, state: { ...current!.state, restarts } }, result: undefined }));
}

describe('spare files of single writes', () => {
  it('mutateTask writes the record into the spare and keeps the replaced record as the spare: two inodes take turns', async () => {
    const { folder, store } = await withTask();
    const spare = path.join(runsDir(folder), SPARE_NAME);
    let [record, kept] = [inode(recordFile(folder)), inode(spare)];
    for (let i = 1; i <= 4; i++) {
      await bump(store, i);
      expect(inode(recordFile(folder))).toBe(kept); // written into the spare: no file created
      expect(inode(spare)).toBe(record); // the replaced record kept: no inode freed
      [record, kept] = [kept, record];
    }
    expect(JSON.parse(readFileSync(recordFile(folder), 'utf8'))).toMatchObject({ rev: 5, state: { restarts: 4 } });
    expect(readdirSync(path.join(folder, 'tasks'))).toEqual(['a.json']);
    expect(tempFiles(runsDir(folder))).toEqual([]);
    expect([...(await open(folder).table({ full: true })).records.values()].map((r: TaskRecord) => r.state.restarts)).toEqual([4]);
  });

  it('a mutation whose journal append fails leaves the record byte for byte and the spare where it was', async () => {
    const { folder, store } = await withTask();
    await bump(store, 1);
    const before = readFileSync(recordFile(folder), 'utf8');
    const beforeRuns = readdirSync(runsDir(folder)).sort();
    const record = inode(recordFile(folder));
    const journal = path.join(folder, 'journal.log');
    unlinkSync(journal);
    mkdirSync(journal);
    await expect(bump(store, 2)).rejects.toMatchObject({ code: 'ERR_FOLDER' });
    expect(readFileSync(recordFile(folder), 'utf8')).toBe(before);
    expect(inode(recordFile(folder))).toBe(record);
    expect(readdirSync(runsDir(folder)).sort()).toEqual(beforeRuns);
    expect(readdirSync(path.join(folder, 'tasks'))).toEqual(['a.json']);
    expect(await open(folder).readTask('a')).toMatchObject({ rev: 2, state: { restarts: 1 } });
  });

  it('run ledger writes fill the ledger spare and keep each replaced run record as the next one', async () => {
    const { folder, store } = await withTask();
    const spare = path.join(runsDir(folder), LEDGER_SPARE_NAME);
    await store.writeRun(run('r1')); // no ledger spare yet: a temp file
    const launched = inode(path.join(runsDir(folder), 'r1.json'));
    await store.updateRun('a', 'r1', { exitCode: 0 });
    expect(inode(spare)).toBe(launched); // the launch record kept, not freed
    const closed = inode(path.join(runsDir(folder), 'r1.json'));
    await store.writeRun(run('r2'));
    expect(inode(path.join(runsDir(folder), 'r2.json'))).toBe(launched); // the next run's record fills it
    expect(existsSync(spare)).toBe(false);
    await store.updateRun('a', 'r2', { exitCode: 3 });
    expect(inode(path.join(runsDir(folder), 'r2.json'))).not.toBe(closed);
    expect(inode(spare)).toBe(launched);
    expect((await store.listRuns('a')).map((r) => [r.runId, r.exitCode])).toEqual([['r1', 0], ['r2', 3]]);
    expect(await store.readRun('a', 'r1')).toMatchObject({ runId: 'r1', exitCode: 0 });
    expect(tempFiles(runsDir(folder))).toEqual([]);
    await store.deleteRuns('a');
    expect(existsSync(runsDir(folder))).toBe(false); // the spares go with the run folder
  });

  it('a ledger spare that is another name of a run record (a kill between its link and the rename) is never written', async () => {
    const { folder, store } = await withTask();
    await store.writeRun(run('r1', { exitCode: 5 }));
    const r1 = path.join(runsDir(folder), 'r1.json');
    const text = readFileSync(r1, 'utf8');
    linkSync(r1, path.join(runsDir(folder), LEDGER_SPARE_NAME));
    await store.writeRun(run('r2'));
    expect(readFileSync(r1, 'utf8')).toBe(text);
    expect(await store.readRun('a', 'r2')).toMatchObject({ runId: 'r2' });
    expect(tempFiles(runsDir(folder))).toEqual([]);
  });

  it('kill -9 at any moment of record and ledger writes leaves a folder whose every record reads back', async () => {
    const folder = path.join(kit.tmpDir(), 'exec');
    const store = open(folder);
    await store.mutateTask('a', async () => ({ record: taskRecord('a'), result: undefined }));
    for (let round = 1; round <= 4; round++) {
      const writer = startWriter(folder);
      await writer.line((l) => typeof l.step === 'number' && l.step >= 3 + round * 2, 20_000);
      writer.child.kill('SIGKILL'); // somewhere in the next step's writes
      expect(await writer.exited).toBe('SIGKILL');
      const fresh = open(folder);
      const table = await fresh.table({ full: true });
      expect(table.errors.size).toBe(0);
      expect(table.records.get('a')?.state.restarts).toBeGreaterThan(0);
      const runs = await fresh.listRuns('a');
      const files = readdirSync(runsDir(folder)).filter((f) => f.endsWith('.json'));
      expect(runs.map((r) => `${r.runId}.json`)).toEqual(files.sort());
    }
  }, T(60_000));
});
