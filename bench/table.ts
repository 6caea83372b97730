// 5. tick() with 10,000 tasks in the table, against tick() with 10.
// 6. A single startTask and a single stopTask with 10,000 tasks in the table, against the same with 10.
// The tables are filled through the public API (addTask, in parallel batches). The task runs `sleep 60` from a
// shell script, so the figure is about the bookkeeping, not about Node start-up.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { FIXTURES, fmtMs, median, newExecutor, tempFolder, type Figure } from './lib.js';
import type { Executor } from '../dist/index.js';

/** Size of the big table and of the floor's table. */
export const BIG = 10_000;
export const SMALL = 10;
/** addTask calls in flight at once while filling a table. */
export const BATCH = 250;
/** tick() calls measured (median), after TICK_WARM_UP. */
export const TICKS = 20;
export const TICK_WARM_UP = 3;
/** startTask/stopTask pairs measured (median), after one warm-up pair. */
export const PAIRS = 10;
/** Goals. */
export const GOAL_TICK_MS = 50;
export const GOAL_OP_RATIO = 1.5;

const SCRIPT = join(FIXTURES, 'sleeper.sh');
const taskName = (i: number) => `t${String(i).padStart(5, '0')}`;

async function fill(ex: Executor, n: number): Promise<number> {
  const t0 = performance.now();
  for (let from = 0; from < n; from += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, n - from) }, (_, j) => ex.addTask(taskName(from + j), SCRIPT, { infiniteLoop: false }));
    await Promise.all(batch);
  }
  return performance.now() - t0;
}

interface TableTimes { tick: number; start: number; stop: number }

// One startTask + stopTask pair on the middle task of the table.
async function pair(ex: Executor, n: number): Promise<[number, number]> {
  const target = taskName(Math.floor(n / 2));
  let t0 = performance.now();
  const row = await ex.startTask(target);
  const start = performance.now() - t0;
  if (row.result !== 'started') throw new Error(`startTask gave ${row.result}`);
  t0 = performance.now();
  const stopped = await ex.stopTask(target);
  const stop = performance.now() - t0;
  if (stopped.result !== 'stopped') throw new Error(`stopTask gave ${stopped.result}`);
  return [start, stop];
}

// Both tables are built first, then every measurement alternates between them, so disk write-back left over
// (e.g. the file system's journal after 10,000 fsync'd files) weighs on both sides alike.
async function measureBoth(): Promise<{ small: TableTimes; big: TableTimes; fillMs: number }> {
  const sizes = [SMALL, BIG] as const;
  const exs = sizes.map((n) => newExecutor(join(tempFolder(`table${n}`), 'folder')));
  await fill(exs[0]!, SMALL);
  const fillMs = await fill(exs[1]!, BIG);
  execFileSync('sync'); // flush the dirty pages of the fill, so they are not written back during the measurements
  const ticks: number[][] = [[], []];
  const starts: number[][] = [[], []];
  const stops: number[][] = [[], []];
  for (let i = -TICK_WARM_UP; i < TICKS; i++) {
    for (const k of [0, 1]) {
      const t0 = performance.now();
      await exs[k]!.tick();
      if (i >= 0) ticks[k]!.push(performance.now() - t0);
    }
  }
  for (let i = -1; i < PAIRS; i++) {
    for (const k of [0, 1]) {
      const [start, stop] = await pair(exs[k]!, sizes[k]!);
      if (i >= 0) { starts[k]!.push(start); stops[k]!.push(stop); }
    }
  }
  const times = (k: number): TableTimes => ({ tick: median(ticks[k]!), start: median(starts[k]!), stop: median(stops[k]!) });
  return { small: times(0), big: times(1), fillMs };
}

export async function benchTable(): Promise<{ figures: Figure[]; fillMs: number }> {
  const { small, big, fillMs } = await measureBoth();
  const fmtN = (n: number) => n.toLocaleString('en-US');
  return {
    fillMs,
    figures: [
      {
        figure: `tick() with ${fmtN(BIG)} tasks (median of ${TICKS})`,
        ours: fmtMs(big.tick), floor: `${fmtMs(small.tick)} (${SMALL} tasks)`, ratio: `${(big.tick / small.tick).toFixed(1)}×`,
        goal: `< ${GOAL_TICK_MS} ms`, pass: big.tick < GOAL_TICK_MS,
      },
      {
        figure: `startTask with ${fmtN(BIG)} tasks in the table (median of ${PAIRS})`,
        ours: fmtMs(big.start), floor: `${fmtMs(small.start)} (${SMALL} tasks)`, ratio: `${(big.start / small.start).toFixed(2)}×`,
        goal: `< ${GOAL_OP_RATIO}×`, pass: big.start / small.start < GOAL_OP_RATIO,
      },
      {
        figure: `stopTask with ${fmtN(BIG)} tasks in the table (median of ${PAIRS})`,
        ours: fmtMs(big.stop), floor: `${fmtMs(small.stop)} (${SMALL} tasks)`, ratio: `${(big.stop / small.stop).toFixed(2)}×`,
        goal: `< ${GOAL_OP_RATIO}×`, pass: big.stop / small.stop < GOAL_OP_RATIO,
        note: `filling the ${fmtN(BIG)}-task table with addTask took ${(fillMs / 1000).toFixed(1)} s (${fmtMs(fillMs / BIG)} a task)`,
      },
    ],
  };
}
