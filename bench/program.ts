// 9. Program step overhead: a program of STEPS steps, each the same tiny script, timed from `runTask` to `waitRun`
// resolving; per step = that time / STEPS. Floor: STEPS sequential `child_process.spawn`s of the same command (detached,
// output to a file, as our steps are), each awaited until its 'exit'. The difference per step is what a step costs us:
// the launch (lock, ledger, input file), then per step the shim, the exit seen and settled under the lock, the next spawn.
// Three sides alternate, after one warm-up each: the floor, ours with no supervisor (the process that called runTask
// advances the steps as they exit), ours under keepRestarting in this process. Also, informationally, Node steps.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import type { Executor, StepEvent } from '../dist/index.js';
import { envInt, FIXTURES, fmtMs, median, newExecutor, nowMs, percentile, tempFolder, trackGroup, untrackGroup, waitUntil, type Figure } from './lib.js';

/** Steps in the program (`BENCH_PROGRAM_STEPS`). */
export const STEPS = envInt('BENCH_PROGRAM_STEPS', 10);
/** Runs of the program per side, after a warm-up (`BENCH_PROGRAM_REPS`). */
export const REPS = envInt('BENCH_PROGRAM_REPS', 10);
/** Runs per side with Node steps (`BENCH_PROGRAM_NODE_REPS`). */
export const NODE_REPS = envInt('BENCH_PROGRAM_NODE_REPS', 5);
/** The cheap step: `sh program-step.sh` (`exit 0`), so the child costs as little as a child can. */
export const SH_STEP = join(FIXTURES, 'program-step.sh');
/** The Node step: an empty module, so a step costs one Node start-up. */
export const NODE_STEP = join(FIXTURES, 'program-step.mjs');
/** How long one program run may take before the bench gives up. */
export const RUN_TIMEOUT_MS = 60_000;
/** How long after waitRun resolves the run's last `step` event may still come. */
export const EVENTS_GRACE_MS = 5_000;

/** One kind of step: the script, its interpreter name (ours), the floor's argv0, and how the tables show it. */
interface StepKind { label: string; script: string; interpreter: 'sh' | 'node'; command: string; shown: string }
const SH: StepKind = { label: 'sh', script: SH_STEP, interpreter: 'sh', command: 'sh', shown: 'sh program-step.sh' };
const NODE: StepKind = { label: 'node', script: NODE_STEP, interpreter: 'node', command: process.execPath, shown: 'node program-step.mjs' };

/** One of our program runs: total time and where it went, from the `step` events (ms). */
interface Run { total: number; toFirstStep: number; stepSpans: number[]; lastToWait: number }

// The floor: STEPS spawns of the same command, one after another, each until 'exit'; total ms.
async function rawProgram(dir: string, kind: StepKind, rep: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < STEPS; i++) {
    const out = openSync(join(dir, `raw-${kind.label}-${rep}-${i}.txt`), 'a');
    const child = spawn(kind.command, [kind.script], { detached: true, stdio: ['ignore', out, out] });
    closeSync(out);
    trackGroup(child.pid);
    await new Promise((resolve, reject) => child.once('exit', resolve).once('error', reject));
    untrackGroup(child.pid);
  }
  return performance.now() - t0;
}

/** Times of each run's `step` events in this process (running / ended, by index), for the breakdown. */
function watchSteps(ex: Executor): Map<string, { running: number[]; ended: number[] }> {
  const seen = new Map<string, { running: number[]; ended: number[] }>();
  const pids = new Map<string, number>();
  ex.on('step', (e: StepEvent) => {
    const at = nowMs();
    const s = seen.get(e.runId) ?? seen.set(e.runId, { running: [], ended: [] }).get(e.runId)!;
    const key = `${e.runId} ${e.index}`;
    if (e.status === 'running') {
      s.running[e.index] = at;
      if (e.pid !== null) { trackGroup(e.pid); pids.set(key, e.pid); }
    } else {
      s.ended[e.index] = at;
      untrackGroup(pids.get(key));
      pids.delete(key);
    }
  });
  return seen;
}

async function oursProgram(ex: Executor, seen: ReturnType<typeof watchSteps>, task: string): Promise<Run> {
  const t0 = nowMs();
  const runId = await ex.runTask(task);
  const record = await ex.waitRun(runId, { timeout: RUN_TIMEOUT_MS });
  const t1 = nowMs();
  if (record.status !== 'succeeded') throw new Error(`Program run ${runId} ended ${record.status}: ${record.errorMessage ?? ''}`);
  // waitRun may resolve a moment before the last step's end event is emitted (the ledger is written first).
  const count = (k: 'running' | 'ended'): number => (seen.get(runId)?.[k] ?? []).filter((t) => t !== undefined).length;
  await waitUntil(() => count('running') === STEPS && count('ended') === STEPS, `the step events of run ${runId}`, EVENTS_GRACE_MS, 1);
  const s = seen.get(runId)!;
  seen.delete(runId);
  return {
    total: t1 - t0,
    toFirstStep: s.running[0]! - t0,
    // A step's 'running' event → its end event: the child's life, its exit seen, settled under the lock, the next step spawned.
    stepSpans: s.running.map((r, i) => s.ended[i]! - r),
    lastToWait: t1 - s.ended[STEPS - 1]!,
  };
}

