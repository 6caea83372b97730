// startAll of TASKS tasks against TASKS raw child_process.spawn() calls of the same script, and against PM2.
// Ours: time until `startAll()` resolves (every run spawned and recorded). Floor: time until the spawn loop returns.
// PM2: `pm2 start <ecosystem file of TASKS apps>` (the CLI, spawn → exit, against a daemon already running in a fresh
// PM2_HOME each round), which returns once its daemon has launched every app. Two scripts: `sh sleep-ready.sh` (a
// shell that notes its pid and execs `sleep`; the goal's figure, with PM2) and the Node sleeper (the earlier figure).
// Children get the same kind of stdio (an output file) and are detached. Between rounds we wait for every child to be
// up and then gone, so one round's start-ups do not eat into the next round's CPU.
import { spawn } from 'node:child_process';
import { closeSync, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { envInt, FIXTURES, fmtMs, killGroup, lines, median, newExecutor, pidAlive, tempFolder, trackGroup, waitUntil, type Figure } from './lib.js';
import { withPm2 } from './pm2.js';

/** Tasks started per round (`BENCH_START_TASKS`; the goals are set for 100). */
export const TASKS = envInt('BENCH_START_TASKS', 100);
/** Rounds per side (`BENCH_START_ROUNDS`; median reported). */
export const ROUNDS = envInt('BENCH_START_ROUNDS', 3);
/** Goals: startAll at most this many times the raw spawn loop (sh scripts; Node scripts, the earlier goal). */
export const GOAL_RATIO = 2;
export const NODE_GOAL_RATIO = 2.5;

const NODE_SCRIPT = join(FIXTURES, 'sleeper.mjs');
const SH_SCRIPT = join(FIXTURES, 'sleep-ready.sh');

/** A script to start: how to spawn it raw, and its interpreter for our task / PM2's app. */
interface Kind { tag: string; script: string; file: string; args: string[]; interpreter?: string }
const NODE: Kind = { tag: 'node', script: NODE_SCRIPT, file: process.execPath, args: [NODE_SCRIPT] };
const SH: Kind = { tag: 'sh', script: SH_SCRIPT, file: 'sh', args: [SH_SCRIPT], interpreter: 'sh' };

/** One round of one side: until the call returned, and until every child had said it was up. */
interface Start { call: number; up: number }

async function upAfter(ready: string, t0: number, call: number, what: string): Promise<Start> {
  await waitUntil(() => lines(ready).length >= TASKS, what, 60_000, 10);
  return { call, up: performance.now() - t0 };
}

async function rawRound(dir: string, kind: Kind, round: number): Promise<Start> {
  const ready = join(dir, `raw-${kind.tag}-${round}.ready`);
  const env = { ...process.env, BENCH_READY: ready };
  const pids: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < TASKS; i++) {
    const out = openSync(join(dir, `raw-${kind.tag}-${round}-${i}.txt`), 'a');
    const child = spawn(kind.file, kind.args, { env, detached: true, stdio: ['ignore', out, out] });
    closeSync(out);
    child.unref();
    pids.push(child.pid!);
    trackGroup(child.pid);
  }
  const start = await upAfter(ready, t0, performance.now() - t0, 'the raw children to come up');
  for (const pid of pids) killGroup(pid);
  await waitUntil(() => pids.every((p) => !pidAlive(p)), 'the raw children to go', 30_000, 20);
  return start;
}

async function oursRound(dir: string, kind: Kind, round: number): Promise<Start> {
  const ready = join(dir, `ours-${kind.tag}-${round}.ready`);
  const folder = join(dir, `ours-${kind.tag}-${round}`);
  const ex = newExecutor(folder);
  const options = { env: { BENCH_READY: ready }, ...(kind.interpreter ? { interpreter: kind.interpreter } : {}) };
  await Promise.all(Array.from({ length: TASKS }, (_, i) => ex.addTask(`s${i}`, kind.script, options)));
  const t0 = performance.now();
  const rows = await ex.startAll();
  const call = performance.now() - t0;
  const started = rows.filter((r) => r.result === 'started').length;
  if (started !== TASKS) throw new Error(`startAll started ${started} of ${TASKS}: ${JSON.stringify(rows.find((r) => r.result !== 'started'))}`);
  const start = await upAfter(ready, t0, call, 'our tasks to come up');
  await ex.stopAll();
  rmSync(folder, { recursive: true, force: true });
  return start;
}

