// Scheduling policies end to end on an injected clock: catchUp ('none' | 'one' | 'all' with maxCatchUp) across supervisor
// downtime (a second Executor on the same folder), and overlap ('skip' | 'queue' | 'replace' | 'allow') with a long run.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AddTaskOptions } from '../../src/index.js';
import { useExecutors } from '../helpers/executor.js';
import { ledger } from '../helpers/folder.js';
import { pidAlive, waitUntil } from '../helpers/wait.js';
import { attach, clocked, firesExactlyAt, HOLD, iso, MINUTE, OK, SECOND, taskFile, type Clocked } from './sched-kit.js';

const kit = useExecutors();
const T0 = Date.parse('2026-05-04T10:00:00Z');
// After the run of slot T0+1min the supervisor is gone for 30 minutes: slots T0+2min … T0+31min are missed.
const BACK_AT = T0 + 31 * MINUTE + 30 * SECOND;
const MISSED = Array.from({ length: 30 }, (_, i) => iso(T0 + (i + 2) * MINUTE));
const NEWEST_MISSED = MISSED.at(-1)!;

// A '1 min' task that ran its T0+1min slot, then a second Executor on the folder after the downtime.
async function afterDowntime(options: AddTaskOptions): Promise<{ first: Clocked; back: Clocked }> {
  const first = clocked(kit, T0 + 10 * SECOND);
  await first.ex.addTask('job', OK, { period: '1 min', start: T0, infiniteLoop: false, ...options });
  await first.ex.startTask('job');
  await firesExactlyAt(first, 'job', T0 + MINUTE);
  expect(taskFile(first.folder, 'job').state.lastScheduledAt).toBe(iso(T0 + MINUTE));
  first.clock.t = BACK_AT;
  return { first, back: attach(kit, first.folder, first.clock) };
}

// Runs recorded since the downtime (the ledger minus the T0+1min run).
function caughtUp(c: Clocked) {
  return ledger(c.folder, 'job').filter((r) => r.scheduledFor !== iso(T0 + MINUTE));
}