/** The program task: STEPS steps of the same script. */
async function addProgram(ex: Executor, task: string, kind: StepKind): Promise<void> {
  const steps = Array.from({ length: STEPS }, (_, i) => ({ name: `s${i}`, script: kind.script, interpreter: kind.interpreter }));
  await ex.addTask(task, { steps, header: false });
}

interface Sides { floor: number[]; plain: Run[]; supervised: Run[] }

/** Alternates the three sides `reps` times (after one discarded warm-up of each). */
async function measure(kind: StepKind, reps: number): Promise<Sides> {
  const dir = tempFolder(`program-${kind.label}`);
  const plainEx = newExecutor(join(dir, 'plain'));
  const supEx = newExecutor(join(dir, 'supervised'));
  const plainSeen = watchSteps(plainEx);
  const supSeen = watchSteps(supEx);
  await addProgram(plainEx, 'p', kind);
  await addProgram(supEx, 'p', kind);
  const sup = supEx.keepRestarting();
  const sides: Sides = { floor: [], plain: [], supervised: [] };
  try {
    for (let rep = -1; rep < reps; rep++) {
      const floor = await rawProgram(dir, kind, rep);
      const plain = await oursProgram(plainEx, plainSeen, 'p');
      const supervised = await oursProgram(supEx, supSeen, 'p');
      if (rep < 0) continue;
      sides.floor.push(floor);
      sides.plain.push(plain);
      sides.supervised.push(supervised);
    }
  } finally {
    await sup.stop();
  }
  return sides;
}

const perStep = (ms: number): number => ms / STEPS;
const mid = (runs: Run[], f: (r: Run) => number): number => median(runs.map(f));
const signed = (ms: number): string => (ms < 0 ? `−${fmtMs(-ms)}` : `+${fmtMs(ms)}`);
const range = (v: number[]): string => `${fmtMs(Math.min(...v))}–${fmtMs(Math.max(...v))}`;

/** One figure: our median per-step time against the floor's, with where the time went in the note. */
function figure(title: string, kind: StepKind, runs: Run[], floor: number[], reps: number): Figure {
  const o = perStep(mid(runs, (r) => r.total));
  const f = perStep(median(floor));
  const spans = runs.flatMap((r) => r.stepSpans);
  return {
    figure: title,
    ours: `${fmtMs(o)} a step (${fmtMs(mid(runs, (r) => r.total))} a run)`,
    floor: `${fmtMs(f)} a spawn (${STEPS} × spawn → exit of \`${kind.shown}\`)`,
    ratio: `${(o / f).toFixed(1)}× (${signed(o - f)} a step)`,
    goal: 'informational', pass: null,
    note: `medians of ${reps} runs of ${STEPS} steps: runTask → first step's \`step\` running event ${fmtMs(mid(runs, (r) => r.toFirstStep))} `
      + `(lock, ledger, input file, spawn); a step's running event → its end event ${fmtMs(median(spans))} (p90 ${fmtMs(percentile(spans, 90))}: `
      + `the child's life, its exit seen through the shim, settled under the lock, the next step spawned and recorded); last step's end event → waitRun `
      + `resolved ${fmtMs(mid(runs, (r) => r.lastToWait))} (negative: resolved first). Whole runs: floor ${range(floor)}, ours ${range(runs.map((r) => r.total))}.`,
  };
}

export async function benchProgram(): Promise<{ figures: Figure[]; perStep: number; floor: number }> {
  const sh = await measure(SH, REPS);
  const node = await measure(NODE, NODE_REPS);
  const plain = figure(`Program of ${STEPS} \`sh\` steps, runTask → waitRun, per step (median of ${REPS})`, SH, sh.plain, sh.floor, REPS);
  const supervised = figure('The same under keepRestarting() in this process', SH, sh.supervised, sh.floor, REPS);
  const nodes = figure(`Program of ${STEPS} Node steps, per step (informational, median of ${NODE_REPS})`, NODE, node.plain, node.floor, NODE_REPS);
  const vsPlain = mid(sh.supervised, (r) => r.total) / mid(sh.plain, (r) => r.total);
  const load = `1-min load average at the end: ${loadavg()[0]!.toFixed(1)} (${cpus().length} CPUs).`;
  return {
    perStep: perStep(mid(sh.plain, (r) => r.total)), floor: perStep(median(sh.floor)),
    figures: [
      { ...plain, note: `${plain.note} ${load}` },
      { ...supervised, note: `${vsPlain.toFixed(2)}× the unsupervised run's time; ${supervised.note}` },
      { ...nodes, note: `${nodes.note} Under \`keepRestarting()\`: ${fmtMs(perStep(mid(node.supervised, (r) => r.total)))} a step.` },
    ],
  };
}
