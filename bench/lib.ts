// Small helpers shared by the benchmarks: timing, statistics, temp folders, polling and process clean-up.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Executor, type ExecutorOptions } from '../dist/index.js';

/** Folder of the bench fixtures. */
export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** One row of the results table. */
export interface Figure {
  figure: string;
  ours: string;
  floor: string;
  /** PM2 7's figure for the same, measured in the same run ('—' or absent: no PM2 counterpart). */
  pm2?: string;
  ratio: string;
  goal: string;
  pass: boolean | null;
  /** Details shown under the table. */
  note?: string;
  /** What we think causes a miss; shown only when `pass` is false. */
  cause?: string;
}

/** High-resolution wall clock in ms (same epoch as the fixtures' `performance.timeOrigin + performance.now()`). */
export const nowMs = (): number => performance.timeOrigin + performance.now();

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Nearest-rank percentile (`p` in 0–100) of `values`; NaN when empty. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

/** Reads a positive integer from the environment, or `fallback`. */
export function envInt(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

export function fmtMs(ms: number): string {
  return ms >= 100 ? `${ms.toFixed(0)} ms` : ms >= 10 ? `${ms.toFixed(1)} ms` : `${ms.toFixed(2)} ms`;
}

export function fmtMb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it is truthy or the deadline passes. */
export async function waitUntil(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000, intervalMs = 5): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await pause(intervalMs);
  }
}

/** Lines of a file, or [] if it does not exist. */
export function lines(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

/** True while a pid exists and is not a zombie (its state in `/proc/<pid>/stat`, read here so only dist's public API is used). */
export function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X' && state !== '';
  } catch {
    return false;
  }
}

// Everything made here is removed by cleanUp(), even when a bench throws.
const folders: string[] = [];
const groups = new Set<number>();
const cleanups: (() => Promise<unknown>)[] = [];
const syncCleanups: (() => void)[] = [];

/** A fresh temp folder under os.tmpdir(). */
export function tempFolder(tag: string): string {
  const dir = mkdtempSync(join(tmpdir(), `exsdk-bench-${tag}-`));
  folders.push(dir);
  return dir;
}

/** Remembers a process group (a detached child's pid) to SIGKILL on clean-up. */
export function trackGroup(pid: number | undefined): void {
  if (pid !== undefined) groups.add(pid);
}

/** Forgets a tracked process group whose leader has exited and left nothing behind (many short runs). */
export function untrackGroup(pid: number | undefined): void {
  if (pid !== undefined) groups.delete(pid);
}

/** Kills a tracked process group now. */
export function killGroup(pid: number): void {
  try { process.kill(-pid, 'SIGKILL'); } catch { /* already gone */ }
  groups.delete(pid);
}

/** Registers an async clean-up (e.g. `ex.stopAll()`), run before the groups are killed. */
export function onCleanUp(fn: () => Promise<unknown>): void {
  cleanups.push(fn);
}

/** Registers a synchronous clean-up (e.g. SIGKILL a PM2 daemon), run by cleanUp() and by cleanUpSync() on a signal. */
export function onCleanUpSync(fn: () => void): void {
  syncCleanups.push(fn);
}

function runSyncCleanups(): void {
  for (const fn of syncCleanups.splice(0).reverse()) {
    try { fn(); } catch { /* best effort */ }
  }
}

/** Stops executors, kills leftover process groups and removes temp folders. */
export async function cleanUp(): Promise<void> {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
  runSyncCleanups();
  for (const pid of [...groups]) killGroup(pid);
  for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Synchronous last resort for an abrupt exit: run the synchronous clean-ups, kill tracked groups, remove folders. */
export function cleanUpSync(): void {
  runSyncCleanups();
  for (const pid of [...groups]) killGroup(pid);
  for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A new Executor (from the built package) whose every run is tracked for clean-up. */
export function newExecutor(folder: string, options?: ExecutorOptions): Executor {
  const ex = new Executor(folder, options);
  ex.on('start', (e) => trackGroup(e.pid));
  ex.on('error', () => undefined);
  onCleanUp(() => ex.stopAll());
  return ex;
}

/** Resolves with the exit code of task `name`'s next `exit` event on `ex` (listen before starting the task). */
export function nextExit(ex: Executor, name: string): Promise<number | null> {
  return new Promise((resolve) => {
    const on = (e: { name: string; exitCode: number | null }) => {
      if (e.name !== name) return;
      ex.off('exit', on);
      resolve(e.exitCode);
    };
    ex.on('exit', on);
  });
}
