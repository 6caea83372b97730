// Executor composes the store, the process layer and the supervisor behind ExecutoR's API.
import { resolve } from 'node:path';
import { EventEmitter } from 'eventemitter3';
import { InvalidOptionError, LeaseHeldError, TaskNotFoundError } from './errors.js';
import type { ExecutorEvents } from './events.js';
import { followFile, type FollowOptions } from './output/follow.js';
import { currentOutputFileName } from './output/archive.js';
import { listArchives, readOutput, type OutputInfo, type OutputSelector } from './output/files.js';
import { readTail } from './output/tail.js';
import { DEFAULT_KILL_TIMEOUT_MS } from './process/stop.js';
import type { SpawnedRun } from './process/spawn.js';
import { stopTaskRun, type StopResult } from './run/stop.js';
import type { Runtime } from './runtime.js';
import { FolderStore } from './store/folder-store.js';
import { formatLogLine } from './store/log.js';
import { openFolderMeta } from './store/meta.js';
import type { TaskRecord, TaskStatus } from './store/records.js';
import type { TickReport } from './supervisor/reconcile.js';
import { checkSupervisorOptions, holdLease, startSupervisor, type KeepRestartingOptions, type SupervisorHandle } from './supervisor/supervisor.js';
import { checkInterpreterMap, type InterpreterMap } from './task/interpreter.js';
import { assertTaskName } from './task/name.js';
import type { AddTaskOptions } from './task/options.js';
import { runningRow, taskRow, type RunningRow, type TaskRow } from './task/rows.js';
import { addTask, removeTask, startTask, type StartResult } from './task/lifecycle.js';
import { runPass } from './supervisor/tick.js';
import { checkWaitArgs, waitForStatus, type WaitForOptions } from './task/wait.js';

/** Options of `new Executor(folder, options)`. */
export interface ExecutorOptions {
  /** The executor id. A new folder gets a random 8-hex-digit id; an existing folder keeps its stored id. */
  id?: string;
  /** Interpreters by extension (`'.py'`) or name (`'venv'`), e.g. `{ '.py': ['python3'], venv: ['/opt/venv/bin/python'] }`. */
  interpreters?: InterpreterMap;
  /**
   * Milliseconds between SIGTERM and SIGKILL when stopping a task.
   * @defaultValue 5000
   */
  killTimeout?: number;
  /**
   * How many archived outputs to keep per task; the oldest are deleted.
   * @defaultValue 50
   */
  keepArchives?: number;
  /** Clock used for schedules and records (epoch ms). For tests. @defaultValue `Date.now` */
  now?: () => number;
}

/** Default of `keepArchives`. */
export const DEFAULT_KEEP_ARCHIVES = 50;
/** Default `nTail` of `readOut`. */
export const DEFAULT_READ_OUT_LINES = 50;

function checkOptions(options: unknown): ExecutorOptions {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new InvalidOptionError('options', 'an object', options);
  const o = options as ExecutorOptions;
  if (o.killTimeout !== undefined && !(typeof o.killTimeout === 'number' && Number.isFinite(o.killTimeout) && o.killTimeout >= 0)) throw new InvalidOptionError('killTimeout', 'a number of milliseconds >= 0', o.killTimeout);
  if (o.keepArchives !== undefined && !(Number.isInteger(o.keepArchives) && o.keepArchives >= 0)) throw new InvalidOptionError('keepArchives', 'an integer >= 0', o.keepArchives);
  if (o.now !== undefined && typeof o.now !== 'function') throw new InvalidOptionError('now', 'a function returning epoch milliseconds', o.now);
  checkInterpreterMap(o.interpreters);
  return o;
}

function checkLines(n: unknown, option: string): number {
  if (!(Number.isInteger(n) && (n as number) >= 0)) throw new InvalidOptionError(option, 'an integer >= 0', n);
  return n as number;
}

/**
 * An embedded task supervisor over a folder of JSON files.
 *
 * @example
 * ```ts
 * const ex = new Executor('exec_test');
 * await ex.addTask('LOL', 'jobs/test.js', { env: { SYMBOL: 'LOL' } });
 * await ex.startAll();
 * const lastLines = await ex.readOut('LOL', 50);
 * ```
 */
export class Executor extends EventEmitter<ExecutorEvents> {
  /** The executor id (stored in the folder). */
  readonly id: string;
  /** Absolute path of the folder. */
  readonly folder: string;
  readonly #rt: Runtime;

