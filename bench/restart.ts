// 1. Restart latency: from the moment a crashing child exits to the moment its replacement's user code runs.
// Ours: keepRestarting restarts a crashed infinite-loop task (the first restart of a streak is immediate).
// Floor: a raw loop that child_process.spawn()s the same script again on 'exit'.
// PM2: the same script as an app with autorestart on (PM2's default), started through PM2's programmatic API
// (bench/fixtures/pm2-api.mjs, connected to a daemon in a temporary PM2_HOME); its daemon restarts it.
// All read the same wall clock: the fixture stamps the time just before exit and at the replacement's start.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { envInt, FIXTURES, fmtMs, lines, median, newExecutor, nowMs, tempFolder, trackGroup, killGroup, waitUntil, type Figure } from './lib.js';
import { openPm2, openPm2Api, type Pm2Api } from './pm2.js';

/** Restarts measured for each side (`BENCH_RESTARTS`). */
export const RESTARTS = envInt('BENCH_RESTARTS', 30);
/** Goals: median latency at most this much above the bare respawn (the earlier goal), and at most this ratio of it. */
export const GOAL_EXTRA_MS = 20;
export const GOAL_RATIO = 1.15;

const SCRIPT = join(FIXTURES, 'crash-once.mjs');

function stampsOf(file: string): { exit: number; start: number } {
  const all = lines(file);
  return {
    exit: Number(all.find((l) => l.startsWith('exit '))?.slice(5)),
    start: Number(all.find((l) => l.startsWith('start '))?.slice(6)),
  };
}

function gap(file: string): number {
  const { exit, start } = stampsOf(file);
  return start - exit;
}

/** Where one restart's time went (ms), from our events' times in this process. */
interface Phases { toExitEvent: number; toStartEvent: number; toFirstLine: number }

// One raw respawn: spawn, and spawn again on 'exit'; resolves with the exit-to-user-code gap.
async function rawOnce(dir: string, i: number): Promise<number> {
  const stamps = join(dir, `raw-${i}.stamps`);
  const env = { ...process.env, BENCH_MARKER: join(dir, `raw-${i}.marker`), BENCH_STAMPS: stamps };
  const out = openSync(join(dir, `raw-${i}.txt`), 'a');
  const launch = () => {
    const child = spawn(process.execPath, [SCRIPT], { env, detached: true, stdio: ['ignore', out, out] });
    trackGroup(child.pid);
    return child;
  };
  const first = launch();
  let second: ReturnType<typeof launch> | null = null;
  first.on('exit', () => { second = launch(); });
  await waitUntil(() => lines(stamps).some((l) => l.startsWith('start ')), 'the raw replacement');
  closeSync(out);
  killGroup(first.pid!);
  if (second) killGroup((second as ReturnType<typeof launch>).pid!);
  return gap(stamps);
}

// One PM2 restart: the app crashes once, PM2's daemon restarts it; the driver deletes it once the replacement stamped.
async function pm2Once(api: Pm2Api, dir: string, i: number): Promise<number> {
  const stamps = join(dir, `pm2-${i}.stamps`);
  await api.send({ op: 'restart', name: `p${i + 1}`, script: SCRIPT, stamps, env: { BENCH_MARKER: join(dir, `pm2-${i}.marker`), BENCH_STAMPS: stamps } });
  return gap(stamps);
}

export async function benchRestart(): Promise<{ figures: Figure[]; ours: number; floor: number }> {
  const dir = tempFolder('restart');
  const ex = newExecutor(join(dir, 'folder'));
  const sup = ex.keepRestarting({ sleep: 60 });
  const pm2 = await openPm2('restart');
  const ours: number[] = [];
  const raw: number[] = [];
  const theirs: number[] = [];
  const phases: Phases[] = [];
  const seen = new Map<string, { exit?: number; start?: number }>();
  ex.on('exit', (e) => { if (!e.stopped) seen.set(e.name, { ...seen.get(e.name), exit: nowMs() }); });
  ex.on('start', (e) => { if (e.trigger === 'restart') seen.set(e.name, { ...seen.get(e.name), start: nowMs() }); });
  try {
    const api = await openPm2Api(pm2);
    // Warm up every path once (page cache, lazy imports), then alternate so drift hits all alike.
    for (let i = -1; i < RESTARTS; i++) {
      raw.push(await rawOnce(dir, i));
      theirs.push(await pm2Once(api, dir, i));
      const name = `r${i + 1}`;
      const stamps = join(dir, `${name}.stamps`);
      await ex.addTask(name, SCRIPT, { env: { BENCH_MARKER: join(dir, `${name}.marker`), BENCH_STAMPS: stamps } });
      await ex.startTask(name);
      await waitUntil(() => lines(stamps).some((l) => l.startsWith('start ')), `the restart of ${name}`);
      ours.push(gap(stamps));
      const t = stampsOf(stamps);
      const ev = seen.get(name);
      if (ev?.exit !== undefined && ev.start !== undefined) {
        phases.push({ toExitEvent: ev.exit - t.exit, toStartEvent: ev.start - ev.exit, toFirstLine: t.start - ev.start });
      }
      await ex.stopTask(name);
    }
    await api.close();
  } finally {
    await sup.stop();
    await pm2.close();
  }
  ours.shift();
  raw.shift();
  theirs.shift();
  phases.shift();
  const phase = (k: keyof Phases) => fmtMs(median(phases.map((p) => p[k])));
  const o = median(ours);
  const f = median(raw);
  const p = median(theirs);
  return {
    ours: o, floor: f,
    figures: [{
      figure: `Restart latency, exit → replacement's first line (median of ${RESTARTS})`,
      ours: fmtMs(o), floor: `${fmtMs(f)} (raw respawn)`, pm2: `${fmtMs(p)} (${(p / f).toFixed(2)}×, +${fmtMs(p - f)})`,
      ratio: `${(o / f).toFixed(2)}× (+${fmtMs(o - f)})`,
      goal: `≤ ${GOAL_RATIO}× floor and ≤ floor + ${GOAL_EXTRA_MS} ms`, pass: o / f <= GOAL_RATIO && o - f <= GOAL_EXTRA_MS,
      note: `ours min/max ${fmtMs(Math.min(...ours))} / ${fmtMs(Math.max(...ours))}; raw min/max ${fmtMs(Math.min(...raw))} / ${fmtMs(Math.max(...raw))}; `
        + `pm2 min/max ${fmtMs(Math.min(...theirs))} / ${fmtMs(Math.max(...theirs))} (a fork-mode app: PM2's container loads before the user code). `
        + `Our path, medians: child's exit → \`exit\` event ${phase('toExitEvent')} (shim writes its status file, execa sees the exit, closeRun records it under the lock); `
        + `\`exit\` → \`start\` event ${phase('toStartEvent')} (reconcile under the lock, archive, spawn, ledger + record writes); `
        + `\`start\` event → replacement's first line ${phase('toFirstLine')} (the child was spawned before the writes, so this overlaps them).`,
      cause: `Between the child's exit and the replacement's spawn: the exit seen through the shim and recorded (${phase('toExitEvent')} to the \`exit\` event), `
        + `then the restart decided and spawned (${phase('toStartEvent')} to the \`start\` event); see the details.`,
    }],
  };
}
