// 7. Memory of the supervising side while TASKS tasks run, against PM2's daemon with TASKS apps of the same script.
// Ours: a fresh plain-Node process (bench/fixtures/supervise-rss.mjs, importing dist/) supervising TASKS sleeping
// Node tasks under keepRestarting, so the bench's own heap and tsx do not count; its RSS, sampled every 250 ms for
// 3 s once all are up (the last sample), and the PSS of all our non-task processes: it plus the runs' `sh` shims.
// PM2: a daemon in a temporary PM2_HOME running TASKS apps of the same script (fork mode, an ecosystem file), its
// RSS sampled the same way, and the PSS of all its non-app processes (the daemon and any helper it started).
// Floor: a bare Node process. Also measured: our supervisor with 0 tasks (the cost per supervised task).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { envInt, FIXTURES, fmtMb, lines, pause, pidAlive, tempFolder, waitUntil, type Figure } from './lib.js';
import { SESSION_ENV, withPm2 } from './pm2.js';
import { markedPids, rssBytes, totalPss } from './procfs.js';

/** Tasks supervised, apps run by PM2 (`BENCH_MEMORY_TASKS`; the goals are set for 100). */
export const TASKS = envInt('BENCH_MEMORY_TASKS', 100);
const SETTLE_MS = 3_000;
const SAMPLE_MS = 250;
const SLEEPER = join(FIXTURES, 'sleeper.mjs');

const run = promisify(execFile);

interface Sample { rss: number; maxRss: number; heapUsed: number; running: number; pss: number; helpers: number; helperRss: number; helperPss: number }
interface Pm2Sample { rss: number; maxRss: number; pss: number; helpers: number }

async function supervise(n: number): Promise<Sample> {
  const dir = tempFolder(`rss${n}`);
  const ready = join(dir, 'ready');
  try {
    const { stdout } = await run(process.execPath, [join(FIXTURES, 'supervise-rss.mjs'), join(dir, 'folder'), String(n), SLEEPER, ready], { timeout: 120_000 });
    const sample = JSON.parse(stdout.trim().split('\n').at(-1)!) as Sample;
    if (sample.running !== n) throw new Error(`only ${sample.running} of ${n} tasks were running`);
    return sample;
  } finally {
    // The fixture stops its tasks; this is a safety net should it have failed half-way.
    for (const pid of lines(ready).map(Number)) if (pidAlive(pid)) process.kill(pid, 'SIGKILL');
  }
}

async function pm2Daemon(): Promise<Pm2Sample> {
  return withPm2('memory', async (pm2) => {
    const ready = join(pm2.home, 'ready');
    const apps = Array.from({ length: TASKS }, (_, i) => ({ name: `m${i}`, script: SLEEPER, env: { BENCH_READY: ready } }));
    await pm2.cli(['start', pm2.ecosystem(apps, 'memory')]);
    await waitUntil(() => lines(ready).length >= TASKS, 'the PM2 apps to come up', 120_000, 50);
    const samples: number[] = [];
    for (let t = 0; t < SETTLE_MS; t += SAMPLE_MS) {
      await pause(SAMPLE_MS);
      samples.push(rssBytes(pm2.daemonPid));
    }
    const appPids = new Set(lines(ready).map(Number));
    const nonApps = markedPids(SESSION_ENV, pm2.home).filter((pid) => !appPids.has(pid));
    return { rss: samples.at(-1)!, maxRss: Math.max(...samples), pss: totalPss(nonApps), helpers: nonApps.length - 1 };
  });
}

async function bareRss(importing?: string): Promise<number> {
  const { stdout } = await run(process.execPath, [join(FIXTURES, 'bare-rss.mjs'), ...(importing ? [importing] : [])]);
  return (JSON.parse(stdout) as { rss: number }).rss;
}

export async function benchMemory(): Promise<{ figures: Figure[]; ours: number; floor: number; perTask: number; empty: number }> {
  const bare = await bareRss();
  const withPackage = await bareRss('../../dist/index.js');
  const empty = await supervise(0);
  const full = await supervise(TASKS);
  const pm2 = await pm2Daemon();
  const perTask = (full.rss - empty.rss) / TASKS;
  const ourPss = full.pss + full.helperPss;
  return {
    ours: full.rss, floor: bare, perTask, empty: empty.rss,
    figures: [{
      figure: `Supervisor RSS with ${TASKS} running tasks (keepRestarting)`,
      ours: fmtMb(full.rss), floor: `${fmtMb(bare)} (bare node)`, pm2: `${fmtMb(pm2.rss)} (daemon, ${TASKS} apps)`,
      ratio: `${(full.rss / pm2.rss).toFixed(2)}× PM2's daemon`,
      goal: '≤ PM2\'s daemon RSS', pass: full.rss <= pm2.rss,
      note: `supervisor with 0 tasks: ${fmtMb(empty.rss)}, so ${(perTask / 1024).toFixed(0)} KB a task; peak while sampling ${fmtMb(full.maxRss)} `
        + `(PM2's daemon: ${fmtMb(pm2.maxRss)}); heap used ${fmtMb(full.heapUsed)}. Just importing the package: ${fmtMb(withPackage)}. `
        + `The tasks are the Node sleeper on both sides; PM2 runs them in fork mode.`,
      cause: 'The supervisor\'s heap (records, timers, one handle per run) and the code it loaded.',
    }, {
      figure: `PSS of all non-task processes with ${TASKS} running tasks (ours: supervisor + shims; PM2: daemon + helpers)`,
      ours: fmtMb(ourPss), floor: '—', pm2: fmtMb(pm2.pss),
      ratio: `${(ourPss / pm2.pss).toFixed(2)}× PM2's`, goal: '≤ PM2\'s', pass: ourPss <= pm2.pss,
      note: `ours: the supervisor ${fmtMb(full.pss)} + ${full.helpers} other processes (the runs' \`sh\` shims) ${fmtMb(full.helperPss)} `
        + `(their RSS ${fmtMb(full.helperRss)}, mostly pages they share); PM2: its daemon and ${pm2.helpers} other non-app processes. `
        + 'PSS (/proc/<pid>/smaps_rollup) splits each shared page among the processes that map it, so summing it does not count shared pages twice.',
      cause: 'The supervisor\'s own memory, plus one resident `sh` shim per run.',
    }],
  };
}
