// 10. Event fan-out: TASKS one-step programs subscribed to 'go'; the time from just before `emitEvent('go')` to each
// run's step starting, as the child's own clock sees it (the step is `sh program-stamp.sh`, which appends
// "<task> <runId> $(date +%s%N)" to a log) and as this process sees it (the `start` event: spawned and recorded).
// Per round: the first and the last of the TASKS spawns. Floor: TASKS raw `child_process.spawn`s of the same script
// from one loop (detached, output to a file), timed the same way (loop start → each child's stamp).
// Two emitters, both supervised by keepRestarting() in this process: this process (the supervisor handles the event
// itself), and a second Node process (bench/fixtures/program-emit.mjs) whose event file the supervisor picks up.
// The three sides alternate, round by round, after one warm-up round each.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { Executor } from '../dist/index.js';
import { envInt, FIXTURES, fmtMs, lines, newExecutor, nowMs, pause, percentile, tempFolder, trackGroup, untrackGroup, waitUntil, type Figure } from './lib.js';

/** Subscribed tasks (`BENCH_EVENT_TASKS`). */
export const TASKS = envInt('BENCH_EVENT_TASKS', 50);
/** Rounds per side, after a warm-up (`BENCH_EVENT_ROUNDS`). */
export const ROUNDS = envInt('BENCH_EVENT_ROUNDS', 20);
/** The event type the tasks are subscribed to. */
export const EVENT_TYPE = 'go';
/** The step: stamps "<task> <runId> <epoch ns>" into $BENCH_EVENT_LOG. */
export const STAMP_SCRIPT = join(FIXTURES, 'program-stamp.sh');
/** The second process that emits. */
export const EMITTER = join(FIXTURES, 'program-emit.mjs');
/** How long a round's runs may take to end. */
export const ROUND_TIMEOUT_MS = 60_000;
/** How long the emitter process may take to end once its stdin is closed. */
export const EMITTER_EXIT_MS = 5_000;
const LOG_ENV = 'BENCH_EVENT_LOG';
const SHELL = 'sh';
const POLL_MS = 10;
const NS_PER_MS = 1_000_000n;

const taskName = (i: number): string => `e${String(i).padStart(2, '0')}`;

/** Epoch ms (fractional) of a `date +%s%N` stamp. */
function nsToMs(ns: string): number {
  const n = BigInt(ns);
  return Number(n / NS_PER_MS) + Number(n % NS_PER_MS) / Number(NS_PER_MS);
}

/** runId → the child's own start (epoch ms), from the stamp log. */
function stamps(log: string): Map<string, number> {
  return new Map(lines(log).map((l) => l.split(' ')).filter((p) => p.length === 3).map(([, runId, ns]) => [runId!, nsToMs(ns!)]));
}

/** One round of one side: ms from the emit (or the loop's start) to each child's stamp, and to each `start` event. */
interface Round { toChild: number[]; toStartEvent: number[]; toResolved: number; toWritten?: number }

/** Waits for every run's stamp; returns the latencies from t0. */
async function stampsOf(log: string, runIds: string[], t0: number): Promise<number[]> {
  let seen = new Map<string, number>();
  await waitUntil(() => { seen = stamps(log); return runIds.every((id) => seen.has(id)); }, 'every child to stamp its start', ROUND_TIMEOUT_MS, POLL_MS);
  return runIds.map((id) => seen.get(id)! - t0);
}

/** The floor: TASKS spawns of the same script from one loop; waits for their exits. */
async function rawRound(dir: string, log: string, round: number): Promise<Round> {
  const runIds = Array.from({ length: TASKS }, (_, i) => `raw-${round}-${i}`);
  const exits: Promise<unknown>[] = [];
  const t0 = nowMs();
  for (let i = 0; i < TASKS; i++) {
    const out = openSync(join(dir, `${runIds[i]}.txt`), 'a');
    const env = { ...process.env, EXECUTOR_TASK: taskName(i), EXECUTOR_RUN_ID: runIds[i]!, [LOG_ENV]: log };
    const child = spawn(SHELL, [STAMP_SCRIPT], { env, detached: true, stdio: ['ignore', out, out] });
    closeSync(out);
    trackGroup(child.pid);
    exits.push(new Promise((resolve) => child.once('exit', resolve)).then(() => untrackGroup(child.pid)));
  }
  const toResolved = nowMs() - t0;
  await Promise.all(exits);
  return { toChild: await stampsOf(log, runIds, t0), toStartEvent: [], toResolved };
}

