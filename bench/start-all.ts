// 2. startAll of 100 tasks against 100 raw child_process.spawn() calls of the same script.
// Ours: time until `startAll()` resolves (every run spawned and recorded). Floor: time until the spawn loop returns.
// Both children get the same kind of stdio (an output file) and are detached. Between rounds we wait for every
// child to be up and then gone, so one round's 100 Node start-ups do not eat into the next round's CPU.
import { spawn } from 'node:child_process';
import { closeSync, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, fmtMs, killGroup, lines, median, newExecutor, pidAlive, tempFolder, trackGroup, waitUntil, type Figure } from './lib.js';

/** Tasks started per round. */
export const TASKS = 100;
/** Rounds per side (median reported). */
export const ROUNDS = 3;
/** Goal: startAll at most this many times the raw spawn loop. */
export const GOAL_RATIO = 2.5;

const SCRIPT = join(FIXTURES, 'sleeper.mjs');

async function rawRound(dir: string, round: number): Promise<number> {
  const ready = join(dir, `raw-${round}.ready`);
  const env = { ...process.env, BENCH_READY: ready };
  const pids: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < TASKS; i++) {
    const out = openSync(join(dir, `raw-${round}-${i}.txt`), 'a');
    const child = spawn(process.execPath, [SCRIPT], { env, detached: true, stdio: ['ignore', out, out] });
    closeSync(out);
    child.unref();
    pids.push(child.pid!);
    trackGroup(child.pid);
  }
  const elapsed = performance.now() - t0;
  await waitUntil(() => lines(ready).length >= TASKS, 'the raw children to come up', 60_000, 20);
  for (const pid of pids) killGroup(pid);
  await waitUntil(() => pids.every((p) => !pidAlive(p)), 'the raw children to go', 30_000, 20);
  return elapsed;
}

async function oursRound(dir: string, round: number): Promise<number> {
  const ready = join(dir, `ours-${round}.ready`);
  const folder = join(dir, `ours-${round}`);
  const ex = newExecutor(folder);
  await Promise.all(Array.from({ length: TASKS }, (_, i) => ex.addTask(`s${i}`, SCRIPT, { env: { BENCH_READY: ready } })));
  const t0 = performance.now();
  const rows = await ex.startAll();
  const elapsed = performance.now() - t0;
  const started = rows.filter((r) => r.result === 'started').length;
  if (started !== TASKS) throw new Error(`startAll started ${started} of ${TASKS}: ${JSON.stringify(rows.find((r) => r.result !== 'started'))}`);
  await waitUntil(() => lines(ready).length >= TASKS, 'our tasks to come up', 60_000, 20);
  await ex.stopAll();
  rmSync(folder, { recursive: true, force: true });
  return elapsed;
}

export async function benchStartAll(): Promise<{ figures: Figure[]; ours: number; floor: number }> {
  const dir = tempFolder('startall');
  const ours: number[] = [];
  const raw: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    raw.push(await rawRound(dir, round));
    ours.push(await oursRound(dir, round));
  }
  const o = median(ours);
  const f = median(raw);
  return {
    ours: o, floor: f,
    figures: [{
      figure: `startAll of ${TASKS} tasks (median of ${ROUNDS} rounds)`,
      ours: fmtMs(o), floor: `${fmtMs(f)} (${TASKS} × spawn)`, ratio: `${(o / f).toFixed(2)}×`,
      goal: `< ${GOAL_RATIO}×`, pass: o / f < GOAL_RATIO,
      note: `ours ${ours.map(fmtMs).join(', ')}; raw ${raw.map(fmtMs).join(', ')}`,
    }],
  };
}
