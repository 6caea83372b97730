import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CorruptRecordError } from '../../src/errors.js';
import { FOLDER_LAYOUT, FolderStore, TEMP_MAX_AGE_MS } from '../../src/store/folder-store.js';
import { freshRunExtras, type RunRecord, type TaskRecord } from '../../src/store/records.js';
import type { Mutation } from '../../src/store/store.js';
import { taskRecord, useStoreKit } from '../fixtures/store/kit.js';

const kit = useStoreKit();

const CONCURRENT_INCREMENTS = 50;

/** A FolderStore on `folder` whose lock compromises fail the test. */
function open(folder: string): FolderStore {
  return new FolderStore(folder, (file, error) => { throw new Error(`lock ${file} compromised: ${error.message}`); });
}

function newFolder(): string {
  return path.join(kit.tmpDir(), 'exec');
}

function put(store: FolderStore, name: string, restarts = 0): Promise<void> {
  return store.mutateTask(name, async () => ({ record: taskRecord(name, restarts), result: undefined }));
}

function increment(store: FolderStore, name: string): Promise<number> {
  return store.mutateTask(name, async (current): Promise<Mutation<number>> => {
    const next = current!.state.restarts + 1;
    await new Promise((r) => setImmediate(r)); // give other callers a chance to interleave, were they not serialised
    return { record: { ...current!, state: { ...current!.state, restarts: next } }, result: next };
  });
}

function fileOf(folder: string, name: string): TaskRecord {
  return JSON.parse(readFileSync(path.join(folder, 'tasks', `${name}.json`), 'utf8')) as TaskRecord;
}

function journalLines(folder: string): string[] {
  return readFileSync(path.join(folder, FOLDER_LAYOUT.journal), 'utf8').split('\n').filter(Boolean);
}

function run(task: string, runId: string, extra: Partial<RunRecord> = {}): RunRecord {
  return {
    formatVersion: 1, runId, task, trigger: 'manual', scheduledFor: null, startedAt: '2026-01-01T00:00:00.000Z', pid: 1, pidStartTime: 1,
    bootId: 'boot', endedAt: null, exitCode: null, signal: null, exitUnknown: false, stopped: false, outputFile: `${task}.txt`,
    errorFile: null, triggerTime: null, queuedAt: null, timedOut: false, killedFor: null, ...freshRunExtras('2026-01-01T00:00:00.000Z'), ...extra,
  };
}