/** Our side's tail: waits for the runs to end and their stamps; reads the `start` events seen since. */
async function settle(ex: Executor, log: string, runIds: string[], t0: number, t1: number, starts: Map<string, number>): Promise<Round> {
  // An event from another process is a run of this folder only once the supervisor has picked it up: wait for that.
  await waitUntil(() => runIds.every((id) => starts.has(id)), 'every run to start', ROUND_TIMEOUT_MS, POLL_MS);
  const records = await Promise.all(runIds.map((id) => ex.waitRun(id, { timeout: ROUND_TIMEOUT_MS })));
  const bad = records.find((r) => r.status !== 'succeeded');
  if (bad) throw new Error(`Event run ${bad.runId} ended ${bad.status}: ${bad.errorMessage ?? ''}`);
  const toChild = await stampsOf(log, runIds, t0);
  const toStartEvent = runIds.map((id) => starts.get(id)! - t0);
  for (const id of runIds) starts.delete(id);
  return { toChild, toStartEvent, toResolved: t1 - t0 };
}

/** A line-by-line request/answer channel to the emitter process. */
function emitterChannel(stdout: Readable): () => Promise<string> {
  const queue: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  createInterface({ input: stdout }).on('line', (line) => { const w = waiting.shift(); if (w) w(line); else queue.push(line); });
  return () => new Promise((resolve) => { const line = queue.shift(); if (line !== undefined) resolve(line); else waiting.push(resolve); });
}

interface Sides { floor: Round[]; local: Round[]; remote: Round[] }

async function measure(): Promise<Sides> {
  const dir = tempFolder('event');
  const log = join(dir, 'stamps.log');
  const folder = join(dir, 'folder');
  const ex = newExecutor(folder);
  const starts = new Map<string, number>();
  const pids = new Map<string, number>();
  ex.on('start', (e) => { starts.set(e.runId, nowMs()); pids.set(e.runId, e.pid); });
  ex.on('exit', (e) => { untrackGroup(pids.get(e.runId)); pids.delete(e.runId); });
  // emitEvent logs "Event <type> (<id>) for …" once the event file is written (after the table read and the fsync).
  let writtenAt = NaN;
  ex.on('log', (e) => { if (e.message.startsWith(`Event ${EVENT_TYPE} (`)) writtenAt = nowMs(); });
  const steps = [{ name: 's1', script: STAMP_SCRIPT, interpreter: SHELL, env: { [LOG_ENV]: log } }];
  await Promise.all(Array.from({ length: TASKS }, (_, i) => ex.addTask(taskName(i), { steps, on: [EVENT_TYPE], header: false })));
  const sup = ex.keepRestarting();
  const emitter = spawn(process.execPath, [EMITTER, folder, EVENT_TYPE], { stdio: ['pipe', 'pipe', 'inherit'] });
  const next = emitterChannel(emitter.stdout);
  const sides: Sides = { floor: [], local: [], remote: [] };
  try {
    if ((await next()) !== 'ready') throw new Error('The emitter process did not start');
    for (let round = -1; round < ROUNDS; round++) {
      const floor = await rawRound(dir, log, round);
      let t0 = nowMs();
      const ids = await ex.emitEvent(EVENT_TYPE);
      const local = { ...(await settle(ex, log, ids, t0, nowMs(), starts)), toWritten: writtenAt - t0 };
      emitter.stdin.write('\n');
      const answer = JSON.parse(await next()) as { t0: number; t1: number; runIds: string[] };
      t0 = answer.t0;
      const remote = await settle(ex, log, answer.runIds, t0, answer.t1, starts);
      if (round < 0) continue;
      sides.floor.push(floor);
      sides.local.push(local);
      sides.remote.push(remote);
    }
  } finally {
    emitter.stdin.end();
    await Promise.race([once(emitter, 'exit'), pause(EMITTER_EXIT_MS)]);
    if (emitter.exitCode === null && emitter.signalCode === null) emitter.kill('SIGKILL');
    await sup.stop();
  }
  return sides;
}

