// enableTask / disableTask: a disabled task is never fired by the scheduler nor restarted by a supervisor (also a
// crashing infiniteLoop task under keepRestarting), can still be run by hand, and listTasks shows `enabled`.
import { describe, expect, it } from 'vitest';
import { fixture, useExecutors } from '../helpers/executor.js';
import { collect, eventOf, ledger, supervising } from '../helpers/folder.js';
import { waitUntil } from '../helpers/wait.js';
import { clocked, firesExactlyAt, iso, MINUTE, OK, SECOND, taskFile } from './sched-kit.js';
import { T } from '../helpers/time.js';

const kit = useExecutors();
const T0 = Date.parse('2026-05-04T10:00:00Z');
const CRASH = fixture('crash.js');
const WAIT_MS = 15_000;

describe('enableTask / disableTask', () => {
  it('a disabled periodic task is never fired, runs by hand, and resumes from the next slot once enabled', async () => {
    const c = clocked(kit, T0 + 10 * SECOND);
    await c.ex.addTask('p', OK, { period: '1 min', start: T0, infiniteLoop: false });
    expect((await c.ex.listTasks())[0]!.enabled).toBe(true);
    await c.ex.startTask('p');
    const row = await c.ex.disableTask('p');
    expect(row).toMatchObject({ name: 'p', enabled: false });
    expect(taskFile(c.folder, 'p').state.enabled).toBe(false);
    expect(await c.ex.nextRuns('p')).toEqual([]);
    for (let m = 1; m <= 5; m++) expect(await c.at(T0 + m * MINUTE)).toMatchObject({ fired: [], queued: [] });
    expect(c.schedules).toEqual([]);
    expect(c.starts).toEqual([]);
    // By hand it still runs.
    const runId = await c.ex.runTask('p');
    expect(await c.ex.waitRun(runId, { timeout: T(WAIT_MS) })).toMatchObject({ runId, trigger: 'manual', exitCode: 0 });
    expect((await c.ex.listTasks())[0]).toMatchObject({ enabled: false, lastTrigger: 'manual' });
    expect(await c.at(T0 + 5 * MINUTE + 20 * SECOND)).toMatchObject({ fired: [], queued: [] });
    // Enabled again: no catch-up of the disabled time, the next slot fires.
    expect(await c.ex.enableTask('p')).toMatchObject({ enabled: true });
    expect(taskFile(c.folder, 'p').state.enabled).toBe(true);
    expect(await c.ex.nextRuns('p', 2)).toEqual([iso(T0 + 6 * MINUTE), iso(T0 + 7 * MINUTE)]);
    expect((await c.at(T0 + 5 * MINUTE + 20 * SECOND)).fired).toEqual([]);
    expect(await firesExactlyAt(c, 'p', T0 + 6 * MINUTE)).toMatchObject({ scheduledFor: iso(T0 + 6 * MINUTE), trigger: 'schedule' });
    expect(ledger(c.folder, 'p').map((r) => r.trigger).sort()).toEqual(['manual', 'schedule']);
  });

  it('a disabled crashing infiniteLoop task is not restarted under keepRestarting, and runs by hand', async () => {
    const { ex } = kit.make();
    await ex.addTask('crashy', CRASH, {});
    await ex.disableTask('crashy');
    const restarts = collect(ex, 'restart');
    const handle = ex.keepRestarting({ sleep: 0.05 });
    try {
      await supervising(ex, handle);
      const exited = eventOf(ex, 'exit', (e) => e.name === 'crashy', WAIT_MS);
      expect((await ex.startTask('crashy')).result).toBe('started');
      expect((await exited).exitCode).toBe(1);
      for (let i = 0; i < 3; i++) expect((await ex.tick()).restarted).toEqual([]);
      const runId = await ex.runTask('crashy');
      expect(await ex.waitRun(runId, { timeout: T(WAIT_MS) })).toMatchObject({ trigger: 'manual', exitCode: 1 });
      for (let i = 0; i < 3; i++) expect((await ex.tick()).restarted).toEqual([]);
      expect(restarts).toEqual([]);
      expect(ledger(ex.folder, 'crashy')).toHaveLength(2);
      expect((await ex.listTasks())[0]).toMatchObject({ enabled: false, runs: 0, restarts: 0 });
      // Positive control: enabled again, the supervisor restarts it.
      const restarted = eventOf(ex, 'restart', (e) => e.name === 'crashy', WAIT_MS);
      expect((await ex.enableTask('crashy')).enabled).toBe(true);
      await restarted;
    } finally {
      await handle.stop();
    }
  });

  it('disabling a crash loop under keepRestarting stops the restarts', async () => {
    const { ex } = kit.make();
    await ex.addTask('loop', CRASH, {});
    const handle = ex.keepRestarting({ sleep: 0.05 });
    try {
      await supervising(ex, handle);
      const restarted = eventOf(ex, 'restart', (e) => e.name === 'loop', WAIT_MS);
      await ex.startTask('loop');
      await restarted;
      await ex.disableTask('loop');
      const settled = await waitUntil(async () => {
        const [row] = await ex.listTasks();
        return row!.runs === 0 && row!.status !== 'running' ? row : null;
      }, { timeoutMs: WAIT_MS, what: 'the last run of the disabled loop to end' });
      expect(settled).toMatchObject({ enabled: false, backoffUntil: null });
      expect(settled.status).not.toBe('backoff');
      const runs = ledger(ex.folder, 'loop').length;
      for (let i = 0; i < 3; i++) expect((await ex.tick()).restarted).toEqual([]);
      expect(ledger(ex.folder, 'loop')).toHaveLength(runs);
    } finally {
      await handle.stop();
    }
  });
});
