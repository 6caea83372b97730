// The dashboard bench's harness: its settings, the `executor ui` and static servers it spawns, the browser.
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Executor } from '../dist/index.js';
import { envInt, FIXTURES, fmtMs, killGroup, onCleanUp, percentile, pidAlive, trackGroup, waitUntil } from './lib.js';

/** Tasks in the table whose first paint is measured (`BENCH_DASHBOARD_TASKS`; the goal is set for 1,000). */
export const TASKS = envInt('BENCH_DASHBOARD_TASKS', 1_000);
/** First-paint samples of each side, after a warm-up (`BENCH_DASHBOARD_PAINTS`). */
export const PAINTS = envInt('BENCH_DASHBOARD_PAINTS', 10);
/** Exit → badge samples of each mode, after a warm-up (`BENCH_DASHBOARD_EXITS`). */
export const EXITS = envInt('BENCH_DASHBOARD_EXITS', 10);
/** Running tasks while idle CPU and memory are measured (`BENCH_DASHBOARD_IDLE_TASKS`; the goal is set for 100). */
export const IDLE_TASKS = envInt('BENCH_DASHBOARD_IDLE_TASKS', 100);
/** Seconds over which idle CPU is measured (`BENCH_DASHBOARD_IDLE_S`). */
export const IDLE_S = envInt('BENCH_DASHBOARD_IDLE_S', 30);
/** Seconds the page is left open before the idle window starts (its first full table, the first polls). */
export const SETTLE_S = 3;
/** Pause after each first-paint sample, so the closing context's work does not overlap the next navigation. */
export const PAINT_GAP_MS = 200;
/** Goal: first paint of the table, ms. */
export const GOAL_PAINT_MS = 300;
/** Goal: a task's exit to its badge, ms. */
export const GOAL_BADGE_MS = 200;
/** Goal: idle CPU of `executor ui`, % of a core. */
export const GOAL_IDLE_CPU_PCT = 1;
/** Goal: the page, gzipped, kB. */
export const GOAL_PAGE_GZ_KB = 100;

export const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'executor.js');
export const CHROMIUM = process.env.BENCH_CHROMIUM ?? '/usr/bin/chromium';
export const BATCH = 250;
export const KB = 1000;

export interface Server { pid: number; url: string; child: ChildProcess }

// Spawns `cmd` detached (its group is killed on clean-up) and resolves with the first stdout line `match` accepts.
export function spawnServer(args: string[], match: (line: string) => string | null, what: string): Promise<Server> {
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  trackGroup(child.pid);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start in 30 s: ${stderr}`)), 30_000);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`${what} exited ${code}: ${stderr}`)); });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const url = match(line);
      if (url === null) return;
      clearTimeout(timer);
      resolve({ pid: child.pid!, url, child });
    });
  });
}

/** `executor ui --port 0 --folder FOLDER` from the built bin. */
export const spawnUi = (folder: string): Promise<Server> =>
  spawnServer([BIN, 'ui', '--port', '0', '--folder', folder], (line) => /(http:\/\/\S+\/)/.exec(line)?.[1] ?? null, 'executor ui');

/** The static floor (bench/fixtures/static-server.mjs) serving the files saved in `dir`. */
export const spawnStatic = (dir: string): Promise<Server> =>
  spawnServer([join(FIXTURES, 'static-server.mjs'), dir], (line) => {
    try { return `http://127.0.0.1:${(JSON.parse(line) as { port: number }).port}/`; } catch { return null; }
  }, 'the static server');

// SIGTERM, then SIGKILL of the group if it has not gone within 5 s.
export async function stopServer(server: Server): Promise<void> {
  if (pidAlive(server.pid)) {
    try { process.kill(server.pid, 'SIGTERM'); } catch { /* gone */ }
    await waitUntil(() => !pidAlive(server.pid), 'the server to exit', 5_000, 20).catch(() => undefined);
  }
  killGroup(server.pid);
}

export async function addTasks(ex: Executor, n: number, prefix: string, script: string, options: Parameters<Executor['addTask']>[2]): Promise<string[]> {
  const names = Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(4, '0')}`);
  for (let from = 0; from < n; from += BATCH) await Promise.all(names.slice(from, from + BATCH).map((name) => ex.addTask(name, script, options)));
  return names;
}

// Polls `expression` in the page until it is truthy (page.waitForFunction evaluates a string with eval, which the
// dashboard's CSP refuses; page.evaluate of a string goes through the DevTools protocol, which CSP does not govern).
export async function pageUntil(page: Page, expression: string, what: string, timeoutMs = 15_000): Promise<void> {
  await waitUntil(async () => Boolean(await page.evaluate(expression)), what, timeoutMs, 10);
}

export async function launchBrowser(): Promise<Browser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  onCleanUp(() => browser.close());
  return browser;
}


// ---- figures ----------------------------------------------------------------------------------------------------

export const kb = (bytes: number): string => `${(bytes / KB).toFixed(1)} kB`;
export const spread = (values: number[]): string => `p90 ${fmtMs(percentile(values, 90))}, max ${fmtMs(Math.max(...values))}`;


