// Periodic tasks under keepRestarting: firing (never early), overlap skips, catch-up once after downtime, nextRun.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ScheduleEvent, StartEvent } from '../../src/index.js';
import { collect, eventOf, ledger, superviseFixture, supervising, useFolders } from '../helpers/folder.js';
import { waitUntil } from '../helpers/wait.js';
import { T } from '../helpers/time.js';

const kit = useFolders();
const wd = superviseFixture('.');
// Generous sanity bound on lateness (the contract is 100 ms; this only catches a broken timer).
const SANITY_LATE_MS = 10_000;
const MINUTE = 60_000;

describe('periodic tasks', () => {
  it("fires a '1 sec' task repeatedly with `schedule` + `start` events, never before its slot", async () => {
    const marks = kit.scratch();
    const ex = kit.open(kit.folder());
    await ex.addTask('tick', 'periodic.js', { wd, infiniteLoop: false, period: '1 sec', env: { MARK_DIR: marks } });
    const seenAt = new Map<string, number>();
    const schedules: ScheduleEvent[] = [];
    ex.on('schedule', (e) => { seenAt.set(e.runId, Date.now()); schedules.push(e); });
    const starts = collect(ex, 'start');
    const handle = kit.supervise(ex, { sleep: 60 });
    await supervising(ex, handle);
    const started = await ex.startTask('tick');
    expect(started).toMatchObject({ result: 'scheduled', pid: null });
    expect((await ex.listTasks())[0]!.status).toBe('scheduled');
    await waitUntil(() => schedules.length >= 3, { timeoutMs: 20_000, what: 'three scheduled runs' });
    for (const s of schedules.slice(0, 3)) {
      expect(s).toMatchObject({ name: 'tick', trigger: 'schedule' });
      const start = starts.find((st: StartEvent) => st.runId === s.runId)!;
      expect(start).toMatchObject({ name: 'tick', trigger: 'schedule' });
      const due = Date.parse(s.scheduledFor);
      expect(Date.parse(start.startedAt)).toBeGreaterThanOrEqual(due);
      expect(seenAt.get(s.runId)!).toBeGreaterThanOrEqual(due);
      expect(seenAt.get(s.runId)! - due).toBeLessThan(T(SANITY_LATE_MS));
    }
    // Distinct, increasing slots one period apart.
    const slots = schedules.map((s) => Date.parse(s.scheduledFor));
    for (let i = 1; i < slots.length; i++) expect((slots[i]! - slots[i - 1]!) % 1_000).toBe(0);
    expect(new Set(slots).size).toBe(slots.length);
    const runs = ledger(ex.folder, 'tick');
    expect(runs.length).toBeGreaterThanOrEqual(3);
    expect(runs.every((r) => r.trigger === 'schedule' && r.scheduledFor !== null && Date.parse(r.startedAt) >= Date.parse(r.scheduledFor))).toBe(true);
  });

  it('skips a due run while the previous one is still going, and never runs two at once', async () => {
    const marks = kit.scratch();
    const ex = kit.open(kit.folder());
    await ex.addTask('slow', 'periodic.js', { wd, infiniteLoop: false, period: '1 sec', env: { MARK_DIR: marks, RUN_MS: 2_500 } });
    const skips = collect(ex, 'skip');
    const fired = collect(ex, 'schedule');
    let active = 0;
    let maxActive = 0;
    ex.on('start', () => { active += 1; maxActive = Math.max(maxActive, active); });
    ex.on('exit', () => { active -= 1; });
    const handle = kit.supervise(ex, { sleep: 60 });
    await supervising(ex, handle);
    await ex.startTask('slow');
    await waitUntil(() => fired.length >= 2 && skips.length >= 2, { timeoutMs: 30_000, what: 'two runs and two skips' });
    expect(skips.every((s) => s.name === 'slow' && s.reason.includes('still running'))).toBe(true);
    const firedSlots = new Set(fired.map((f) => f.scheduledFor));
    expect(skips.some((s) => firedSlots.has(s.scheduledFor))).toBe(false);
    expect(maxActive).toBe(1);
    expect(existsSync(path.join(marks, 'overlap.log'))).toBe(false);
    // The processes' own view: starts and ends alternate.
    const kinds = readFileSync(path.join(marks, 'runs.log'), 'utf8').trim().split('\n').map((l) => l.split(' ')[0]);
    kinds.forEach((k, i) => expect(k).toBe(i % 2 === 0 ? 'start' : 'end'));
    expect((await ex.readLog()).some((l) => l.includes('Skipping the') && l.includes('slow'))).toBe(true);
  });

  it('catches up missed runs once after downtime, with trigger catch-up, and shows the true next run', async () => {
    const marks = kit.scratch();
    const folder = kit.folder();
    // Before the downtime: the task was added and scheduled 5.5 minutes ago (clock of that session).
    const downtime = 5.5 * MINUTE;
    const past = kit.open(folder, { now: () => Date.now() - downtime });
    await past.addTask('report', 'periodic.js', { wd, infiniteLoop: false, period: '1 min', env: { MARK_DIR: marks } });
    expect((await past.startTask('report')).result).toBe('scheduled');
    const anchor = Date.parse((await past.listTasks())[0]!.start!);
    // Now, after the downtime: a supervisor starts on the folder.
    const ex = kit.open(folder);
    const starts = collect(ex, 'start');
    const schedules = collect(ex, 'schedule');
    const handle = kit.supervise(ex, { sleep: 60 });
    const exited = eventOf(ex, 'exit', (e) => e.name === 'report', 20_000);
    await supervising(ex, handle);
    await exited;
    // More passes cannot fire the other missed slots.
    await ex.tick();
    await ex.tick();
    const runs = ledger(folder, 'report');
    expect(runs).toHaveLength(1);
    const lastMissed = anchor + 5 * MINUTE;
    expect(runs[0]).toMatchObject({ trigger: 'catch-up', scheduledFor: new Date(lastMissed).toISOString(), exitCode: 0 });
    expect(starts.map((s) => s.trigger)).toEqual(['catch-up']);
    expect(schedules.map((s) => s.trigger)).toEqual(['catch-up']);
    const running = await ex.listRunningTasks({ nextRun: true });
    expect(running).toEqual([{
      id: ex.id, name: 'report', running: false, infiniteLoop: false, period: '1 min',
      start: new Date(anchor).toISOString(), nextRun: new Date(anchor + 6 * MINUTE).toISOString(),
    }]);
    expect((await ex.listTasks())[0]).toMatchObject({ status: 'scheduled', lastTrigger: 'catch-up' });
  });

  it('listRunningTasks({ nextRun: true }) shows the next slot of a scheduled task, and none once stopped', async () => {
    const ex = kit.open(kit.folder());
    const anchor = Date.now() - 90_000;
    await ex.addTask('minutely', 'periodic.js', { wd, infiniteLoop: false, period: '1 min', start: anchor, env: { MARK_DIR: kit.scratch() } });
    await ex.startTask('minutely');
    const [row] = await ex.listRunningTasks({ nextRun: true });
    expect(row).toMatchObject({ name: 'minutely', running: false, period: '1 min', start: new Date(anchor).toISOString(), nextRun: new Date(anchor + 2 * MINUTE).toISOString() });
    const [plain] = await ex.listRunningTasks();
    expect(plain).not.toHaveProperty('nextRun');
    await ex.stopTask('minutely');
    expect((await ex.listRunningTasks({ nextRun: true }))[0]!.nextRun).toBeNull();
  });
});