  /**
   * Opens (creating if needed) the folder. Throws `IdMismatchError` if `options.id` differs from the stored id.
   * @param folder - Folder of the task table, outputs and log; created if missing.
   */
  constructor(folder: string, options?: ExecutorOptions) {
    super();
    if (typeof folder !== 'string' || folder.length === 0) throw new InvalidOptionError('folder', 'a non-empty folder path', folder);
    const o = checkOptions(options);
    this.folder = resolve(folder);
    const meta = openFolderMeta(this.folder, o.id);
    this.id = meta.id;
    const store = new FolderStore(this.folder, (file, error) => this.#rt.warn(`Lock ${file} was compromised: ${error.message}`));
    const rt: Runtime = {
      folder: this.folder, id: this.id, store, emitter: this,
      killTimeoutMs: o.killTimeout ?? DEFAULT_KILL_TIMEOUT_MS,
      keepArchives: o.keepArchives ?? DEFAULT_KEEP_ARCHIVES,
      interpreters: o.interpreters ?? {},
      now: o.now ?? Date.now,
      log: (message) => {
        const time = new Date(rt.now());
        const line = formatLogLine(message, time);
        store.appendLog(line).catch((error: unknown) => this.emit('error', error as Error));
        this.emit('log', { line, message, time });
      },
      warn: (message, name, code) => {
        rt.log(`Warning: ${message}`);
        this.emit('warning', { message, ...(name === undefined ? {} : { name }), ...(code === undefined ? {} : { code }) });
      },
      own: new Map<string, SpawnedRun>(),
      reportedErrors: new Set<string>(),
      supervisor: null,
    };
    this.#rt = rt;
  }

  async #flushed<T>(value: T): Promise<T> {
    await this.#rt.store.flushLog();
    return value;
  }

