// Issue 12 item 7: a folder's bad entries (a task file holding `null`, a folder at tasks/<name>.json) are corrupt
// records: one ERR_CORRUPT_RECORD warning naming the file, the other tasks keep working, and add without replace
// never overwrites them. The store can overwrite or delete them when asked (`corrupt: 'absent'`).
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CorruptRecordError } from '../../src/errors.js';
import type { WarningEvent } from '../../src/events.js';
import { FolderStore } from '../../src/store/folder-store.js';
import { T } from '../helpers/time.js';
import { fixture, useExecutors } from '../helpers/executor.js';
import { taskRecord } from '../fixtures/store/kit.js';

const kit = useExecutors();

// An Executor with tasks `good` and `bad`, whose record is then replaced by `breakIt` (before the Executor first loads
// the table, as a hand edit found by a later process); warnings are collected.
async function withBadTask(breakIt: (file: string) => void) {
  const { ex, dir } = kit.make();
  copyFileSync(fixture('once.js'), path.join(dir, 'once.js'));
  await ex.addTask('good', 'once.js', { wd: dir });
  await ex.addTask('bad', 'once.js', { wd: dir });
  const file = path.join(ex.folder, 'tasks', 'bad.json');
  breakIt(file);
  const warnings: WarningEvent[] = [];
  ex.on('warning', (w) => warnings.push(w));
  return { ex, dir, file, warnings };
}

const SHAPES: Array<[string, (file: string) => void]> = [
  ['a file holding null', (file) => writeFileSync(file, 'null\n')],
  ['a folder at tasks/bad.json', (file) => {
    unlinkSync(file);
    mkdirSync(file);
    writeFileSync(path.join(file, 'inside.txt'), 'x'); // not empty: a rename over it would fail
  }],
];

describe('a bad entry in tasks/ (issue 12 item 7)', () => {
  it.each(SHAPES)('%s: one ERR_CORRUPT_RECORD warning naming the file, the other tasks listed', async (_label, breakIt) => {
    const { ex, file, warnings } = await withBadTask(breakIt);
    expect((await ex.listTasks()).map((r) => r.name)).toEqual(['good']);
    expect((await ex.listTasks()).map((r) => r.name)).toEqual(['good']);
    const corrupt = warnings.filter((w) => w.code === 'ERR_CORRUPT_RECORD');
    expect(corrupt).toHaveLength(1);
    expect(corrupt[0]).toMatchObject({ name: 'bad' });
    expect(corrupt[0]!.message).toContain(file);
    expect((await ex.tick()).errors).toEqual(['bad']);
  });

  it.each(SHAPES)('%s: startAll starts the others and gives the bad one an error row', async (_label, breakIt) => {
    const { ex } = await withBadTask(breakIt);
    const rows = await ex.startAll();
    expect(rows.find((r) => r.name === 'good')).toMatchObject({ result: 'started' });
    expect(rows.find((r) => r.name === 'bad')).toMatchObject({ result: 'error', code: 'ERR_CORRUPT_RECORD' });
    await ex.waitFor('good', 'succeeded', { timeout: T(10_000) });
  });

  it.each(SHAPES)('%s: addTask without replace rejects with ERR_CORRUPT_RECORD and leaves it as it is', async (_label, breakIt) => {
    const { ex, dir, file } = await withBadTask(breakIt);
    const before = existsSync(path.join(file, 'inside.txt')) ? 'folder' : readFileSync(file, 'utf8');
    const error = await ex.addTask('bad', 'once.js', { wd: dir }).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(CorruptRecordError);
    expect(error).toMatchObject({ code: 'ERR_CORRUPT_RECORD', file });
    expect(existsSync(path.join(file, 'inside.txt')) ? 'folder' : readFileSync(file, 'utf8')).toBe(before);
  });
});

describe("FolderStore.mutateTask with corrupt: 'absent'", () => {
  function store(folder: string): FolderStore {
    return new FolderStore(folder, () => undefined);
  }

  it.each(SHAPES)('%s: is handed null, and overwrites it with a new record', async (_label, breakIt) => {
    const folder = path.join(kit.tmpDir(), 'exec');
    const s = store(folder);
    await s.mutateTask('bad', async () => ({ record: taskRecord('bad'), result: null }));
    const file = path.join(folder, 'tasks', 'bad.json');
    breakIt(file);
    await expect(s.mutateTask('bad', async () => ({ record: taskRecord('bad'), result: null }))).rejects.toBeInstanceOf(CorruptRecordError);
    let seen: unknown = 'not called';
    await s.mutateTask('bad', async (current) => {
      seen = current;
      return { record: taskRecord('bad', 7), result: null };
    }, { corrupt: 'absent' });
    expect(seen).toBeNull();
    expect(await s.readTask('bad')).toMatchObject({ rev: 1, state: { restarts: 7 } });
    const table = await store(folder).table();
    expect([...table.records.keys()]).toEqual(['bad']);
    expect(table.errors.size).toBe(0);
    expect(readdirSync(path.join(folder, 'tasks'))).toEqual(['bad.json']);
  });

  it.each(SHAPES)('%s: deletes it', async (_label, breakIt) => {
    const folder = path.join(kit.tmpDir(), 'exec');
    const s = store(folder);
    await s.mutateTask('bad', async () => ({ record: taskRecord('bad'), result: null }));
    breakIt(path.join(folder, 'tasks', 'bad.json'));
    await s.mutateTask('bad', async () => ({ record: 'delete', result: null }), { corrupt: 'absent' });
    expect(readdirSync(path.join(folder, 'tasks'))).toEqual([]);
    expect((await s.table()).errors.size).toBe(0);
  });
});
