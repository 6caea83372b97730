// Shared kit of the issue-3 scheduling tests (cron, policies): an Executor on an injected clock, driven by
// `tick()`, with the events it emitted collected, and a way to wait until every run it started has ended.
import path from 'node:path';
import type { Executor, ExitEvent, QueueEvent, ScheduleEvent, SkipEvent, StartEvent, TaskRecord, TickReport } from '../../src/index.js';
import { fixture, storedRecord, type ExecutorKit } from '../helpers/executor.js';
import { waitUntil } from '../helpers/wait.js';

export const SECOND = 1_000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;

/** Fixture that exits 0 at once. */
export const OK = fixture('i3-sched-ok.js');
/** Fixture that stays alive until killed, or until `$HOLD_DIR/<runId>` exists. */
export const HOLD = fixture('i3-sched-hold.js');

/** A clock the tests move by hand (epoch ms); several Executors may share it. */
export interface Clock { t: number }

/** An Executor on a shared injected clock, and everything it emitted. */
export interface Clocked {
  ex: Executor;
  folder: string;
  clock: Clock;
  schedules: ScheduleEvent[];
  skips: SkipEvent[];
  starts: StartEvent[];
  exits: ExitEvent[];
  queues: QueueEvent[];
  /** Most runs this Executor saw live at once (from start/exit events). */
  maxLive(): number;
  /** Sets the clock to `t`, then runs one scheduler pass. */
  at(t: number): Promise<TickReport>;
  /** Waits until every run this Executor started has exited (and been recorded). */
  settle(): Promise<void>;
}

/** Opens an Executor on `folder` whose `now` is `clock.t`, collecting its scheduling events. */
export function attach(kit: ExecutorKit, folder: string, clock: Clock): Clocked {
  const ex = kit.open(folder, { now: () => clock.t });
  const c: Clocked = {
    ex, folder: ex.folder, clock, schedules: [], skips: [], starts: [], exits: [], queues: [],
    maxLive: () => peak,
    async at(t) {
      clock.t = t;
      return ex.tick();
    },
    async settle() {
      await waitUntil(() => c.exits.length >= c.starts.length, { timeoutMs: 15_000, what: `every run of ${ex.folder} to exit` });
    },
  };
  let live = 0;
  let peak = 0;
  ex.on('schedule', (e) => c.schedules.push(e));
  ex.on('skip', (e) => c.skips.push(e));
  ex.on('queue', (e) => c.queues.push(e));
  ex.on('start', (e) => { c.starts.push(e); live += 1; peak = Math.max(peak, live); });
  ex.on('exit', (e) => { c.exits.push(e); live -= 1; });
  return c;
}

/** A fresh temp folder with a clocked Executor on it, its clock set to `t0`. */
export function clocked(kit: ExecutorKit, t0: number): Clocked {
  return attach(kit, path.join(kit.tmpDir(), 'exec'), { t: t0 });
}

/** Steps the clock from its current time to `end` by `step`, ticking each time; waits for runs to end after a tick that fired. */
export async function drive(c: Clocked, end: number, step: number): Promise<void> {
  while (c.clock.t < end) {
    const report = await c.at(Math.min(c.clock.t + step, end));
    if (report.fired.length > 0 || report.queued.length > 0) await c.settle();
  }
}

/** The task's record as stored: `tasks/<name>.json`, or its row in the `cluster` project. */
export function taskFile(folder: string, name: string): TaskRecord {
  return storedRecord(folder, name) as TaskRecord;
}

/** ISO string of an epoch. */
export function iso(t: number): string {
  return new Date(t).toISOString();
}

/** The local calendar day (YYYY-MM-DD) of an instant in `timeZone`. */
export function localDay(t: number | string, timeZone: string): string {
  return new Date(t).toLocaleDateString('sv-SE', { timeZone });
}

/** The local wall time (YYYY-MM-DD HH:mm) of an instant in `timeZone`. */
export function localTime(t: number | string, timeZone: string): string {
  return new Date(t).toLocaleString('sv-SE', { timeZone, hour12: false }).slice(0, 16);
}

/** Ticks at `t - 1` (nothing may fire) and at `t` (the task must fire); waits for the run to end; returns its `schedule` event. */
export async function firesExactlyAt(c: Clocked, name: string, t: number): Promise<ScheduleEvent> {
  const before = await c.at(t - 1);
  if (before.fired.length > 0 || before.queued.length > 0) throw new Error(`${name} fired at ${iso(t - 1)}, 1 ms before ${iso(t)}`);
  const seen = c.schedules.length;
  const report = await c.at(t);
  if (!report.fired.includes(name)) throw new Error(`${name} did not fire at ${iso(t)} (report ${JSON.stringify(report)})`);
  await c.settle();
  const event = c.schedules.slice(seen).find((e) => e.name === name);
  if (!event) throw new Error(`no schedule event for ${name} at ${iso(t)}`);
  return event;
}
