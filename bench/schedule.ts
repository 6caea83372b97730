// 7. Schedule firing accuracy: TASKS tasks on a '1 sec' period, supervised by keepRestarting for SECONDS seconds.
// Task i is anchored at base + i·(1 s / TASKS), so the TASKS runs a second are spread evenly over it. Each run is a
// tiny sh script that stamps its own start (`date +%s%N`) with its slot (EXECUTOR_TRIGGER); lateness = the child's
// own time − its slot, so everything on the way counts: timer wake, pass, lock, archive, spawn, the shell's start.
// Floor, in the same process (before ours, not alongside it): a plain setTimeout loop spawning the same script with
// child_process.spawn (detached, output to a file) at the same instants, measured the same way.
// Also, informationally: every task anchored on the same instant, against a floor of TASKS spawns in one callback.
// Quick run: BENCH_SCHEDULE_SECONDS=5 BENCH_SCHEDULE_FLOOR_SECONDS=3 BENCH_SCHEDULE_ALIGNED_SECONDS=3 (and BENCH_SCHEDULE_TASKS=10).
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import type { ScheduleEvent, SkipEvent, StartEvent } from '../dist/index.js';
import { envInt, fmtMs, newExecutor, nowMs, pause, percentile, tempFolder, untrackGroup, waitUntil, type Figure } from './lib.js';
import { latenessOf, LOG_ENV, rawSchedule, stampsSeen, STAMP_SCRIPT, STAMP_SHELL, type Lateness, type Slot } from './schedule-raw.js';

/** Periodic tasks supervised at once (`BENCH_SCHEDULE_TASKS`). */
export const TASKS = envInt('BENCH_SCHEDULE_TASKS', 100);
/** Seconds measured with spread anchors, i.e. slots per task (`BENCH_SCHEDULE_SECONDS`). */
export const SECONDS = envInt('BENCH_SCHEDULE_SECONDS', 30);
/** Seconds of the spread floor (`BENCH_SCHEDULE_FLOOR_SECONDS`). */
export const FLOOR_SECONDS = envInt('BENCH_SCHEDULE_FLOOR_SECONDS', 10);
/** Seconds measured with every anchor on the same instant (`BENCH_SCHEDULE_ALIGNED_SECONDS`). */
export const ALIGNED_SECONDS = envInt('BENCH_SCHEDULE_ALIGNED_SECONDS', 5);
/** Bursts of TASKS raw spawns, the aligned case's floor (`BENCH_SCHEDULE_BURSTS`). */
export const BURSTS = envInt('BENCH_SCHEDULE_BURSTS', 3);
/** Goal: p99 lateness under this, with spread anchors. */
export const GOAL_P99_MS = 50;
/** Time allowed for addTask × TASKS, startAll and the supervisor's lease before the first slot. */
export const SETUP_LEAD_MS = 3_000;
/** Slots closer than this to the end of the setup are left out of the measurement (the supervisor may not be up yet). */
export const MIN_LEAD_MS = 1_000;
/** Lead before the floor's first instant. */
export const FLOOR_LEAD_MS = 500;
/** How long after the last slot its stamp may still come in before the slot counts as missed. */
export const GRACE_MS = 5_000;
/** Poll interval while waiting for stamps or exits. */
export const POLL_MS = 100;

const SECOND_MS = 1_000;
const ceilToSecond = (ms: number): number => Math.ceil(ms / SECOND_MS) * SECOND_MS;
const taskName = (i: number): string => `p${String(i).padStart(3, '0')}`;
/** Offset of task i's anchor within the second: spread evenly, or 0 for all (aligned). */
const offsetOf = (i: number, spread: boolean): number => (spread ? Math.floor((i * SECOND_MS) / TASKS) : 0);

/** Every task's slots for `seconds` seconds from `first` (a whole second). */
function slotsFrom(first: number, seconds: number, spread: boolean): Slot[] {
  return Array.from({ length: seconds }, (_, k) => Array.from({ length: TASKS }, (_, i) => ({ task: taskName(i), at: first + k * SECOND_MS + offsetOf(i, spread) }))).flat();
}

/** Our side: lateness from the stamps, plus the supervisor's own view of each run from its events (for the breakdown). */
interface Ours extends Lateness {
  skipped: number;
  /** Slot → the run's recorded `startedAt` (taken just before the spawn: after the lock, the archive and, for a prepared slot, the wait), ms. */
  toLaunch: number[];
  /** Slot → our `start` event (spawned and recorded), ms. */
  toStartEvent: number[];
}