describe('FolderStore: tasks', () => {
  it('creates tasks/, runs/ and locks/ on open', () => {
    const folder = newFolder();
    open(folder);
    expect(readdirSync(folder).sort()).toEqual(['locks', 'runs', 'tasks']);
  });

  it('mutateTask writes the record with rev + 1 and appends the name to the journal', async () => {
    const folder = newFolder();
    const store = open(folder);
    expect(await store.readTask('alpha')).toBeNull();
    const result = await store.mutateTask('alpha', async (current) => {
      expect(current).toBeNull();
      return { record: { ...taskRecord('alpha'), rev: 99 }, result: 'made' };
    });
    expect(result).toBe('made');
    const first = fileOf(folder, 'alpha');
    expect(first).toMatchObject({ formatVersion: 1, rev: 1, task: { name: 'alpha' } });
    expect(Date.parse(first.updatedAt)).not.toBeNaN();
    expect(journalLines(folder)).toEqual(['alpha']);

    await store.mutateTask('alpha', async (current) => {
      expect(current).toEqual(first);
      return { record: { ...current!, state: { ...current!.state, restarts: 3 } }, result: undefined };
    });
    expect(fileOf(folder, 'alpha')).toMatchObject({ rev: 2, state: { restarts: 3 } });
    expect(await store.readTask('alpha')).toEqual(fileOf(folder, 'alpha'));
    expect(journalLines(folder)).toEqual(['alpha', 'alpha']);
    expect(readdirSync(path.join(folder, 'tasks'))).toEqual(['alpha.json']); // no temp files
    expect(readdirSync(path.join(folder, 'locks'))).toEqual([]); // the lock is released
  });

  it('a null record writes nothing and journals nothing, but returns the result', async () => {
    const folder = newFolder();
    const store = open(folder);
    await put(store, 'alpha');
    const rev = fileOf(folder, 'alpha').rev;
    expect(await store.mutateTask('alpha', async () => ({ record: null, result: 7 }))).toBe(7);
    expect(await store.mutateTask('ghost', async () => ({ record: null, result: 8 }))).toBe(8);
    expect(fileOf(folder, 'alpha').rev).toBe(rev);
    expect(existsSync(path.join(folder, 'tasks', 'ghost.json'))).toBe(false);
    expect(journalLines(folder)).toEqual(['alpha']);
  });

  it('a throwing callback writes nothing and releases the lock', async () => {
    const folder = newFolder();
    const store = open(folder);
    await expect(store.mutateTask('alpha', async () => { throw new Error('nope'); })).rejects.toThrow('nope');
    expect(existsSync(path.join(folder, 'tasks', 'alpha.json'))).toBe(false);
    await put(store, 'alpha');
    expect(fileOf(folder, 'alpha').rev).toBe(1);
  });

  it('waits for side writes before returning', async () => {
    const folder = newFolder();
    const store = open(folder);
    let sideDone = false;
    const side = new Promise<void>((resolve) => setImmediate(() => { sideDone = true; resolve(); }));
    await store.mutateTask('alpha', async () => ({ record: taskRecord('alpha'), result: undefined, sideWrites: [side] }));
    expect(sideDone).toBe(true);
  });

  it('serialises concurrent mutateTask calls on one name in one process: no lost update', async () => {
    const folder = newFolder();
    const store = open(folder);
    await put(store, 'counter');
    const results = await Promise.all(Array.from({ length: CONCURRENT_INCREMENTS }, () => increment(store, 'counter')));
    expect(results.sort((a, b) => a - b)).toEqual(Array.from({ length: CONCURRENT_INCREMENTS }, (_, i) => i + 1));
    expect(fileOf(folder, 'counter')).toMatchObject({ rev: CONCURRENT_INCREMENTS + 1, state: { restarts: CONCURRENT_INCREMENTS } });
  });

  it('serialises mutateTask across two stores on one folder (the lock directory, not only the in-memory queue)', async () => {
    const folder = newFolder();
    const a = open(folder);
    const b = open(folder);
    await put(a, 'counter');
    const half = CONCURRENT_INCREMENTS / 2;
    await Promise.all(Array.from({ length: CONCURRENT_INCREMENTS }, (_, i) => increment(i < half ? a : b, 'counter')));
    expect(fileOf(folder, 'counter').state.restarts).toBe(CONCURRENT_INCREMENTS);
  });

  it('serialises mutateTask across processes: a child and this process increment one counter', async () => {
    const folder = newFolder();
    const store = open(folder);
    await put(store, 'counter');
    const half = CONCURRENT_INCREMENTS / 2;
    const child = kit.child(['increment', folder, 'counter', String(half)]);
    await Promise.all(Array.from({ length: half }, () => increment(store, 'counter')));
    expect(await child.exited, child.stderr()).toBe(0);
    expect(child.lines).toEqual([{ done: half }]);
    expect(fileOf(folder, 'counter').state.restarts).toBe(CONCURRENT_INCREMENTS);
  });

  it('deletes a record (journalled), and deleting an absent one is fine', async () => {
    const folder = newFolder();
    const store = open(folder);
    await put(store, 'alpha');
    await put(store, 'beta');
    expect([...(await store.table()).records.keys()]).toEqual(['alpha', 'beta']);
    expect(await store.mutateTask('alpha', async () => ({ record: 'delete', result: 'gone' }))).toBe('gone');
    expect(existsSync(path.join(folder, 'tasks', 'alpha.json'))).toBe(false);
    expect(await store.readTask('alpha')).toBeNull();
    expect([...(await store.table()).records.keys()]).toEqual(['beta']);
    await store.mutateTask('never', async () => ({ record: 'delete', result: undefined }));
    expect(journalLines(folder)).toEqual(['alpha', 'beta', 'alpha', 'never']);
    // A re-added task starts again at rev 1.
    await put(store, 'alpha');
    expect(fileOf(folder, 'alpha').rev).toBe(1);
  });
});