  async #existing(name: unknown) {
    assertTaskName(name);
    const record = await this.#rt.store.readTask(name);
    if (!record) throw new TaskNotFoundError(name);
    return record;
  }

  /**
   * Registers a task. A duplicate name emits `warning` and is skipped, unless `{ replace: true }`.
   * @example `await ex.addTask('LOL_Schedule', 'jobs/test.js', { infiniteLoop: false, period: '2 min' })`
   */
  async addTask(name: string, script: string, options?: AddTaskOptions): Promise<TaskRow> {
    return this.#flushed(await addTask(this.#rt, name, script, options));
  }

  /** Stops (if running) and removes a task and its run ledger. Output files are kept. */
  async removeTask(name: string): Promise<void> {
    await this.#existing(name);
    await removeTask(this.#rt, name);
    await this.#flushed(undefined);
  }

  /** Starts a task: runs it now, or schedules it if periodic. Two concurrent calls start one process. */
  async startTask(name: string): Promise<StartResult> {
    assertTaskName(name);
    return this.#flushed(await startTask(this.#rt, name));
  }

  /** Starts every task; one row per task saying what happened. */
  async startAll(): Promise<StartResult[]> {
    const names = await this.#allNames();
    const rows = await Promise.all(names.map((name) => startTask(this.#rt, name).catch((error: Error & { code?: string }) => ({
      id: this.id, name, result: 'error' as const, pid: null, error: error.message, code: error.code ?? 'ERR_UNKNOWN',
    }))));
    return this.#flushed(rows);
  }

  // The table as runPass just left it (no second read).
  async #knownRecords(): Promise<TaskRecord[]> {
    return [...(await this.#rt.store.table({ refresh: false })).records.values()];
  }

  // Every task name, including those whose record is unreadable (they get an 'error' row).
  async #allNames(): Promise<string[]> {
    const { records, errors } = await this.#rt.store.table();
    return [...new Set([...records.keys(), ...errors.keys()])].sort();
  }

  /** Stops a task's whole process tree (SIGTERM, then SIGKILL after `killTimeout`); resolves when all of it is gone. */
  async stopTask(name: string): Promise<StopResult> {
    assertTaskName(name);
    return this.#flushed(await stopTaskRun(this.#rt, name));
  }

  /** Stops every task, in parallel. */
  async stopAll(): Promise<StopResult[]> {
    const names = await this.#allNames();
    return this.#flushed(await Promise.all(names.map((name) => stopTaskRun(this.#rt, name).catch((error: Error & { code?: string }) => ({
      id: this.id, name, result: 'error' as const, pid: null, forced: false, error: error.message, code: error.code ?? 'ERR_UNKNOWN',
    })))));
  }

  /** Stops then starts a task. */
  async restartTask(name: string): Promise<StartResult> {
    await this.stopTask(name);
    return this.startTask(name);
  }

  /** The full task table, one plain object per task (dead runs found on the way are recorded first). */
  async listTasks(): Promise<TaskRow[]> {
    await runPass(this.#rt, false);
    const now = this.#rt.now();
    return this.#flushed((await this.#knownRecords()).map((r) => taskRow(this.id, r, now)));
  }

  /** ExecutoR's running table: `id, name, running, infiniteLoop, period` (+ `start, nextRun` with `{ nextRun: true }`). */
  async listRunningTasks(options: { nextRun?: boolean } = {}): Promise<RunningRow[]> {
    if (typeof options !== 'object' || options === null || (options.nextRun !== undefined && typeof options.nextRun !== 'boolean')) {
      throw new InvalidOptionError('options.nextRun', 'a boolean', (options as { nextRun?: unknown } | null)?.nextRun ?? options);
    }
    await runPass(this.#rt, false);
    const now = this.#rt.now();
    return this.#flushed((await this.#knownRecords()).map((r) => runningRow(this.id, r, now, options.nextRun === true)));
  }

  /**
   * The last `nTail` lines of a task's output: the current run, or `{ run }` = an archive number (1 = newest), a runId or an archive file name.
   * @defaultValue nTail = 50
   */
  async readOut(name: string, nTail: number = DEFAULT_READ_OUT_LINES, options: { run?: OutputSelector } = {}): Promise<string[]> {
    checkLines(nTail, 'nTail');
    const record = await this.#existing(name);
    return readOutput(this.folder, this.#rt.store, record, nTail, options?.run);
  }

  /** A task's archived outputs with their times, newest first. */
  async listOutputs(name: string): Promise<OutputInfo[]> {
    return listArchives(this.folder, await this.#existing(name));
  }

  /**
   * New lines of a task's output as they are written; keeps going across restarts. End it with `break` or `options.signal`.
   * Lines written after this call are never missed; an unknown task rejects the first `next()` with `TaskNotFoundError`.
   * @example
   * ```ts
   * for await (const line of ex.followOut('LOL')) lines.push(line);
   * ```
   */
  followOut(name: string, options: FollowOptions = {}): AsyncIterableIterator<string> {
    let inner: AsyncIterableIterator<string> | null = null;
    let invalid: unknown = null;
    try {
      assertTaskName(name);
      inner = followFile(resolve(this.folder, currentOutputFileName(name)), options);
    } catch (error) {
      invalid = error;
    }
    const exists = invalid ? Promise.reject(invalid) : this.#existing(name);
    exists.catch(() => undefined); // surfaced by the first next()
    let checked = false;
    return {
      async next() {
        if (!checked) {
          try { await exists; } catch (error) { await inner?.return?.(); throw error; }
          checked = true;
        }
        return inner!.next();
      },
      async return(value?: unknown) {
        return (await inner?.return?.(value)) ?? { done: true, value: undefined };
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  /** Lines of the executor log (all of the current file, or the last `nTail`). */
  async readLog(nTail?: number): Promise<string[]> {
    if (nTail !== undefined) checkLines(nTail, 'nTail');
    await this.#rt.store.flushLog();
    return readTail(this.#rt.store.logFile, nTail ?? Number.MAX_SAFE_INTEGER);
  }

  /** Supervises the folder: restarts crashed loops, fires schedules. Non-blocking; keeps Node alive unless `unref`. */
  keepRestarting(options?: KeepRestartingOptions): SupervisorHandle {
    return startSupervisor(this.#rt, checkSupervisorOptions(options));
  }

  /** One reconciliation pass (restarts and schedules only if this process can hold the lease). */
  async tick(): Promise<TickReport> {
    if (this.#rt.supervisor) return this.#flushed(await runPass(this.#rt, true));
    const handle = await holdLease(this.#rt, () => undefined, 'tick').catch((error: unknown) => {
      if (error instanceof LeaseHeldError) return null; // another process supervises: only record dead runs
      throw error;
    });
    try {
      return this.#flushed(await runPass(this.#rt, handle !== null));
    } finally {
      await handle?.release();
    }
  }

  /** Resolves with the task's row once its status is `state` (or one of them); rejects with `WaitTimeoutError`. Keeps Node alive while waiting. */
  async waitFor(name: string, state: TaskStatus | TaskStatus[], options?: WaitForOptions): Promise<TaskRow> {
    const args = checkWaitArgs(name, state, options);
    return waitForStatus(this.#rt, args);
  }
}
