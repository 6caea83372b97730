// Regression tests for the supervisor's robustness: ledgers, bad records, failed launches, leases, nextRun.
import { copyFileSync, readdirSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { waitUntil } from '../helpers/wait.js';
import { editStoredRecord, fixture, nextEvent, storedRuns, useExecutors } from '../helpers/executor.js';
import { T } from '../helpers/time.js';

const kit = useExecutors();

function ledger(folder: string, name: string): Array<Record<string, unknown>> {
  return storedRuns(folder, name) as unknown as Array<Record<string, unknown>>;
}

describe('supervisor robustness', () => {
  it('records endedAt and exitCode of every restarted run, and points each at its archive', async () => {
    const { ex, dir } = kit.make();
    copyFileSync(fixture('crash.js'), path.join(dir, 'crash.js'));
    await ex.addTask('crashy', 'crash.js', { wd: dir, maxRestarts: 3 });
    const sup = ex.keepRestarting({ sleep: 60 });
    try {
      const gaveUp = nextEvent(ex, 'warning', (w) => w.name === 'crashy' && w.message.includes('Giving up'));
      await ex.startTask('crashy');
      await gaveUp;
      await waitUntil(() => ledger(ex.folder, 'crashy').every((r) => r.endedAt !== null), { what: 'every run closed' });
      const runs = ledger(ex.folder, 'crashy');
      expect(runs).toHaveLength(4);
      for (const run of runs) expect(run).toMatchObject({ exitCode: 1, signal: null, exitUnknown: false });
      const archived = runs.slice(0, -1).map((r) => r.outputFile as string);
      for (const file of archived) expect(file).toMatch(/^crashy_\d{8}-\d{6}(-\d+)?\.txt$/);
      expect(runs.at(-1)!.outputFile).toBe('crashy.txt');
    } finally {
      await sup.stop();
    }
  });

  it('skips a record with a hand-edited bad period, names its file, and keeps supervising the others', async () => {
    const { ex, dir } = kit.make();
    copyFileSync(fixture('crash.js'), path.join(dir, 'crash.js'));
    await ex.addTask('good', 'crash.js', { wd: dir });
    await ex.addTask('bad', 'crash.js', { wd: dir, infiniteLoop: false, period: '2 min' });
    const file = editStoredRecord(ex.folder, 'bad', (text) => text.replace('"2 min"', '"2 minz"'));
    const warned = nextEvent(ex, 'warning', (w) => w.code === 'ERR_CORRUPT_RECORD' && w.message.includes(file));
    const sup = ex.keepRestarting({ sleep: 60 });
    try {
      await ex.startTask('good');
      await warned;
      await nextEvent(ex, 'start', (e) => e.name === 'good' && e.trigger === 'restart');
      const rows = await ex.listTasks();
      expect(rows.map((r) => r.name)).toEqual(['good']);
    } finally {
      await sup.stop();
    }
  });

  it('records a restart that cannot start (script deleted) as failed, with a warning, instead of retrying every pass', async () => {
    const { ex, dir } = kit.make();
    const script = path.join(dir, 'crash.js');
    copyFileSync(fixture('crash.js'), script);
    await ex.addTask('vanishing', 'crash.js', { wd: dir });
    const sup = ex.keepRestarting({ sleep: 60 });
    try {
      const warned = nextEvent(ex, 'warning', (w) => w.name === 'vanishing' && w.message.includes('Could not start'));
      await ex.startTask('vanishing');
      unlinkSync(script);
      await warned;
      const row = await ex.waitFor('vanishing', 'failed', { timeout: T(10_000) });
      expect(row).toMatchObject({ status: 'failed', pid: null, lastExitCode: 1 });
      await ex.tick();
      expect((await ex.listTasks())[0]).toMatchObject({ status: 'failed', pid: null });
    } finally {
      await sup.stop();
    }
  });

  it('a one-off tick() in another executor does not make keepRestarting fail', async () => {
    const { ex } = kit.make();
    const other = kit.open(ex.folder);
    const ticks = Promise.all([other.tick(), other.tick(), other.tick()]);
    const sup = ex.keepRestarting({ sleep: 60 });
    await ticks;
    let settled = false;
    sup.done.then(() => { settled = true; }, () => { settled = true; });
    await waitUntil(() => readdirSync(ex.folder).includes('supervisor.json'), { what: 'the lease to be held' });
    expect(settled).toBe(false);
    await sup.stop();
    await expect(sup.done).resolves.toBeUndefined();
  });

  it('shows the latest missed slot as nextRun after downtime (it is what catch-up will run)', async () => {
    const { dir } = kit.make();
    const now = Date.now();
    const past = kit.open(path.join(dir, 'exec'), { now: () => now - 10 * 60_000 });
    copyFileSync(fixture('crash.js'), path.join(dir, 'crash.js'));
    const anchor = new Date(now - 10 * 60_000 - 1000).toISOString();
    await past.addTask('every2', 'crash.js', { wd: dir, infiniteLoop: false, period: '2 min', start: anchor });
    await past.startTask('every2');
    const present = kit.open(path.join(dir, 'exec'));
    const [row] = await present.listRunningTasks({ nextRun: true });
    const expected = Date.parse(anchor) + Math.floor((Date.now() - Date.parse(anchor)) / 120_000) * 120_000;
    expect(Date.parse(row!.nextRun!)).toBe(expected);
    expect(Date.parse(row!.nextRun!)).toBeLessThanOrEqual(Date.now());
  });
});