describe('FolderStore: table()', () => {
  it('returns records sorted by name, one read-only view until the table changes', async () => {
    const store = open(newFolder());
    for (const name of ['b', 'C', 'a', 'a.2']) await put(store, name);
    const table = await store.table();
    expect([...table.records.keys()]).toEqual(['C', 'a', 'a.2', 'b']);
    expect(table.errors.size).toBe(0);
    expect(await store.table(), 'unchanged: the same view, not a new sorted copy').toBe(table);
    await put(store, 'a.1');
    const after = await store.table();
    expect(after).not.toBe(table);
    expect([...after.records.keys()]).toEqual(['C', 'a', 'a.1', 'a.2', 'b']);
    expect([...table.records.keys()], 'a view handed out earlier is left as it was').toEqual(['C', 'a', 'a.2', 'b']);
  });

  it('a second store on the folder sees another store\'s changes incrementally, through the journal', async () => {
    const folder = newFolder();
    const writer = open(folder);
    const reader = open(folder);
    await put(writer, 'alpha');
    await put(writer, 'beta');
    let table = await reader.table();
    expect([...table.records.keys()]).toEqual(['alpha', 'beta']);

    // A record dropped in without a journal line: an incremental pass must not read it (it reads only journalled names).
    writeFileSync(path.join(folder, 'tasks', 'sneaky.json'), 'garbage');
    await increment(writer, 'alpha');
    await put(writer, 'gamma', 5);
    await writer.mutateTask('beta', async () => ({ record: 'delete', result: undefined }));
    table = await reader.table();
    expect([...table.records.keys()]).toEqual(['alpha', 'gamma']);
    expect(table.records.get('alpha')).toMatchObject({ rev: 2, state: { restarts: 1 } });
    expect(table.records.get('gamma')).toMatchObject({ rev: 1, state: { restarts: 5 } });
    expect(table.errors.size).toBe(0);

    // A full pass re-reads every file, and so finds it.
    table = await reader.table({ full: true });
    expect([...table.records.keys()]).toEqual(['alpha', 'gamma']);
    expect([...table.errors.keys()]).toEqual(['sneaky']);
  });

  it('reloads everything when the journal is replaced (compaction)', async () => {
    const folder = newFolder();
    const writer = open(folder);
    const reader = open(folder);
    await put(writer, 'alpha');
    await reader.table();
    await put(writer, 'beta');
    // Compaction replaces the journal by an empty file: the reader cannot know what changed.
    writeFileSync(path.join(folder, 'journal.new'), '');
    renameSync(path.join(folder, 'journal.new'), path.join(folder, FOLDER_LAYOUT.journal));
    expect([...(await reader.table()).records.keys()]).toEqual(['alpha', 'beta']);
  });

  it('reports a corrupt file in errors (CorruptRecordError naming it) while the others load', async () => {
    const folder = newFolder();
    const store = open(folder);
    await put(store, 'good');
    await put(store, 'also-good');
    const garbage = path.join(folder, 'tasks', 'bad.json');
    const misnamed = path.join(folder, 'tasks', 'misnamed.json');
    writeFileSync(garbage, '{ not json');
    writeFileSync(misnamed, JSON.stringify(taskRecord('someone-else')));
    writeFileSync(path.join(folder, 'tasks', 'good.json.1234.abcd1234.tmp'), 'half a temp file'); // ignored
    const table = await open(folder).table();
    expect([...table.records.keys()]).toEqual(['also-good', 'good']);
    expect([...table.errors.keys()].sort()).toEqual(['bad', 'misnamed']);
    for (const [name, file] of [['bad', garbage], ['misnamed', misnamed]] as const) {
      const error = table.errors.get(name)!;
      expect(error).toBeInstanceOf(CorruptRecordError);
      expect(error).toMatchObject({ code: 'ERR_CORRUPT_RECORD', file });
      expect(error.message).toContain(file);
    }
    await expect(store.readTask('bad')).rejects.toBeInstanceOf(CorruptRecordError);
  });

  it('moves a record between records and errors as it is broken and repaired', async () => {
    const folder = newFolder();
    const writer = open(folder);
    const reader = open(folder);
    await put(writer, 'alpha');
    await put(writer, 'beta');
    await reader.table();
    const file = path.join(folder, 'tasks', 'alpha.json');
    const good = readFileSync(file, 'utf8');
    writeFileSync(file, '{');
    let table = await reader.table({ full: true });
    expect([...table.records.keys()]).toEqual(['beta']);
    expect([...table.errors.keys()]).toEqual(['alpha']);
    writeFileSync(file, good);
    table = await reader.table({ full: true });
    expect([...table.records.keys()]).toEqual(['alpha', 'beta']);
    expect(table.errors.size).toBe(0);
  });

  it('a removed file disappears from a full pass even without a journal line', async () => {
    const folder = newFolder();
    const store = open(folder);
    await put(store, 'alpha');
    await put(store, 'beta');
    await store.table();
    unlinkSync(path.join(folder, 'tasks', 'alpha.json'));
    expect([...(await store.table({ full: true })).records.keys()]).toEqual(['beta']);
  });
});