async function pm2Round(dir: string, round: number): Promise<Start> {
  return withPm2(`start${round}`, async (pm2) => {
    const ready = join(dir, `pm2-${round}.ready`);
    const apps = Array.from({ length: TASKS }, (_, i) => ({ name: `s${i}`, script: SH.script, interpreter: SH.interpreter, env: { BENCH_READY: ready } }));
    const file = pm2.ecosystem(apps, `start${round}`);
    const t0 = performance.now();
    const { ms } = await pm2.cli(['start', file]);
    return upAfter(ready, t0, ms, 'the PM2 apps to come up');
  });
}

export async function benchStartAll(): Promise<{ figures: Figure[]; ours: number; floor: number }> {
  const dir = tempFolder('startall');
  const runs = { rawSh: [] as Start[], oursSh: [] as Start[], pm2: [] as Start[], rawNode: [] as Start[], oursNode: [] as Start[] };
  for (let round = 0; round < ROUNDS; round++) {
    runs.rawSh.push(await rawRound(dir, SH, round));
    runs.oursSh.push(await oursRound(dir, SH, round));
    runs.pm2.push(await pm2Round(dir, round));
    runs.rawNode.push(await rawRound(dir, NODE, round));
    runs.oursNode.push(await oursRound(dir, NODE, round));
  }
  const call = (s: Start[]) => median(s.map((x) => x.call));
  const up = (s: Start[]) => fmtMs(median(s.map((x) => x.up)));
  const list = (s: Start[]) => s.map((x) => fmtMs(x.call)).join(', ');
  const [o, f, p] = [call(runs.oursSh), call(runs.rawSh), call(runs.pm2)];
  const [on, fn] = [call(runs.oursNode), call(runs.rawNode)];
  return {
    ours: on, floor: fn,
    figures: [{
      figure: `startAll of ${TASKS} \`sh\` sleep scripts (median of ${ROUNDS} rounds)`,
      ours: fmtMs(o), floor: `${fmtMs(f)} (${TASKS} × spawn)`, pm2: `${fmtMs(p)} (\`pm2 start\` ecosystem, ${(p / f).toFixed(2)}×)`,
      ratio: `${(o / f).toFixed(2)}×`, goal: `≤ ${GOAL_RATIO}×`, pass: o / f <= GOAL_RATIO,
      note: `ours ${list(runs.oursSh)}; raw ${list(runs.rawSh)}; pm2 ${list(runs.pm2)}. Until every child had written its ready line `
        + `(medians): ours ${up(runs.oursSh)}, raw ${up(runs.rawSh)}, pm2 ${up(runs.pm2)}. PM2's figure includes its CLI's start-up (see \`pm2 --version\`).`,
      cause: 'Per-task bookkeeping (locks, fsync\'d record writes) on top of each spawn.',
    }, {
      figure: `startAll of ${TASKS} Node sleepers (earlier figure, median of ${ROUNDS} rounds)`,
      ours: fmtMs(on), floor: `${fmtMs(fn)} (${TASKS} × spawn)`, ratio: `${(on / fn).toFixed(2)}×`,
      goal: `< ${NODE_GOAL_RATIO}×`, pass: on / fn < NODE_GOAL_RATIO,
      note: `ours ${list(runs.oursNode)}; raw ${list(runs.rawNode)}; until every child was up: ours ${up(runs.oursNode)}, raw ${up(runs.rawNode)}`,
    }],
  };
}
