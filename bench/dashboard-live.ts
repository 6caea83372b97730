// The dashboard bench, parts 2 to 4: a task's exit to its badge in an open page, idle CPU and memory of
// `executor ui` with running tasks and one open page, and PM2's daemon beside it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { Executor } from '../dist/index.js';
import { FIXTURES, fmtMb, fmtMs, median, newExecutor, pause, tempFolder, waitUntil, type Figure } from './lib.js';
import { withPm2 } from './pm2.js';
import { pssBytes, rssBytes } from './procfs.js';
import { addTasks, EXITS, GOAL_BADGE_MS, GOAL_IDLE_CPU_PCT, IDLE_S, IDLE_TASKS, pageUntil, SETTLE_S, spawnServer, spawnUi, spread, stopServer } from './dashboard-harness.js';

// ---- 2. exit → badge ------------------------------------------------------------------------------------------

// Installed in the open page: for every task row, when its data-status was first seen `running`, and when it first
// left `running` after that (wall clock, ms), noted by a MutationObserver as the DOM changes (rows replaced or edited).
export const WATCH_ROWS = `(() => {
  const b = window.__bench = { seen: {}, left: {} };
  const scan = () => {
    const t = performance.timeOrigin + performance.now();
    for (const tr of document.querySelectorAll('tr[data-task]')) {
      const n = tr.dataset.task;
      if (tr.dataset.status === 'running') { if (b.seen[n] === undefined) b.seen[n] = t; }
      else if (b.seen[n] !== undefined && b.left[n] === undefined) b.left[n] = t;
    }
  };
  new MutationObserver(scan).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-status'] });
  scan();
})()`;

// Epoch ms from a `date +%s%N` stamp (kept exact down to the µs).
export const stampMs = (file: string): number => Number(BigInt(readFileSync(file, 'utf8').trim()) / 1000n) / 1000;

// Starts each task in turn (the first is a warm-up) and measures its stamp → its row leaving `running` in `page`.
export async function exitsToBadge(ex: Executor, page: Page, names: string[], dir: string): Promise<number[]> {
  const latencies: number[] = [];
  for (const [i, name] of names.entries()) {
    await ex.startTask(name);
    await pageUntil(page, `window.__bench.left[${JSON.stringify(name)}] !== undefined`, `${name}'s badge to leave running`);
    const left = await page.evaluate(`window.__bench.left[${JSON.stringify(name)}]`) as number;
    if (i > 0) latencies.push(left - stampMs(join(dir, `${name}.ns`)));
  }
  return latencies;
}

export async function exitToBadge(browser: Browser): Promise<{ alone: number[]; supervised: number[] }> {
  const dir = tempFolder('dash-exit');
  const ex = newExecutor(join(dir, 'folder'));
  const script = join(FIXTURES, 'exit-stamp.sh');
  const add = (prefix: string) => Promise.all(Array.from({ length: EXITS + 1 }, async (_, i) => {
    const name = `${prefix}${String(i).padStart(2, '0')}`;
    await ex.addTask(name, script, { infiniteLoop: false, interpreter: 'sh', header: false, env: { BENCH_STAMP: join(dir, `${name}.ns`) } });
    return name;
  }));
  const [alone, supervised] = [await add('alone-'), await add('kept-')];
  const ui = await spawnUi(ex.folder);
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(ui.url, { waitUntil: 'load' });
    await page.evaluate(WATCH_ROWS);
    const aloneMs = await exitsToBadge(ex, page, alone, dir);
    const keeper = newExecutor(ex.folder);
    const supervisor = keeper.keepRestarting();
    await supervisor.ready;
    try {
      return { alone: aloneMs, supervised: await exitsToBadge(keeper, page, supervised, dir) };
    } finally {
      await keeper.close();
    }
  } finally {
    await context.close();
    await stopServer(ui);
  }
}

// ---- 3 & 4. idle CPU and memory -------------------------------------------------------------------------------

export const TICKS_PER_S = 100; // USER_HZ (`getconf CLK_TCK`) on Linux

// utime + stime of a process, in seconds.
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
}

// CPU used by `pid` and by `floorPid` over IDLE_S seconds, % of one core.
export async function cpuShare(pid: number, floorPid: number): Promise<{ ours: number; floor: number }> {
  const [c0, f0, t0] = [cpuSeconds(pid), cpuSeconds(floorPid), performance.now()];
  await pause(IDLE_S * 1000);
  const [c1, f1, t1] = [cpuSeconds(pid), cpuSeconds(floorPid), performance.now()];
  const wall = (t1 - t0) / 1000;
  return { ours: ((c1 - c0) / wall) * 100, floor: ((f1 - f0) / wall) * 100 };
}

export interface Idle { cpuPct: number; noPagePct: number; floorPct: number; rss: number; pss: number; floorRss: number; floorPss: number; rows: number }