/** One run's events, joined by run id (`schedule` and `start` come in either order). */
interface Seen { due?: number; startedAt?: number; startEventAt?: number; pid?: number }

async function waitForStamps(log: string, slots: Slot[]): Promise<void> {
  const last = Math.max(...slots.map((s) => s.at));
  await pause(Math.max(0, last + 2 * POLL_MS - Date.now())); // no polling (file reads) while the slots are due
  const deadline = last + GRACE_MS;
  while (Date.now() < deadline && stampsSeen(log, slots) < slots.length) await pause(POLL_MS);
}

async function oursSide(tag: string, spread: boolean, seconds: number): Promise<Ours> {
  const dir = tempFolder(`schedule-${tag}`);
  const log = join(dir, 'stamps.log');
  const ex = newExecutor(join(dir, 'folder'));
  const runs = new Map<string, Seen>();
  const seen = (runId: string): Seen => runs.get(runId) ?? runs.set(runId, {}).get(runId)!;
  const live = new Set<string>();
  const skips: number[] = [];
  ex.on('start', (e: StartEvent) => { live.add(e.runId); Object.assign(seen(e.runId), { startEventAt: nowMs(), startedAt: Date.parse(e.startedAt), pid: e.pid }); });
  ex.on('schedule', (e: ScheduleEvent) => { seen(e.runId).due = Date.parse(e.scheduledFor); });
  ex.on('skip', (e: SkipEvent) => skips.push(Date.parse(e.scheduledFor)));
  ex.on('exit', (e) => { live.delete(e.runId); untrackGroup(runs.get(e.runId)?.pid); });

  const base = ceilToSecond(Date.now() + SETUP_LEAD_MS);
  const env = { [LOG_ENV]: log };
  await Promise.all(Array.from({ length: TASKS }, (_, i) => ex.addTask(taskName(i), STAMP_SCRIPT, {
    period: '1 sec', start: base + offsetOf(i, spread), infiniteLoop: false, header: false, interpreter: STAMP_SHELL, env,
  })));
  const rows = await ex.startAll();
  const bad = rows.find((r) => r.result !== 'scheduled');
  if (bad) throw new Error(`startAll did not schedule every task: ${JSON.stringify(bad)}`);
  const sup = ex.keepRestarting();
  // Normally the window opens at the anchor; if the setup ran late, at the first whole second comfortably after it.
  const first = Math.max(base, ceilToSecond(Date.now() + MIN_LEAD_MS));
  const slots = slotsFrom(first, seconds, spread);
  try {
    await waitForStamps(log, slots);
  } finally {
    await sup.stop();
  }
  await waitUntil(() => live.size === 0, 'the scheduled runs to exit', GRACE_MS, POLL_MS).catch(() => undefined);
  const last = slots.at(-1)!.at;
  const inWindow = (due: number | undefined): due is number => due !== undefined && due >= first && due <= last;
  const fired = [...runs.values()].filter((r) => inWindow(r.due) && r.startEventAt !== undefined);
  return {
    ...latenessOf(log, slots),
    skipped: skips.filter((s) => s >= first && s <= last).length,
    toLaunch: fired.map((r) => r.startedAt! - r.due!),
    toStartEvent: fired.map((r) => r.startEventAt! - r.due!),
  };
}

/** The floor: the same slots, spawned raw by a setTimeout loop. */
async function floorSide(tag: string, spread: boolean, seconds: number): Promise<Lateness> {
  const dir = tempFolder(`schedule-${tag}`);
  const log = join(dir, 'stamps.log');
  const slots = slotsFrom(ceilToSecond(Date.now() + FLOOR_LEAD_MS), seconds, spread);
  await rawSchedule(dir, slots, log);
  return latenessOf(log, slots);
}

const p = (values: number[], q: number): string => fmtMs(percentile(values, q));
const vs = (o: number, f: number): string => `+${fmtMs(o - f)} (${f > 0 ? `${(o / f).toFixed(1)}×` : '—'})`;

/** Breakdown of our side from its events, for the notes. */
function breakdown(o: Ours): string {
  return `slot → \`startedAt\` (just before the spawn) p50 ${p(o.toLaunch, 50)} / p99 ${p(o.toLaunch, 99)}; `
    + `slot → \`start\` event (spawned and recorded) p50 ${p(o.toStartEvent, 50)} / p99 ${p(o.toStartEvent, 99)}; `
    + `slot → the child's own stamp p50 ${fmtMs(o.p50)} / p99 ${fmtMs(o.p99)} / max ${fmtMs(o.max)}`;
}