describe('FolderStore: run ledger', () => {
  it('writes, reads and lists runs oldest first (by run id), skipping unreadable files', async () => {
    const folder = newFolder();
    const store = open(folder);
    const ids = ['20260101-000003-000-cccccc', '20260101-000001-000-aaaaaa', '20260101-000002-000-bbbbbb'];
    for (const id of ids) await store.writeRun(run('alpha', id));
    await store.writeRun(run('beta', '20250101-000000-000-000000'));
    writeFileSync(path.join(folder, 'runs', 'alpha', '20260101-000004-000-dddddd.json'), 'garbage');
    writeFileSync(path.join(folder, 'runs', 'alpha', '20260101-000001-000-aaaaaa.exit'), '0\n');
    expect((await store.listRuns('alpha')).map((r) => r.runId)).toEqual([...ids].sort());
    expect((await store.listRuns('beta')).map((r) => r.runId)).toEqual(['20250101-000000-000-000000']);
    expect(await store.listRuns('nobody')).toEqual([]);
    expect(await store.readRun('alpha', ids[0]!)).toEqual(run('alpha', ids[0]!));
    expect(await store.readRun('alpha', 'missing')).toBeNull();
    await expect(store.readRun('alpha', '20260101-000004-000-dddddd')).rejects.toBeInstanceOf(CorruptRecordError);
    expect(store.statusFile('alpha', ids[0]!)).toBe(path.join(folder, 'runs', 'alpha', `${ids[0]}.exit`));
  });

  it('updateRun merges a patch in order with other writes of that run, and is a no-op for an absent run', async () => {
    const folder = newFolder();
    const store = open(folder);
    const id = '20260101-000001-000-aaaaaa';
    // Not awaited one by one: they must still apply in call order.
    await Promise.all([
      store.writeRun(run('alpha', id)),
      store.updateRun('alpha', id, { endedAt: '2026-01-01T00:00:05.000Z', exitCode: 1 }),
      store.updateRun('alpha', id, { outputFile: 'alpha_20260101-000001.txt' }),
    ]);
    expect(await store.readRun('alpha', id)).toEqual(run('alpha', id, { endedAt: '2026-01-01T00:00:05.000Z', exitCode: 1, outputFile: 'alpha_20260101-000001.txt' }));
    await store.updateRun('alpha', 'missing', { exitCode: 3 });
    expect(existsSync(path.join(folder, 'runs', 'alpha', 'missing.json'))).toBe(false);
  });

  it('deleteRuns removes the task\'s ledger only', async () => {
    const folder = newFolder();
    const store = open(folder);
    await store.writeRun(run('alpha', '1'));
    await store.writeRun(run('beta', '1'));
    await store.deleteRuns('alpha');
    await store.deleteRuns('nobody');
    expect(readdirSync(path.join(folder, 'runs'))).toEqual(['beta']);
  });
});

