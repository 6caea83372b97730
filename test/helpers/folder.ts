// Test helper for supervisor / cross-process suites: temp folders, Executors, supervisor handles and
// driver child processes (running the built dist/), all cleaned up after each test.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import { Executor, type ExecutorOptions, type KeepRestartingOptions, type RunRecord, type SupervisorHandle } from '../../src/index.js';
import type { ExecutorEvents } from '../../src/events.js';
import { Janitor } from '../fixtures/process/janitor.js';
import { clusterUrl, storedRuns, withCluster } from './executor.js';
import { spawnJsonLines, type JsonLinesChild } from './json-child.js';
import { T } from './time.js';
import { pidAlive } from './wait.js';

/** Absolute path of `test/fixtures/supervise/`. */
export const SUPERVISE_FIXTURES = fileURLToPath(new URL('../fixtures/supervise/', import.meta.url));
/** The driver script that uses the built package from another Node process. */
export const DRIVER = path.join(SUPERVISE_FIXTURES, 'driver.mjs');

/** Absolute path of a fixture in `test/fixtures/supervise/`. */
export function superviseFixture(name: string): string {
  return path.join(SUPERVISE_FIXTURES, name);
}

/** A driver child process and what it printed (one JSON value per line). */
/** A driver process (see `driver.mjs`); `exited` gives the exit code (null if killed by a signal). */
export type Driver = JsonLinesChild<number | null>;

/** What `useFolders()` gives a test file. */
export interface FolderKit {
  /** A new temp folder for an Executor (removed after the test, with every process whose env names it). */
  folder(): string;
  /** A scratch temp folder (removed after the test). */
  scratch(): string;
  /** Opens an Executor on `folder` (on its cluster in the `cluster` project); processes it starts are tracked. */
  open(folder: string, options?: ExecutorOptions): Executor;
  /** `ex.keepRestarting(options)`, stopped after the test. */
  supervise(ex: Executor, options?: KeepRestartingOptions): SupervisorHandle;
  /** Runs `node driver.mjs ...args` (killed after the test). */
  driver(args: string[]): Driver;
  /** Tracks a pid started some other way. */
  track(pid: number): void;
}

/** Pids of live processes whose environment has `EXECUTOR_FOLDER=<folder>` (task runs and their shims). */
export function processesOfFolder(folder: string): number[] {
  const needle = `EXECUTOR_FOLDER=${folder}\0`;
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').includes(needle)) pids.push(Number(entry));
    } catch {
      // gone, or not ours
    }
  }
  return pids.filter(pidAlive);
}

/** Distinct `EXECUTOR_RUN_ID`s among live processes of `folder` with `EXECUTOR_TASK=<task>`. */
export function liveRunIds(folder: string, task: string): Set<string> {
  const ids = new Set<string>();
  for (const pid of processesOfFolder(folder)) {
    try {
      const env = readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0');
      if (!env.includes(`EXECUTOR_TASK=${task}`)) continue;
      const id = env.find((e) => e.startsWith('EXECUTOR_RUN_ID='));
      if (id) ids.add(id.slice('EXECUTOR_RUN_ID='.length));
    } catch {
      // gone
    }
  }
  return ids;
}

/**
 * Every run ledger record of `task`, read straight from the store: `<folder>/runs/<task>/*.json`, or in the `cluster`
 * project the schema's `runs` rows (see `storedRuns`).
 */
export function ledger(folder: string, task: string): RunRecord[] {
  return storedRuns(folder, task);
}

type Payload<K extends keyof ExecutorEvents> = Parameters<ExecutorEvents[K]>[0];

/**
 * Resolves with the next `event` payload matching `match`, or rejects after `timeoutMs` (scaled by TEST_TIME_FACTOR
 * here: pass it unscaled). Set it up before the action.
 */