export async function benchSchedule(): Promise<{ figures: Figure[]; ours: Lateness; floor: Lateness }> {
  // Other work on the machine shows in every figure here: the 1-min load average after each phase goes in the notes.
  const load: number[] = [];
  const phase = async <T>(fn: () => Promise<T>): Promise<T> => { const r = await fn(); load.push(loadavg()[0]!); return r; };
  const floor = await phase(() => floorSide('floor', true, FLOOR_SECONDS));
  const ours = await phase(() => oursSide('spread', true, SECONDS));
  const aligned = await phase(() => oursSide('aligned', false, ALIGNED_SECONDS));
  const burst = await phase(() => floorSide('burst', false, BURSTS));
  const loads = `1-min load average after each phase: floor ${load[0]!.toFixed(1)}, ours ${load[1]!.toFixed(1)}, aligned ${load[2]!.toFixed(1)}, burst floor ${load[3]!.toFixed(1)} (${cpus().length} CPUs)`;
  const what = `${TASKS} tasks × '1 sec', anchors ${fmtMs(SECOND_MS / TASKS)} apart, ${SECONDS} s`;
  const expected = TASKS * SECONDS;
  const pass = ours.p99 < GOAL_P99_MS && ours.missed === 0;
  return {
    ours, floor,
    figures: [{
      figure: `Schedule lateness p99, ${what}: slot → the run's own start`,
      ours: fmtMs(ours.p99), floor: `${fmtMs(floor.p99)} (setTimeout + spawn)`, ratio: vs(ours.p99, floor.p99),
      goal: `< ${GOAL_P99_MS} ms, none missed`, pass,
      note: `${expected - ours.missed} of ${expected} slots ran (${ours.skipped} skipped as overlapping, ${ours.missed} missed in all, ${ours.extra} run twice). `
        + `${breakdown(ours)}. Floor (${floor.values.length} of ${TASKS * FLOOR_SECONDS} slots over ${FLOOR_SECONDS} s, ${floor.missed} missed): `
        + `p50 ${fmtMs(floor.p50)} / p99 ${fmtMs(floor.p99)} / max ${fmtMs(floor.max)}. ${loads}.`,
      cause: ours.missed > 0
        ? `${ours.missed} slot(s) never ran within ${GRACE_MS / SECOND_MS} s of the last slot; ${ours.skipped} were skipped because the previous run of the same `
          + `task was still recorded as live when the next slot came, i.e. the supervisor had fallen more than a period behind. Of the runs that did start, p99 ${fmtMs(ours.p99)}.`
        : `Over the floor by ${fmtMs(ours.p99 - floor.p99)} at p99; see the breakdown in the details (slot → \`startedAt\` is the timer, the pass, the lock and the archive, or a prepared slot's wait; \`startedAt\` → \`start\` is the spawn and the record writes).`,
    }, {
      figure: `Schedule lateness p50, ${what}: slot → the run's own start`,
      ours: fmtMs(ours.p50), floor: `${fmtMs(floor.p50)} (setTimeout + spawn)`, ratio: vs(ours.p50, floor.p50),
      goal: 'informational', pass: null,
    }, {
      figure: `Aligned (informational): all ${TASKS} tasks on the same instant, ${ALIGNED_SECONDS} s, p50 / p99`,
      ours: `${fmtMs(aligned.p50)} / ${fmtMs(aligned.p99)}`, floor: `${fmtMs(burst.p50)} / ${fmtMs(burst.p99)} (${TASKS} spawns in one callback)`,
      ratio: `p99 ${vs(aligned.p99, burst.p99)}`, goal: 'informational', pass: null,
      note: `${TASKS} runs due at the very same instant cannot all start within ${GOAL_P99_MS} ms on this machine: even the floor, ${TASKS} raw \`spawn\`s `
        + `back to back in one timer callback (${BURSTS} bursts), starts its last child ${fmtMs(burst.max)} late. Ours: ${aligned.values.length} of ${TASKS * ALIGNED_SECONDS} slots ran `
        + `(${aligned.skipped} skipped, ${aligned.missed} missed); ${breakdown(aligned)}.`,
    }],
  };
}