export async function idle(browser: Browser): Promise<Idle> {
  const ex = newExecutor(join(tempFolder('dash-idle'), 'folder'));
  await addTasks(ex, IDLE_TASKS, 'idle-', join(FIXTURES, 'sleep-long.sh'), { interpreter: 'sh', header: false });
  await ex.startAll();
  const ui = await spawnUi(ex.folder);
  const bare = await spawnServer(['-e', "process.stdout.write('up\\n'); setInterval(() => {}, 1000)"], (line) => (line === 'up' ? '' : null), 'an idle node');
  const context = await browser.newContext();
  try {
    await pause(SETTLE_S * 1000);
    const noPage = await cpuShare(ui.pid, bare.pid);
    const page = await context.newPage();
    await page.goto(ui.url, { waitUntil: 'load' });
    const rows = await page.evaluate("document.querySelectorAll('tr[data-task]').length") as number;
    await pause(SETTLE_S * 1000);
    const open = await cpuShare(ui.pid, bare.pid);
    return {
      cpuPct: open.ours, noPagePct: noPage.ours, floorPct: open.floor, rows,
      rss: rssBytes(ui.pid), pss: pssBytes(ui.pid), floorRss: rssBytes(bare.pid), floorPss: pssBytes(bare.pid),
    };
  } finally {
    await context.close();
    await stopServer(bare);
    await stopServer(ui);
    await ex.stopAll();
  }
}

export interface Pm2Memory { rss: number; pss: number }

// Informational: PM2's daemon running IDLE_TASKS apps of the same `sh sleep-long.sh` (PM2's web dashboard is its paid
// service, so its daemon, which `pm2 ls`/`pm2 monit` ask, is the nearest free counterpart of a process serving the table).
export async function pm2Daemon(): Promise<Pm2Memory> {
  return withPm2('dashboard', async (pm2) => {
    const apps = Array.from({ length: IDLE_TASKS }, (_, i) => ({ name: `idle-${i}`, script: join(FIXTURES, 'sleep-long.sh'), interpreter: 'sh' }));
    await pm2.cli(['start', pm2.ecosystem(apps, 'dashboard')]);
    await waitUntil(async () => {
      const json = (await pm2.cli(['jlist'])).stdout.split('\n').find((line) => line.startsWith('['));
      const list = JSON.parse(json ?? '[]') as { pm2_env?: { status?: string } }[];
      return list.length === IDLE_TASKS && list.every((a) => a.pm2_env?.status === 'online');
    }, `${IDLE_TASKS} PM2 apps online`, 60_000, 200);
    await pause(SETTLE_S * 1000);
    return { rss: rssBytes(pm2.daemonPid), pss: pssBytes(pm2.daemonPid) };
  });
}


export function badgeFigures(b: { alone: number[]; supervised: number[] }): Figure[] {
  return ([['no supervisor: the shim\'s exit file', b.alone], ['under keepRestarting in another process', b.supervised]] as const).map(([how, values]) => ({
    figure: `Task exit → its badge leaves running in an open page, ${how} (median of ${values.length})`, ours: fmtMs(median(values)), floor: '—',
    ratio: '—', goal: `≤ ${GOAL_BADGE_MS} ms`, pass: median(values) <= GOAL_BADGE_MS, note: spread(values),
    cause: 'The change feed\'s settle delay and listing, the SSE message, and the client\'s update of the row.',
  }));
}

export function idleFigures(i: Idle, pm2: Pm2Memory): Figure[] {
  return [{
    figure: `Idle CPU of executor ui, ${IDLE_TASKS} running tasks, one open page (${IDLE_S} s)`, ours: `${i.cpuPct.toFixed(2)}%`,
    floor: `${i.floorPct.toFixed(2)}% (idle node)`, ratio: '—', goal: `≤ ${GOAL_IDLE_CPU_PCT}% of a core`, pass: i.cpuPct <= GOAL_IDLE_CPU_PCT,
    note: `utime + stime from /proc/<pid>/stat; the page showed ${i.rows} rows. Before the page opened (no subscriber, ${IDLE_S} s): ${i.noPagePct.toFixed(2)}%.`,
    cause: 'While a page is open the table feed re-lists every 2 s: listTasks() with its /proc pass for the running tasks\' cpu and memory, '
      + 'and, as those change in every row, every row is diffed and sent again.',
  }, {
    figure: `Memory of executor ui, ${IDLE_TASKS} running tasks, one open page (RSS)`, ours: fmtMb(i.rss), floor: `${fmtMb(i.floorRss)} (idle node)`,
    pm2: `${fmtMb(pm2.rss)} (daemon, ${IDLE_TASKS} apps)`, ratio: `${(i.rss / i.floorRss).toFixed(2)}× bare node`, goal: 'informational', pass: null,
    note: `PSS ${fmtMb(i.pss)} (idle node: ${fmtMb(i.floorPss)}; PM2's daemon: ${fmtMb(pm2.pss)}).`,
  }];
}