export function eventOf<K extends keyof ExecutorEvents>(
  ex: Executor, event: K, match: (payload: Payload<K>) => boolean = () => true, unscaledMs = 15_000,
): Promise<Payload<K>> {
  const timeoutMs = T(unscaledMs);
  return new Promise((resolve, reject) => {
    const listener = (payload: Payload<K>) => {
      if (!match(payload)) return;
      clearTimeout(timer);
      ex.off(event, listener as never);
      resolve(payload);
    };
    const timer = setTimeout(() => {
      ex.off(event, listener as never);
      reject(new Error(`Timed out after ${timeoutMs} ms waiting for a '${String(event)}' event`));
    }, timeoutMs);
    ex.on(event, listener as never);
  });
}

/** Every `event` payload from now on, in order. */
export function collect<K extends keyof ExecutorEvents>(ex: Executor, event: K): Payload<K>[] {
  const out: Payload<K>[] = [];
  ex.on(event, ((payload: Payload<K>) => out.push(payload)) as never);
  return out;
}

/**
 * Resolves once `handle` (just returned by `ex.keepRestarting`) holds the lease; rejects if its `done` rejects first,
 * or after `timeoutMs` (scaled by TEST_TIME_FACTOR in `eventOf`: pass it unscaled).
 */
export function supervising(ex: Executor, handle: SupervisorHandle, timeoutMs = 15_000): Promise<void> {
  return Promise.race([
    eventOf(ex, 'log', (e) => e.message.startsWith('Supervising'), timeoutMs).then(() => undefined),
    handle.done.then(() => { throw new Error('supervisor stopped before holding the lease'); }),
  ]);
}

function startDriver(args: string[]): Driver {
  return spawnJsonLines(DRIVER, args, { stdin: 'ignore', what: 'driver', mapExit: (code) => code });
}

/** Registers an afterEach that stops supervisors, kills drivers, stops every task, kills leftovers and removes folders. */
export function useFolders(): FolderKit {
  const janitor = new Janitor();
  const handles: SupervisorHandle[] = [];
  const drivers: Driver[] = [];
  const folders: string[] = [];
  const scratch: string[] = [];
  const executors: Executor[] = [];
  afterEach(async () => {
    for (const h of handles.splice(0)) await h.stop().catch(() => undefined);
    // A cluster's connections (in the folder project, as before, nothing to let go).
    for (const ex of executors.splice(0)) if (clusterUrl() !== undefined) await ex.close().catch(() => undefined);
    for (const d of drivers.splice(0)) {
      if (d.child.exitCode === null && d.child.signalCode === null) d.child.kill('SIGKILL');
      await d.exited;
    }
    for (const folder of folders.splice(0)) {
      let ex: Executor | null = null;
      try {
        ex = new Executor(folder, withCluster(folder, { killTimeout: 500 }));
        await ex.stopAll();
      } catch {
        // a broken folder: the leftovers are killed below
      }
      if (ex !== null && clusterUrl() !== undefined) await ex.close().catch(() => undefined);
      for (const pid of processesOfFolder(folder)) janitor.track(pid);
      await janitor.killAll();
      rmSync(path.dirname(folder), { recursive: true, force: true });
    }
    await janitor.killAll();
    for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const kit: FolderKit = {
    folder() {
      const folder = path.join(mkdtempSync(path.join(os.tmpdir(), 'exsdk-')), 'exec');
      folders.push(folder);
      return folder;
    },
    scratch() {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'exsdk-'));
      scratch.push(dir);
      return dir;
    },
    open(folder, options) {
      const ex = new Executor(folder, withCluster(folder, options));
      executors.push(ex);
      ex.on('start', (e) => janitor.track(e.pid));
      return ex;
    },
    supervise(ex, options) {
      const handle = ex.keepRestarting(options);
      handles.push(handle);
      return handle;
    },
    driver(args) {
      const d = startDriver(args);
      drivers.push(d);
      return d;
    },
    track(pid) {
      janitor.track(pid);
    },
  };
  return kit;
}
