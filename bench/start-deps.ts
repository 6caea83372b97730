// startAll of TASKS tasks in LEVELS dependency levels (task i of level k depends on task i of level k − 1, each ready
// as soon as it runs: `ready: { afterMs: 0 }`) against the same TASKS tasks without dependencies, in the same run.
// The goal: the added time is the readiness waits (none here) plus at most 5 ms a level. A second figure uses
// the default readiness (1 s alive), whose waits dominate by design.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Executor } from '../dist/index.js';
import { envInt, FIXTURES, fmtMs, median, newExecutor, tempFolder, type Figure } from './lib.js';

/** Tasks per table (`BENCH_DEPS_TASKS`; the goal is set for 100). */
export const TASKS = envInt('BENCH_DEPS_TASKS', 100);
/** Dependency levels (`BENCH_DEPS_LEVELS`; the goal is set for 10). */
export const LEVELS = envInt('BENCH_DEPS_LEVELS', 10);
/** Rounds per side, alternating (`BENCH_DEPS_ROUNDS`): the two sides differ by less than a round's spread, so many rounds. */
export const ROUNDS = envInt('BENCH_DEPS_ROUNDS', 11);
/** Goal: added time per level beyond the readiness waits, ms. */
export const GOAL_PER_LEVEL_MS = 5;

const SCRIPT = join(FIXTURES, 'sleep-long.sh');
const WIDTH = (): number => Math.ceil(TASKS / LEVELS);
const nameOf = (level: number, i: number): string => `l${level}-t${i}`;

async function fill(ex: Executor, deps: boolean, ready: { afterMs: number } | null): Promise<void> {
  for (let level = 0; level < LEVELS; level++) {
    await Promise.all(Array.from({ length: WIDTH() }, (_, i) => ex.addTask(nameOf(level, i), SCRIPT, {
      interpreter: 'sh', header: false,
      ...(ready === null ? {} : { ready }),
      ...(deps && level > 0 ? { dependsOn: [nameOf(level - 1, i)] } : {}),
    })));
  }
}

// One startAll of a fresh table; resolves with its duration, once every task is stopped again.
async function round(dir: string, tag: string, deps: boolean, ready: { afterMs: number } | null): Promise<number> {
  const folder = join(dir, tag);
  const ex = newExecutor(folder);
  await fill(ex, deps, ready);
  const t0 = performance.now();
  const rows = await ex.startAll();
  const ms = performance.now() - t0;
  const started = rows.filter((r) => r.result === 'started').length;
  await ex.stopAll();
  rmSync(folder, { recursive: true, force: true });
  if (started !== WIDTH() * LEVELS) throw new Error(`startAll started ${started} of ${WIDTH() * LEVELS}: ${JSON.stringify(rows.find((r) => r.result !== 'started'))}`);
  return ms;
}

export async function benchStartDeps(): Promise<{ figures: Figure[] }> {
  const dir = tempFolder('start-deps');
  const flat: number[] = [];
  const leveled: number[] = [];
  await round(dir, 'warm-flat', false, { afterMs: 0 });
  await round(dir, 'warm-deps', true, { afterMs: 0 });
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? [false, true] : [true, false];
    for (const deps of order) (deps ? leveled : flat).push(await round(dir, `r${r}-${deps ? 'deps' : 'flat'}`, deps, { afterMs: 0 }));
  }
  const defaultReady = await round(dir, 'default-ready', true, null);
  const [o, f] = [median(leveled), median(flat)];
  const perLevel = (o - f) / LEVELS;
  const n = WIDTH() * LEVELS;
  return {
    figures: [{
      figure: `startAll of ${n} tasks in ${LEVELS} dependency levels, ready when running (median of ${ROUNDS})`,
      ours: fmtMs(o), floor: `${fmtMs(f)} (the same ${n} tasks without dependencies)`, ratio: `+${fmtMs(perLevel)} a level`,
      goal: `≤ +${GOAL_PER_LEVEL_MS} ms a level beyond the readiness waits`, pass: perLevel <= GOAL_PER_LEVEL_MS,
      note: `levels ${leveled.map(fmtMs).join(', ')}; flat ${flat.map(fmtMs).join(', ')}. Each level starts once the previous one runs (its readiness check: \`afterMs: 0\`).`,
    }, {
      figure: `The same with the default readiness (1 s alive), one run`, ours: fmtMs(defaultReady), floor: `${fmtMs(f + (LEVELS - 1) * 1000)} (flat + ${LEVELS - 1} × 1 s of waits)`,
      ratio: `${fmtMs(defaultReady - f - (LEVELS - 1) * 1000)} beyond the waits`, goal: 'informational', pass: null,
      note: 'Levels 1 to 9 each wait for their dependency to have run 1 s.',
    }],
  };
}
