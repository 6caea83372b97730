// Issue 16, scheduled dependents under a supervisor: a slot of a `period` task whose dependency is down is held (queued
// with reason `dependency`, the task `waiting` with the reason) instead of run into a failure; slots that come
// meanwhile are skipped (one held run at most); the held slot runs once the dependency is ready, and the schedule goes
// on. Disabling a task that waits drops its held slot and leaves it `scheduled`, not `waiting`.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Executor } from '../../src/index.js';
import { collect, ledger, supervising } from '../helpers/folder.js';
import { useExecutors } from '../helpers/executor.js';
import { T } from '../helpers/time.js';
import { waitUntil } from '../helpers/wait.js';
import { taskFile } from '../executor/sched-kit.js';
import { depsFixture, readEntries, type LogEntry } from './kit.js';

const kit = useExecutors();
const HELD_SKIP = 'a run is already waiting for its dependencies';

const starts = (log: string, task: string): LogEntry[] => readEntries(log).filter((e) => e.what === 'start' && e.task === task);

// db (up, ready 100 ms after its start) and report (every second, depending on db), both started under a supervisor.
async function scheduledDependent(): Promise<{ ex: Executor; folder: string; log: string; stop: () => Promise<void> }> {
  const { ex, dir } = kit.make();
  const folder = path.join(dir, 'exec');
  const log = path.join(dir, 'log.txt');
  await ex.addTask('db', depsFixture('alive.cjs'), { wd: dir, env: { LOG: log }, ready: { afterMs: 100 } });
  await ex.addTask('report', depsFixture('once.cjs'), { wd: dir, env: { LOG: log }, period: '1 sec', infiniteLoop: false, dependsOn: ['db'] });
  const handle = ex.keepRestarting({ sleep: 1 });
  await supervising(ex, handle);
  expect((await ex.startTask('report')).result).toBe('scheduled'); // db started first, and waited for
  await waitUntil(() => starts(log, 'report').length >= 1, { what: 'a first run of report' });
  return { ex, folder, log, stop: () => handle.stop() };
}

const rowOf = async (ex: Executor, name: string) => (await ex.listTasks()).find((r) => r.name === name)!;

describe('a scheduled dependent under a supervisor', () => {
  it('holds its slot while its dependency is down (waiting, with the reason), skips later slots, runs the held one once it is ready', async () => {
    const { ex, folder, log, stop } = await scheduledDependent();
    const skips = collect(ex, 'skip');
    const queued = collect(ex, 'queue');
    try {
      await ex.stopTask('db');
      const waiting = await waitUntil(async () => { const r = await rowOf(ex, 'report'); return r.status === 'waiting' && r; }, { what: 'report waiting' });
      expect(waiting).toMatchObject({ waiting: 'db is stopped', queued: 1, pid: null });
      const ran = starts(log, 'report').length;
      const held = taskFile(folder, 'report').state.queue;
      expect(held).toHaveLength(1);
      expect(held[0]).toMatchObject({ reason: 'dependency', trigger: 'schedule' });
      expect(queued.filter((q) => q.name === 'report').map((q) => q.reason)).toEqual(['dependency']);

      // Two more slots come and go: skipped (one held run at most), nothing runs, the record keeps one held run.
      await waitUntil(() => skips.filter((s) => s.name === 'report' && s.reason === HELD_SKIP).length >= 2, { what: 'two slots skipped while one is held' });
      expect(starts(log, 'report')).toHaveLength(ran);
      expect(taskFile(folder, 'report').state.queue.map((q) => q.runId)).toEqual([held[0]!.runId]);
      expect(await rowOf(ex, 'report')).toMatchObject({ status: 'waiting', waiting: 'db is stopped' });
      expect((await ex.listRuns({ task: 'report' })).some((r) => r.runId === held[0]!.runId)).toBe(true);

      // db back: the held slot runs (not before db is ready), as the scheduled run it was; then the schedule goes on.
      const [dbRun] = await ex.startTask('db').then(() => ex.listRuns({ task: 'db', limit: 1 }));
      await waitUntil(() => starts(log, 'report').length > ran, { what: 'the held slot run' });
      const run = await waitUntil(() => ledger(folder, 'report').find((r) => r.runId === held[0]!.runId && r.endedAt !== null), { what: 'the held run recorded' });
      expect(run).toMatchObject({ scheduledFor: held[0]!.scheduledFor, exitCode: 0 });
      expect(Date.parse(run.startedAt)).toBeGreaterThanOrEqual(Date.parse(dbRun!.startedAt) + 100); // db ready: 100 ms up
      expect(['schedule', 'catch-up']).toContain(run.trigger);
      const after = await waitUntil(async () => { const r = await rowOf(ex, 'report'); return r.status === 'scheduled' && r; }, { what: 'report scheduled again' });
      expect(after).toMatchObject({ waiting: null, queued: 0 });
      expect(taskFile(folder, 'report').state.waitingFor ?? null).toBeNull();
      await waitUntil(() => starts(log, 'report').length >= ran + 2, { what: 'the next slot run' });
    } finally {
      await stop();
    }
  }, T(40_000));

  it('disabled while it waits: the held slot is dropped and the task is left scheduled; enabled again it waits again; cancelRun and stopTask', async () => {
    const { ex, folder, log, stop } = await scheduledDependent();
    const skips = collect(ex, 'skip');
    try {
      await ex.stopTask('db');
      await waitUntil(async () => (await rowOf(ex, 'report')).status === 'waiting', { what: 'report waiting' });
      const ran = starts(log, 'report').length;

      await ex.disableTask('report');
      await waitUntil(() => skips.some((s) => s.name === 'report' && s.reason === 'the task is disabled'), { what: 'the held slot dropped' });
      const disabled = await waitUntil(async () => { const r = await rowOf(ex, 'report'); return r.queued === 0 && r.status !== 'waiting' && r; }, { what: 'report not waiting' });
      expect(disabled).toMatchObject({ status: 'scheduled', enabled: false, waiting: null });
      expect(taskFile(folder, 'report').state.waitingFor ?? null).toBeNull();

      // Enabled again while db is still down: its next slot is held again.
      await ex.enableTask('report');
      const again = await waitUntil(async () => { const r = await rowOf(ex, 'report'); return r.status === 'waiting' && r; }, { what: 'report waiting again' });
      expect(again).toMatchObject({ waiting: 'db is stopped', queued: 1, enabled: true });

      // cancelRun of the held run: dropped (cancelled); the task is not restarted, its next slot is held instead.
      const [first] = taskFile(folder, 'report').state.queue;
      expect((await ex.cancelRun(first!.runId)).status).toBe('cancelled');
      const next = await waitUntil(() => { const [q] = taskFile(folder, 'report').state.queue; return q !== undefined && q.runId !== first!.runId && q; }, { what: 'the next slot held' });
      expect(next).toMatchObject({ reason: 'dependency', trigger: 'schedule' });
      expect(await rowOf(ex, 'report')).toMatchObject({ status: 'waiting', waiting: 'db is stopped' });

      // stopTask of the waiting task: stopped, the held run dropped; nothing ran meanwhile.
      await ex.stopTask('report');
      expect(await rowOf(ex, 'report')).toMatchObject({ status: 'stopped', queued: 0, waiting: null });
      expect(starts(log, 'report')).toHaveLength(ran);
    } finally {
      await stop();
    }
  }, T(40_000));
});
