// stopAll() of TASKS running tasks, each `sh` with one child (bench/fixtures/sh-child.sh: `sleep 600 &`, then `wait`),
// timed until every one of those processes is gone (found by a marker in their environment). Against:
// - the floor: the same TASKS scripts spawned raw (detached), then SIGTERM to every process group and a wait until
//   every pid (each `sh` and its `sleep`) is gone;
// - PM2: the same TASKS apps (`interpreter: 'sh'`) started from an ecosystem file, then `pm2 delete all` (the CLI,
//   timed from spawn to exit, against its running daemon), every process checked gone the same way.
// The three sides alternate, ROUNDS times; medians.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { envInt, FIXTURES, fmtMs, lines, median, newExecutor, pause, pidAlive, tempFolder, trackGroup, untrackGroup, waitUntil, type Figure } from './lib.js';
import { openPm2, type Pm2Session } from './pm2.js';
import { markedPids } from './procfs.js';

/** Running tasks stopped per round (`BENCH_STOP_TASKS`; the goals are set for 100). */
export const TASKS = envInt('BENCH_STOP_TASKS', 100);
/** Rounds per side (`BENCH_STOP_ROUNDS`). */
export const ROUNDS = envInt('BENCH_STOP_ROUNDS', 3);
/** Goals. */
export const GOAL_MS = 400;
export const GOAL_PM2_RATIO = 0.25;

const SCRIPT = join(FIXTURES, 'sh-child.sh');
const MARK = 'BENCH_STOP_MARK';
const GONE_TIMEOUT_MS = 30_000;

/** One side's round: the stop's own time, and the time until every marked process was gone (the figure). */
interface Stop { call: number; gone: number }

// Waits (from t0) until no process carries this round's marker; the stop's call took `call` ms. A scan that finds
// none dates the end to its own start (a scan of /proc takes a few ms), and never before the call returned.
async function goneAfter(mark: string, t0: number, call: number): Promise<Stop> {
  const deadline = performance.now() + GONE_TIMEOUT_MS;
  for (;;) {
    const scanned = performance.now();
    if (markedPids(MARK, mark).length === 0) return { call, gone: Math.max(call, scanned - t0) };
    if (scanned > deadline) throw new Error(`processes of ${mark} still there ${GONE_TIMEOUT_MS} ms after the stop`);
    await pause(2);
  }
}

async function rawRound(dir: string, mark: string): Promise<Stop> {
  const ready = join(dir, `${mark}.ready`);
  const env = { ...process.env, [MARK]: mark, BENCH_READY: ready };
  const leaders: number[] = [];
  for (let i = 0; i < TASKS; i++) {
    const child = spawn('sh', [SCRIPT], { env, detached: true, stdio: 'ignore' });
    child.unref();
    leaders.push(child.pid!);
    trackGroup(child.pid);
  }
  await waitUntil(() => lines(ready).length >= TASKS, 'the raw scripts to come up', 60_000, 20);
  const pids = [...leaders, ...lines(ready).map(Number)];
  const t0 = performance.now();
  for (const pid of leaders) process.kill(-pid, 'SIGTERM');
  while (pids.some(pidAlive)) await pause(1);
  const call = performance.now() - t0;
  for (const pid of leaders) untrackGroup(pid);
  return goneAfter(mark, t0, call);
}

async function oursRound(dir: string, mark: string): Promise<Stop> {
  const ready = join(dir, `${mark}.ready`);
  const ex = newExecutor(join(dir, mark));
  const env = { [MARK]: mark, BENCH_READY: ready };
  await Promise.all(Array.from({ length: TASKS }, (_, i) => ex.addTask(`s${i}`, SCRIPT, { interpreter: 'sh', env })));
  const rows = await ex.startAll();
  if (rows.some((r) => r.result !== 'started')) throw new Error(`startAll: ${JSON.stringify(rows.find((r) => r.result !== 'started'))}`);
  await waitUntil(() => lines(ready).length >= TASKS, 'our tasks to come up', 60_000, 20);
  const t0 = performance.now();
  const stopped = await ex.stopAll();
  const call = performance.now() - t0;
  const notStopped = stopped.filter((r) => r.result !== 'stopped');
  if (notStopped.length > 0) throw new Error(`stopAll: ${JSON.stringify(notStopped[0])}`);
  return goneAfter(mark, t0, call);
}

async function pm2Round(pm2: Pm2Session, dir: string, mark: string): Promise<Stop> {
  const ready = join(dir, `${mark}.ready`);
  const env = { [MARK]: mark, BENCH_READY: ready };
  const file = pm2.ecosystem(Array.from({ length: TASKS }, (_, i) => ({ name: `s${i}`, script: SCRIPT, interpreter: 'sh', env })), mark);
  await pm2.cli(['start', file]);
  await waitUntil(() => lines(ready).length >= TASKS, 'the PM2 apps to come up', 60_000, 20);
  const t0 = performance.now();
  const { ms } = await pm2.cli(['delete', 'all']);
  return goneAfter(mark, t0, ms);
}

export async function benchStopAll(): Promise<{ figures: Figure[] }> {
  const dir = tempFolder('stopall');
  const pm2 = await openPm2('stopall');
  const raw: Stop[] = [];
  const ours: Stop[] = [];
  const theirs: Stop[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      raw.push(await rawRound(dir, `raw${round}`));
      ours.push(await oursRound(dir, `ours${round}`));
      theirs.push(await pm2Round(pm2, dir, `pm2${round}`));
    }
  } finally {
    await pm2.close();
  }
  const gone = (s: Stop[]) => median(s.map((x) => x.gone));
  const [o, f, p] = [gone(ours), gone(raw), gone(theirs)];
  const late = (s: Stop[]) => fmtMs(median(s.map((x) => x.gone - x.call)));
  return {
    figures: [{
      figure: `stopAll() of ${TASKS} running tasks (each \`sh\` → a child), until every process is gone (median of ${ROUNDS})`,
      ours: fmtMs(o), floor: `${fmtMs(f)} (SIGTERM to ${TASKS} raw groups)`, pm2: `${fmtMs(p)} (\`pm2 delete all\`)`,
      ratio: `${(o / p).toFixed(2)}× pm2; ${(o / f).toFixed(1)}× the floor`,
      goal: `≤ ${GOAL_MS} ms and ≤ ${GOAL_PM2_RATIO}× pm2 delete all`, pass: o <= GOAL_MS && o <= GOAL_PM2_RATIO * p,
      note: `ours ${ours.map((s) => fmtMs(s.gone)).join(', ')}; floor ${raw.map((s) => fmtMs(s.gone)).join(', ')}; `
        + `pm2 ${theirs.map((s) => fmtMs(s.gone)).join(', ')}. After the call returned, the last process was gone within (median): `
        + `ours ${late(ours)}, pm2 ${late(theirs)}. PM2 stops 2 apps at a time (its default), polling each every 100 ms; `
        + 'its figure includes its CLI\'s start-up (see `pm2 --version`).',
      cause: 'A stop per task (its lock, its tree found and signalled, its record written) instead of one walk for all.',
    }],
  };
}
