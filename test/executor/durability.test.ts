// Crash safety: a kill -9'd writer leaves a readable, usable folder; a corrupted record is logged and skipped
// by the supervisor while the other tasks keep being restarted.
import { describe, expect, it } from 'vitest';
import { CorruptRecordError, type WarningEvent } from '../../src/index.js';
import { clusterUrl, editStoredRecord, storedRecords } from '../helpers/executor.js';
import { collect, eventOf, superviseFixture, supervising, useFolders } from '../helpers/folder.js';
import { waitUntil } from '../helpers/wait.js';
import { T } from '../helpers/time.js';

const kit = useFolders();
const wd = superviseFixture('.');

// Every stored record parses and names its own task (the folder's tasks/*.json, or the cluster's rows).
function parseAllTaskFiles(folder: string): string[] {
  const records = storedRecords(folder);
  for (const [name, record] of records) expect((record as { task: { name: string } }).task.name).toBe(name);
  return [...records.keys()];
}

describe('durability', () => {
  it('kill -9 of a writer looping add/start/stop/remove leaves a readable, usable folder', async () => {
    const folder = kit.folder();
    kit.open(folder);
    // A shell that sleeps: each of the writer's starts costs next to no CPU (a Node script per start made this test
    // CPU-bound on a loaded machine). The writer's death is the point, not what the tasks run.
    const script = superviseFixture('hold.sh');
    for (const iterations of [7, 12]) {
      const writer = kit.driver(['writer', folder, script]);
      // The wait fails at once if the writer ends by itself (see json-child.ts), and its deadline scales in waitUntil.
      await writer.line((l) => typeof l.iter === 'number' && l.iter >= iterations, 45_000);
      writer.child.kill('SIGKILL');
      await writer.exited;
      const ex = kit.open(folder);
      const rows = await ex.listTasks();
      expect(rows.every((r) => /^(w\d|after)$/.test(r.name))).toBe(true);
      expect(parseAllTaskFiles(folder).length).toBe(rows.length);
      await ex.addTask('after', 'hold.sh', { wd, replace: true });
      expect((await ex.startTask('after')).result).toBe('started');
      // The writer's own tasks can still be driven.
      for (const row of rows) {
        expect(['started', 'already running']).toContain((await ex.startTask(row.name)).result);
        expect((await ex.stopTask(row.name)).result).toBe('stopped');
      }
      await ex.stopTask('after');
      expect((await ex.listTasks()).every((r) => r.status === 'stopped')).toBe(true);
      parseAllTaskFiles(folder);
    }
  }, T(120_000)); // a lock left by the killed writer goes stale after 5 s: generous deadline (and a loaded CI box)

  it('a corrupted task record is logged and skipped by the supervisor; the other tasks keep being restarted', async () => {
    const folder = kit.folder();
    const setup = kit.open(folder);
    await setup.addTask('good', 'crash.js', { wd, env: { CRASH_AFTER_MS: 200 } });
    await setup.addTask('garbled', 'loop.js', { wd });
    await setup.addTask('edited', 'loop.js', { wd });
    // A cut file (in a cluster, whose rows are always JSON: a record of the wrong shape), and a bad hand edit.
    const garbled = editStoredRecord(folder, 'garbled', () => (clusterUrl() === undefined ? '{ "formatVersion": 1, "task": ' : '{ "formatVersion": 1, "task": "cut" }'));
    const edited = editStoredRecord(folder, 'edited', (text) => {
      const record = JSON.parse(text) as { state: { status: string } };
      record.state.status = 'sleepy';
      return JSON.stringify(record);
    });

    const ex = kit.open(folder);
    const warnings: WarningEvent[] = collect(ex, 'warning');
    const errors = collect(ex, 'error');
    const handle = kit.supervise(ex, { sleep: 1 });
    await supervising(ex, handle);
    await ex.startTask('good');
    await eventOf(ex, 'restart', (e) => e.name === 'good' && e.restarts >= 2, 20_000);
    await waitUntil(() => warnings.filter((w) => w.code === 'ERR_CORRUPT_RECORD').length >= 2, { what: 'two corrupt-record warnings' });
    const corrupt = warnings.filter((w) => w.code === 'ERR_CORRUPT_RECORD');
    expect(corrupt.find((w) => w.name === 'garbled')!.message).toContain(garbled);
    expect(corrupt.find((w) => w.name === 'edited')!.message).toContain(edited);
    const log = await ex.readLog();
    expect(log.some((l) => l.includes('Skipping task garbled') && l.includes(garbled))).toBe(true);
    expect(log.some((l) => l.includes('Skipping task edited') && l.includes(edited))).toBe(true);
    // The supervisor is still alive and supervising.
    const report = await ex.tick();
    expect(report.supervised).toBe(true);
    expect(report.errors.sort()).toEqual(['edited', 'garbled']);
    expect(errors).toEqual([]);
    expect((await ex.listTasks()).map((r) => r.name)).toEqual(['good']);
    // Direct calls on the bad task name the file.
    const error = await ex.startTask('garbled').then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(CorruptRecordError);
    expect((error as CorruptRecordError).file).toBe(garbled);
    expect((error as Error).message).toContain(garbled);
    // Still restarting good after all that.
    await eventOf(ex, 'restart', (e) => e.name === 'good', 20_000);
  });
});
