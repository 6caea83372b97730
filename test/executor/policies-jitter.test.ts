// `jitter` and `nextRuns` end to end on an injected clock: each run fires after its slot by a fixed per-slot delay
// <= jitter, exactly at the time nextRuns previewed (not 1 ms before); nextRuns is pure and agrees with the scheduler.
import { describe, expect, it } from 'vitest';
import { useExecutors, snapshotFolder } from '../helpers/executor.js';
import { ledger } from '../helpers/folder.js';
import { attach, clocked, firesExactlyAt, iso, MINUTE, OK, SECOND, type Clocked } from './sched-kit.js';
import { T } from '../helpers/time.js';

const kit = useExecutors();
const T0 = Date.parse('2026-05-04T10:00:00Z');

// Drives `c` to each previewed time; returns each run's delay after its slot (fire time − scheduledFor).
async function fireEach(c: Clocked, name: string, preview: string[]): Promise<{ slot: number; delay: number }[]> {
  const out: { slot: number; delay: number }[] = [];
  for (const t of preview) {
    const event = await firesExactlyAt(c, name, Date.parse(t));
    expect(event.trigger).toBe('schedule');
    out.push({ slot: Date.parse(event.scheduledFor), delay: Date.parse(t) - Date.parse(event.scheduledFor) });
  }
  return out;
}

describe('jitter', () => {
  it("a period string ('30 sec'): each slot fires later by a fixed delay <= 30 s, at the times nextRuns predicted", async () => {
    const c = clocked(kit, T0 + 10 * SECOND);
    await c.ex.addTask('jit', OK, { period: '1 min', start: T0, infiniteLoop: false, jitter: '30 sec' });
    expect((await c.ex.listTasks())[0]!.jitterMs).toBe(30_000);
    await c.ex.startTask('jit');
    const preview = await c.ex.nextRuns('jit', 6);
    // Fixed per slot: another Executor on the folder, at another time, predicts the same fire times.
    expect(await attach(kit, c.folder, { t: T0 + 40 * SECOND }).ex.nextRuns('jit', 6)).toEqual(preview);
    expect((await c.ex.listTasks())[0]!.nextRun).toBe(preview[0]);
    const fired = await fireEach(c, 'jit', preview);
    expect(fired.map((f) => iso(f.slot))).toEqual([1, 2, 3, 4, 5, 6].map((m) => iso(T0 + m * MINUTE)));
    for (const f of fired) {
      expect(f.delay).toBeGreaterThanOrEqual(0);
      expect(f.delay).toBeLessThanOrEqual(30_000);
    }
    // Jitter is applied (the delays are derived per slot, so they differ).
    expect(new Set(fired.map((f) => f.delay)).size).toBeGreaterThan(1);
    const runs = ledger(c.folder, 'jit').sort((a, b) => a.startedAt.localeCompare(b.startedAt));
    expect(runs.map((r) => [r.scheduledFor, r.startedAt])).toEqual(fired.map((f) => [iso(f.slot), iso(f.slot + f.delay)]));
  });

  it('milliseconds with a cron: delays <= jitter, fired exactly at the previewed times', async () => {
    const c = clocked(kit, T0 + 10 * SECOND);
    await c.ex.addTask('jitc', OK, { cron: '*/5 * * * *', timezone: 'UTC', infiniteLoop: false, jitter: 90_000 });
    await c.ex.startTask('jitc');
    const preview = await c.ex.nextRuns('jitc', 4);
    const fired = await fireEach(c, 'jitc', preview);
    expect(fired.map((f) => iso(f.slot))).toEqual([5, 10, 15, 20].map((m) => iso(T0 + m * MINUTE)));
    expect(fired.every((f) => f.delay >= 0 && f.delay <= 90_000)).toBe(true);
    expect(fired.some((f) => f.delay > 0)).toBe(true);
    expect(c.skips).toEqual([]);
  });

  it('larger than the period: runs still fire exactly at the times nextRuns previewed', async () => {
    const c = clocked(kit, T0 + 10 * SECOND);
    await c.ex.addTask('wide', OK, { period: '1 min', start: T0, infiniteLoop: false, jitter: '5 min' });
    await c.ex.startTask('wide');
    const preview = await c.ex.nextRuns('wide', 6);
    const end = Date.parse(preview.at(-1)!);
    // Every whole second up to the last previewed time, plus the previewed times themselves.
    const grid = new Set<number>(preview.map(Date.parse));
    for (let t = T0 + 11 * SECOND; t <= end; t += SECOND) grid.add(t);
    const firedAt: string[] = [];
    for (const t of [...grid].sort((a, b) => a - b)) {
      const report = await c.at(t);
      if (report.fired.includes('wide')) firedAt.push(iso(t));
      if (report.fired.length > 0 || report.queued.length > 0) await c.settle();
    }
    expect(firedAt).toEqual(preview);
  }, T(60_000));
});

describe('nextRuns', () => {
  it('is pure, defaults to 5, and previews a task not started yet as it will run once started', async () => {
    const c = clocked(kit, T0 + 10 * SECOND);
    await c.ex.addTask('p', OK, { period: '1 min', start: T0, infiniteLoop: false });
    await c.ex.addTask('plain', OK, { infiniteLoop: false });
    const before = snapshotFolder(c.folder);
    const preview = await c.ex.nextRuns('p');
    expect(preview).toEqual([1, 2, 3, 4, 5].map((m) => iso(T0 + m * MINUTE)));
    expect(await c.ex.nextRuns('p', 2)).toEqual(preview.slice(0, 2));
    expect(await c.ex.nextRuns('p', 0)).toEqual([]);
    expect(await c.ex.nextRuns('plain')).toEqual([]);
    expect(snapshotFolder(c.folder)).toEqual(before);
    await c.ex.startTask('p');
    const started = snapshotFolder(c.folder);
    expect(await c.ex.nextRuns('p')).toEqual(preview);
    expect(snapshotFolder(c.folder)).toEqual(started);
    for (const t of preview) expect((await firesExactlyAt(c, 'p', Date.parse(t))).scheduledFor).toBe(t);
    expect(await c.ex.nextRuns('p', 1)).toEqual([iso(T0 + 6 * MINUTE)]);
  });

  it('agrees with the scheduler across the Berlin spring-forward night', async () => {
    const c = clocked(kit, Date.parse('2026-03-27T12:00:00Z'));
    await c.ex.addTask('d', OK, { cron: '30 2 * * *', timezone: 'Europe/Berlin', infiniteLoop: false });
    await c.ex.startTask('d');
    const preview = await c.ex.nextRuns('d', 3);
    expect(preview).toEqual(['2026-03-28T01:30:00.000Z', '2026-03-29T01:30:00.000Z', '2026-03-30T00:30:00.000Z']);
    for (const t of preview) expect((await firesExactlyAt(c, 'd', Date.parse(t))).scheduledFor).toBe(t);
  });

  it("after downtime with catchUp 'none', does not preview the missed slots the scheduler will skip", async () => {
    const first = clocked(kit, T0 + 10 * SECOND);
    await first.ex.addTask('n', OK, { period: '1 min', start: T0, infiniteLoop: false, catchUp: 'none' });
    await first.ex.startTask('n');
    first.clock.t = T0 + 5 * MINUTE + 30 * SECOND; // slots T0+1min … T0+5min missed
    const back = attach(kit, first.folder, first.clock);
    const preview = await back.ex.nextRuns('n', 2);
    await back.ex.tick(); // skips the missed slots
    expect(back.starts).toEqual([]);
    expect(preview).toEqual([iso(T0 + 6 * MINUTE), iso(T0 + 7 * MINUTE)]);
  });
});