const firsts = (rounds: Round[], k: 'toChild' | 'toStartEvent'): number[] => rounds.map((r) => Math.min(...r[k]));
const lasts = (rounds: Round[], k: 'toChild' | 'toStartEvent'): number[] => rounds.map((r) => Math.max(...r[k]));
const dist = (v: number[]): string => `${fmtMs(percentile(v, 50))} / ${fmtMs(percentile(v, 99))} / ${fmtMs(Math.max(...v))}`;
const signed = (ms: number): string => (ms < 0 ? `−${fmtMs(-ms)}` : `+${fmtMs(ms)}`);
const ratio = (o: number[], f: number[]): string => {
  const a = percentile(o, 50);
  const b = percentile(f, 50);
  return `${(a / b).toFixed(1)}× (${signed(a - b)}) at p50`;
};

/** Where our side's time went, from this process's view, for the notes. */
function breakdown(rounds: Round[]): string {
  const all = rounds.flatMap((r) => r.toChild);
  const written = rounds.flatMap((r) => (r.toWritten === undefined ? [] : [r.toWritten]));
  const toWritten = written.length ? `event file written (its log line) p50 ${fmtMs(percentile(written, 50))}; ` : '';
  return `${toWritten}emitEvent resolved p50 ${fmtMs(percentile(rounds.map((r) => r.toResolved), 50))}; first / last \`start\` event (spawned and recorded) p50 `
    + `${fmtMs(percentile(firsts(rounds, 'toStartEvent'), 50))} / ${fmtMs(percentile(lasts(rounds, 'toStartEvent'), 50))}; `
    + `all ${all.length} spawns, child's own start: p50 ${fmtMs(percentile(all, 50))} / p99 ${fmtMs(percentile(all, 99))}`;
}

export async function benchEvent(): Promise<{ figures: Figure[]; first: number; last: number }> {
  const { floor, local, remote } = await measure();
  const what = `${TASKS} subscribed programs, the supervisor emits; p50 / p99 / max of ${ROUNDS} rounds`;
  const floorLabel = `(${TASKS} spawns from one loop)`;
  const extra = (f: (r: Round[], k: 'toChild') => number[]): string => `${signed(percentile(f(remote, 'toChild'), 50) - percentile(f(local, 'toChild'), 50))} at p50`;
  const floorAll = floor.flatMap((r) => r.toChild);
  const load = `1-min load average at the end: ${loadavg()[0]!.toFixed(1)} (${cpus().length} CPUs)`;
  return {
    first: percentile(firsts(local, 'toChild'), 50), last: percentile(lasts(local, 'toChild'), 50),
    figures: [{
      figure: `emitEvent → the first of the ${TASKS} runs' first step starting (${what})`,
      ours: dist(firsts(local, 'toChild')), floor: `${dist(firsts(floor, 'toChild'))} ${floorLabel}`, ratio: ratio(firsts(local, 'toChild'), firsts(floor, 'toChild')),
      goal: 'informational', pass: null,
      note: `${breakdown(local)}. Floor: the spawn loop returned after p50 ${fmtMs(percentile(floor.map((r) => r.toResolved), 50))}; all ${floorAll.length} children's own start p50 `
        + `${fmtMs(percentile(floorAll, 50))} / p99 ${fmtMs(percentile(floorAll, 99))}. ${load}.`,
    }, {
      figure: `emitEvent → the last of the ${TASKS} starting (same rounds)`,
      ours: dist(lasts(local, 'toChild')), floor: `${dist(lasts(floor, 'toChild'))} ${floorLabel}`, ratio: ratio(lasts(local, 'toChild'), lasts(floor, 'toChild')),
      goal: 'informational', pass: null,
    }, {
      figure: `Emitted by a second process instead (the supervisor picks the event file up): first / last starting, p50`,
      ours: `${fmtMs(percentile(firsts(remote, 'toChild'), 50))} / ${fmtMs(percentile(lasts(remote, 'toChild'), 50))}`,
      floor: `${fmtMs(percentile(firsts(local, 'toChild'), 50))} / ${fmtMs(percentile(lasts(local, 'toChild'), 50))} (emitted by the supervisor)`,
      ratio: `first ${extra(firsts)}, last ${extra(lasts)}`, goal: 'informational', pass: null,
      note: `p50 / p99 / max, first: ${dist(firsts(remote, 'toChild'))}; last: ${dist(lasts(remote, 'toChild'))}. ${breakdown(remote)} `
        + `(emitEvent in the second process only writes the event file: the supervisor sees it through fs.watch).`,
    }],
  };
}