describe('catchUp across supervisor downtime', () => {
  it("'none': no run, skip events for the missed slots, and the next slot fires on time", async () => {
    const { back } = await afterDowntime({ catchUp: 'none' });
    const report = await back.at(BACK_AT);
    expect(report.fired).toEqual([]);
    expect(report.skipped).toEqual(['job']);
    expect(back.starts).toEqual([]);
    expect(back.skips.length).toBeGreaterThan(0);
    expect(back.skips.every((s) => s.name === 'job' && MISSED.includes(s.scheduledFor))).toBe(true);
    expect(back.skips.map((s) => s.scheduledFor)).toContain(NEWEST_MISSED);
    expect(new Set(back.skips.map((s) => s.scheduledFor)).size).toBe(back.skips.length);
    expect(taskFile(back.folder, 'job').state.lastScheduledAt).toBe(NEWEST_MISSED);
    expect((await back.at(BACK_AT)).skipped).toEqual([]);
    expect(caughtUp(back)).toEqual([]);
    const next = await firesExactlyAt(back, 'job', T0 + 32 * MINUTE);
    expect(next).toMatchObject({ scheduledFor: iso(T0 + 32 * MINUTE), trigger: 'schedule' });
  });

  it("'one' (the default): one catch-up run of the newest missed slot, with trigger 'catch-up'", async () => {
    const { back } = await afterDowntime({});
    expect(taskFile(back.folder, 'job').task.catchUp).toBe('one');
    const report = await back.at(BACK_AT);
    expect(report.fired).toEqual(['job']);
    await back.settle();
    expect(back.schedules.map((e) => [e.scheduledFor, e.trigger])).toEqual([[NEWEST_MISSED, 'catch-up']]);
    expect(back.starts.map((e) => e.trigger)).toEqual(['catch-up']);
    for (let i = 0; i < 3; i++) expect((await back.at(BACK_AT)).fired).toEqual([]);
    const runs = caughtUp(back);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ trigger: 'catch-up', scheduledFor: NEWEST_MISSED, exitCode: 0 });
    expect(back.skips.every((s) => MISSED.slice(0, -1).includes(s.scheduledFor))).toBe(true);
  });

  it("'all' with maxCatchUp 5: the 5 newest missed slots, oldest first, one after another", async () => {
    const { back } = await afterDowntime({ catchUp: 'all', maxCatchUp: 5 });
    for (let pass = 0; pass < 20 && back.starts.length < 5; pass++) {
      await back.at(BACK_AT);
      await back.settle();
    }
    const bySlot = new Map(caughtUp(back).map((r) => [r.runId, r]));
    const order = back.starts.map((s) => bySlot.get(s.runId)?.scheduledFor);
    expect(order).toEqual(MISSED.slice(-5));
    expect([...bySlot.values()].every((r) => r.trigger === 'catch-up' && r.exitCode === 0)).toBe(true);
    expect(back.maxLive()).toBe(1);
    for (let i = 0; i < 3; i++) expect((await back.at(BACK_AT)).fired).toEqual([]);
    expect(caughtUp(back)).toHaveLength(5);
    expect(back.skips.every((s) => MISSED.slice(0, -5).includes(s.scheduledFor))).toBe(true);
  });

  it("'all' without maxCatchUp: bounded by the default of 10", async () => {
    const { back } = await afterDowntime({ catchUp: 'all' });
    expect(taskFile(back.folder, 'job').task.maxCatchUp).toBe(10);
    for (let pass = 0; pass < 30 && back.starts.length < 10; pass++) {
      await back.at(BACK_AT);
      await back.settle();
    }
    for (let i = 0; i < 3; i++) expect((await back.at(BACK_AT)).fired).toEqual([]);
    const slots = new Map(caughtUp(back).map((r) => [r.runId, r.scheduledFor]));
    expect(back.starts.map((s) => slots.get(s.runId))).toEqual(MISSED.slice(-10));
  });
});

// A '1 min' task whose runs last until released (or killed); its T0+1min run is live.
async function overlapping(overlap: AddTaskOptions['overlap']) {
  const hold = kit.tmpDir();
  const c = clocked(kit, T0 + 10 * SECOND);
  await c.ex.addTask('job', HOLD, { period: '1 min', start: T0, infiniteLoop: false, overlap, env: { HOLD_DIR: hold } });
  await c.ex.startTask('job');
  expect((await c.at(T0 + MINUTE)).fired).toEqual(['job']);
  const release = (runId: string) => writeFileSync(path.join(hold, runId), '');
  return { c, release };
}

// Events of `c` in order, as `start:<slot>` / `exit:<slot>` (slot minutes after T0), for ordering checks.
function timeline(c: Clocked): string[] {
  const out: string[] = [];
  c.ex.on('start', (e) => out.push(`start:${e.runId}`));
  c.ex.on('exit', (e) => out.push(`exit:${e.runId}`));
  return out;
}

