// Issue 12 item 8: a torn last line in journal.log (a writer killed or out of space mid-append) must not hide the next
// change: every append starts on a fresh line, and readers skip (and count) lines that are not task names.
import { appendFileSync, copyFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Journal } from '../../src/store/journal.js';
import { FolderStore } from '../../src/store/folder-store.js';
import { fixture, useExecutors } from '../helpers/executor.js';
import { taskRecord } from '../fixtures/store/kit.js';

const kit = useExecutors();

describe('journal.log after a torn append (issue 12 item 8)', () => {
  it('an append after a torn line starts on a fresh line', async () => {
    const file = path.join(kit.tmpDir(), 'journal.log');
    const writer = new Journal(file);
    await writer.append('first');
    appendFileSync(file, 'half-wri'); // a writer killed mid-line
    await writer.append('next');
    await writer.append('after');
    expect(readFileSync(file, 'utf8')).toBe('first\nhalf-wri\nnext\nafter\n');
  });

  it('a reader gets the name after a torn line, and skips and counts lines that are not task names', async () => {
    const file = path.join(kit.tmpDir(), 'journal.log');
    const writer = new Journal(file);
    const reader = new Journal(file);
    await writer.append('first');
    await reader.markSeen();
    appendFileSync(file, Buffer.from([0x77, 0x65, 0x62, 0x00, 0x00, 0xff])); // "web", NULs and a bad byte: torn
    await writer.append('fresh');
    appendFileSync(file, 'two words\n/etc/passwd\n\n');
    await writer.append('last');
    expect(await reader.changes()).toEqual({ kind: 'names', names: new Set(['fresh', 'last']) });
    expect(reader.skippedLines).toBe(3);
  });

  it('a long-lived Executor sees a task another Executor adds after a torn journal line', async () => {
    const { ex: longLived, dir } = kit.make();
    copyFileSync(fixture('once.js'), path.join(dir, 'once.js'));
    await longLived.addTask('old', 'once.js', { wd: dir });
    expect((await longLived.listTasks()).map((r) => r.name)).toEqual(['old']);
    appendFileSync(path.join(longLived.folder, 'journal.log'), 'ol'); // torn: a writer killed while journalling "old"
    const other = kit.open(longLived.folder);
    await other.addTask('added', 'once.js', { wd: dir });
    expect((await longLived.listTasks()).map((r) => r.name)).toEqual(['added', 'old']);
  });

  it('a store counts the skipped lines of its journal reads', async () => {
    const folder = path.join(kit.tmpDir(), 'exec');
    const reader = new FolderStore(folder, () => undefined);
    const writer = new FolderStore(folder, () => undefined);
    await writer.mutateTask('first', async () => ({ record: taskRecord('first'), result: null }));
    await reader.table();
    appendFileSync(path.join(folder, 'journal.log'), '\0\0\0\0');
    await writer.mutateTask('alpha', async () => ({ record: taskRecord('alpha'), result: null }));
    expect([...(await reader.table()).records.keys()]).toEqual(['alpha', 'first']);
    expect(reader.skippedJournalLines).toBe(1);
  });
});