describe('FolderStore: sweep()', () => {
  it('removes only temp files older than TEMP_MAX_AGE_MS, in tasks/, runs/<task>/ and the root', async () => {
    const folder = newFolder();
    const store = open(folder);
    await put(store, 'alpha');
    await store.writeRun(run('alpha', '1'));
    mkdirSync(path.join(folder, 'runs', 'beta'));
    const old = (Date.now() - TEMP_MAX_AGE_MS - 60_000) / 1000;
    const files = {
      oldTask: path.join(folder, 'tasks', 'alpha.json.111.aaaaaaaa.tmp'),
      oldRun: path.join(folder, 'runs', 'alpha', '1.json.111.bbbbbbbb.tmp'),
      oldOtherRun: path.join(folder, 'runs', 'beta', '2.json.111.cccccccc.tmp'),
      oldRoot: path.join(folder, 'supervisor.json.111.dddddddd.tmp'),
      freshTask: path.join(folder, 'tasks', 'alpha.json.222.eeeeeeee.tmp'),
      freshRoot: path.join(folder, 'executor.json.222.ffffffff.tmp'),
      oldNotTemp: path.join(folder, 'tasks', 'notes.txt'),
      oldOutput: path.join(folder, 'alpha.txt'),
    };
    for (const file of Object.values(files)) writeFileSync(file, 'x');
    for (const file of [files.oldTask, files.oldRun, files.oldOtherRun, files.oldRoot, files.oldNotTemp, files.oldOutput]) utimesSync(file, old, old);
    expect(await store.sweep()).toBe(4);
    const left = Object.entries(files).filter(([, f]) => existsSync(f)).map(([k]) => k);
    expect(left).toEqual(['freshTask', 'freshRoot', 'oldNotTemp', 'oldOutput']);
    expect(existsSync(path.join(folder, 'tasks', 'alpha.json'))).toBe(true);
    expect(existsSync(path.join(folder, 'runs', 'alpha', '1.json'))).toBe(true);
    expect(await store.sweep()).toBe(0);
  });
});

describe('FolderStore: log and lease', () => {
  it('appends to executor.log in the folder', async () => {
    const folder = newFolder();
    const store = open(folder);
    expect(store.logFile).toBe(path.join(folder, FOLDER_LAYOUT.log));
    void store.appendLog('one');
    void store.appendLog('two');
    await store.flushLog();
    expect(readFileSync(store.logFile, 'utf8')).toBe('one\ntwo\n');
  });

  it('takes the lease in supervisor.lock / supervisor.json of the folder', async () => {
    const folder = newFolder();
    const store = open(folder);
    const holder = { kind: 'supervisor' as const, pid: process.pid, pidStartTime: null, bootId: null, executorId: 'x' };
    const lease = await store.acquireLease(holder, () => true, () => undefined);
    expect(existsSync(path.join(folder, FOLDER_LAYOUT.leaseLock))).toBe(true);
    expect(JSON.parse(readFileSync(path.join(folder, FOLDER_LAYOUT.leaseHolder), 'utf8'))).toMatchObject({ pid: process.pid, executorId: 'x' });
    await expect(open(folder).acquireLease(holder, () => true, () => undefined)).rejects.toMatchObject({ code: 'ERR_LEASE_HELD', holderPid: process.pid });
    await lease.release();
    expect(existsSync(path.join(folder, FOLDER_LAYOUT.leaseHolder))).toBe(false);
  });
});