describe('overlap', () => {
  it("'skip' (the default): due slots are skipped while the run is live", async () => {
    const { c } = await overlapping(undefined);
    for (const m of [2, 3]) expect(await c.at(T0 + m * MINUTE)).toMatchObject({ fired: [], queued: [], skipped: ['job'] });
    expect(c.skips.map((s) => s.scheduledFor)).toEqual([iso(T0 + 2 * MINUTE), iso(T0 + 3 * MINUTE)]);
    expect(c.skips.every((s) => /still running/.test(s.reason))).toBe(true);
    expect(c.starts).toHaveLength(1);
    expect(pidAlive(c.starts[0]!.pid)).toBe(true);
    expect((await c.ex.listTasks())[0]).toMatchObject({ overlap: 'skip', runs: 1, queued: 0 });
  });

  it("'queue': keeps at most one pending run, started once the live run has ended", async () => {
    const { c, release } = await overlapping('queue');
    expect(await c.at(T0 + 2 * MINUTE)).toMatchObject({ fired: [], queued: ['job'] });
    expect(c.queues.map((q) => [q.reason, q.scheduledFor])).toEqual([['overlap', iso(T0 + 2 * MINUTE)]]);
    expect(await c.at(T0 + 3 * MINUTE)).toMatchObject({ fired: [], queued: [], skipped: ['job'] });
    expect(c.skips.map((s) => s.scheduledFor)).toEqual([iso(T0 + 3 * MINUTE)]);
    expect((await c.ex.listTasks())[0]).toMatchObject({ runs: 1, queued: 1 });
    release(c.starts[0]!.runId);
    await waitUntil(async () => { await c.ex.tick(); return c.starts.length === 2; }, { what: 'the queued run to start' });
    expect(c.exits.map((e) => e.runId)).toEqual([c.starts[0]!.runId]);
    const queuedRun = ledger(c.folder, 'job').find((r) => r.runId === c.starts[1]!.runId)!;
    expect(queuedRun).toMatchObject({ scheduledFor: iso(T0 + 2 * MINUTE), runId: c.queues[0]!.runId });
    expect((await c.ex.listTasks())[0]).toMatchObject({ runs: 1, queued: 0 });
    expect(c.maxLive()).toBe(1);
    release(c.starts[1]!.runId);
    await c.settle();
    for (let i = 0; i < 2; i++) expect((await c.at(T0 + 3 * MINUTE)).fired).toEqual([]);
    expect(c.starts).toHaveLength(2);
  });

  it("'replace': stops the live run first, then starts the slot's run", async () => {
    const { c } = await overlapping('replace');
    const events = timeline(c);
    for (const m of [2, 3]) {
      const seen = c.starts.length;
      await c.at(T0 + m * MINUTE);
      await waitUntil(async () => { await c.ex.tick(); return c.starts.length === seen + 1; }, { what: `the T0+${m}min run to replace the live one` });
    }
    const [a, b, cc] = c.starts.map((s) => s.runId);
    expect(events).toEqual([`exit:${a}`, `start:${b}`, `exit:${b}`, `start:${cc}`]);
    expect(c.exits.map((e) => [e.runId, e.killedFor, e.stopped])).toEqual([[a, 'replace', true], [b, 'replace', true]]);
    const runs = new Map(ledger(c.folder, 'job').map((r) => [r.runId, r]));
    expect([a, b, cc].map((id) => runs.get(id!)?.scheduledFor)).toEqual([1, 2, 3].map((m) => iso(T0 + m * MINUTE)));
    expect([a, b].map((id) => runs.get(id!)?.killedFor)).toEqual(['replace', 'replace']);
    expect(c.starts.slice(0, 2).every((s) => !pidAlive(s.pid))).toBe(true);
    expect(pidAlive(c.starts[2]!.pid)).toBe(true);
    expect(c.maxLive()).toBe(1);
    expect((await c.ex.listTasks())[0]).toMatchObject({ overlap: 'replace', runs: 1, queued: 0 });
  });

  it("'allow': a due slot starts a second (and third) run next to the live one", async () => {
    const { c } = await overlapping('allow');
    for (const m of [2, 3]) expect((await c.at(T0 + m * MINUTE)).fired).toEqual(['job']);
    expect(c.starts).toHaveLength(3);
    expect(new Set(c.starts.map((s) => s.pid)).size).toBe(3);
    expect(c.starts.every((s) => pidAlive(s.pid))).toBe(true);
    expect(c.schedules.map((e) => e.scheduledFor)).toEqual([1, 2, 3].map((m) => iso(T0 + m * MINUTE)));
    expect(c.skips).toEqual([]);
    expect((await c.ex.listTasks())[0]).toMatchObject({ overlap: 'allow', runs: 3, status: 'running' });
  });
});
