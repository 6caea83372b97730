// Executor composes the store, the process layer and the supervisor behind ExecutoR's API.
import { setMaxListeners } from 'node:events';
import { resolve } from 'node:path';
import { EventEmitter } from 'eventemitter3';
import { CorruptRecordError, InvalidOptionError } from './errors.js';
import { taskNotFound } from './task/suggest.js';
import type { ExecutorEvents } from './events.js';
import { checkExecutorOptions, createRuntime, type ExecutorOptions } from './executor-runtime.js';
import { listHosts } from './cluster/list-hosts.js';
import { remoteOutput } from './cluster/remote-output.js';
import { clusterOf } from './cluster/pg-store.js';
import { followClusterLog, readClusterLog } from './cluster/log-read.js';
import type { HostRow } from './cluster/hosts.js';
import { listArchives, type OutputInfo } from './output/files.js';
import { followFile, type FollowOptions } from './output/follow.js';
import { readTail } from './output/tail.js';
import { followRunOutput, type FollowRunOptions } from './task/follow-run.js';
import { stopTaskRun, type StopResult } from './run/stop.js';
import type { Runtime } from './runtime.js';
import { EXECUTOR_ID_PATTERN, openFolderMeta } from './store/meta.js';
import type { RunRecord, TaskStatus } from './store/records.js';
import { emitEvent } from './event/emit.js';
import { settleChains } from './chain/fire.js';
import type { StepOptions } from './program/options.js';
import { cancelRun } from './run/cancel.js';
import { checkListOptions, getRun, listRuns, type ListRunsOptions } from './run/query.js';
import { assertRunId } from './run/find.js';
import { saveRun, type SaveRunOptions } from './run/save.js';
import { checkListTasks, type ListTasksOptions } from './task/rows.js';
import { checkLines, checkReadOut, DEFAULT_NEXT_RUNS, DEFAULT_READ_OUT_LINES, readTaskOutput, type ReadOutOptions } from './task/read-options.js';
import type { TickReport } from './supervisor/reconcile.js';
import { checkSupervisorOptions, startSupervisor, tickOnce, type KeepRestartingOptions, type SupervisorHandle } from './supervisor/supervisor.js';
import { runPass } from './supervisor/tick.js';
import { supervisorOf, warnStrandedOnExit, type SupervisorInfo } from './supervisor/presence.js';
import { listRunningRows, listTaskRows } from './task/list.js';
import { nextRuns, setEnabled } from './task/enable.js';
import { addTask, removeTask, startTask, type RemoveTaskOptions, type StartResult } from './task/lifecycle.js';
import { checkFlagOptions, type StopTaskOptions } from './deps/options.js';
import { tableDependencies } from './deps/start.js';
import { stopInOrder, stopWithDependents } from './deps/stop.js';
import { runTask, runTasks, waitRun, type RunLine, type RunTaskOptions, type RunTasksOptions, type WaitRunOptions } from './task/manual.js';
import { assertTaskName } from './task/name.js';
import { followTaskOutput, type FollowOutOptions } from './task/follow.js';
import type { AddTaskOptions } from './task/options.js';
import { checkListRunning, type RunningRow, type TaskRow } from './task/rows.js';
import { interruptibleFollow, interruptibleWait } from './task/interrupt.js';
import { checkWaitArgs, waitForStatus, type WaitForOptions } from './task/wait.js';
import { executorBundle, executorInspect, outputView, statusTable } from './display/executor-view.js';
import { INSPECT_CUSTOM, JUPYTER_DISPLAY, type MimeBundle } from './display/mime.js';
import type { OutputView, StatusTable } from './display/views.js';
import { withRunView } from './display/run-view.js';
import { checkWatchOptions, watchView, type WatchOptions } from './display/watch.js';
import { checkServeOptions, type ServeHandle, type ServeOptions } from './ui/options.js';

export { DEFAULT_KEEP_ARCHIVES, type ExecutorOptions } from './executor-runtime.js';
export { DEFAULT_NEXT_RUNS, DEFAULT_READ_OUT_LINES, type ReadOutOptions } from './task/read-options.js';

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
  /** Absolute path of the folder. */
  readonly folder: string;
  readonly #rt: Runtime;
  readonly #closing = new AbortController();
  readonly #supervisors = new Set<SupervisorHandle>();

  /**
   * Opens (creating if needed) the folder. Throws `IdMismatchError` if `options.id` differs from the stored id.
   * @param folder - Folder of the task table, outputs and log; created if missing.
   */
  constructor(folder: string, options?: ExecutorOptions) {
    super();
    if (typeof folder !== 'string' || folder.length === 0) throw new InvalidOptionError('folder', 'a non-empty folder path', folder);
    const o = checkExecutorOptions(options);
    this.folder = resolve(folder);
    // In cluster mode the id is the cluster's (checked against `options.id` on first use); the folder's is local.
    if (o.cluster !== undefined && o.id !== undefined && (typeof o.id !== 'string' || !EXECUTOR_ID_PATTERN.test(o.id))) {
      throw new InvalidOptionError('id', 'an id matching /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/', o.id);
    }
    const meta = openFolderMeta(this.folder, o.cluster === undefined ? o.id : undefined);
    this.#rt = createRuntime(this, this.folder, o.cluster === undefined ? meta.id : o.id ?? meta.id, o);
    warnStrandedOnExit(this.#rt);
    // Every wait and follow of this Executor listens to its closing signal: any number of them at once is normal.
    setMaxListeners(0, this.#closing.signal);
  }

  /** The executor id: stored in the folder, or in cluster mode the cluster's (known once the database has answered). */
  get id(): string {
    return this.#rt.id;
  }

  async #flushed<T>(value: T): Promise<T> {
    await this.#rt.store.flushLog();
    return value;
  }

  async #existing(name: unknown) {
    assertTaskName(name);
    const record = await this.#rt.store.readTask(name);
    if (!record) throw await taskNotFound(this.#rt, name);
    return record;
  }

  /**
   * Registers a task: a script, or a program (`steps`, run in order). A duplicate name emits `warning` and is skipped,
   * unless `{ replace: true }`.
   * @example `await ex.addTask('LOL_Schedule', 'jobs/test.js', { infiniteLoop: false, period: '2 min' })`
   * @example `await ex.addTask('etl', { steps: [{ name: 'extract', script: 'extract.py' }, { name: 'load', script: 'load.sql' }] })`
   */
  async addTask(name: string, script: string | (AddTaskOptions & { script?: string; steps?: StepOptions[] }), options?: AddTaskOptions): Promise<TaskRow> {
    return this.#flushed(await addTask(this.#rt, name, script, options));
  }

  /**
   * Stops (if running) and removes a task and its run ledger. Output files are kept. A task that others depend on
   * (`dependsOn`) or chain after (`after`) is refused with `DependentsError` (`ERR_HAS_DEPENDENTS`, nothing changed)
   * unless `{ force: true }`; they then ignore it.
   * @example `await ex.removeTask('db', { force: true })`
   */
  async removeTask(name: string, options: RemoveTaskOptions = {}): Promise<void> {
    const { force } = checkFlagOptions(options, 'force');
    await this.#existing(name).catch((error: unknown) => {
      if (!(error instanceof CorruptRecordError)) throw error; // a record that cannot be read is removed as it is
    });
    await removeTask(this.#rt, name, force);
    await this.#flushed(undefined);
  }

  /**
   * Starts a task: runs it now, or schedules it if periodic. Two concurrent calls start one process. Its dependencies
   * (`dependsOn`) are started first, recursively, and each is waited for until ready (its `ready` check, within its
   * `readyTimeout`; else `ReadyTimeoutError`, `ERR_WAIT_TIMEOUT`, naming the dependency); the task is `waiting` meanwhile.
   * @example `await ex.startTask('api') // starts db and cache first, once they are ready starts api`
   */
  async startTask(name: string): Promise<StartResult> {
    assertTaskName(name);
    return this.#flushed(await startTask(this.#rt, name));
  }

  /**
   * Starts every task; one row per task saying what happened. In dependency order: independent tasks at once, each
   * level once the tasks it depends on are ready; a task whose dependency failed to start (or to be ready) gets an
   * `'error'` row.
   */
  async startAll(): Promise<StartResult[]> {
    // One batch per dependency level (task/start-batch.ts): task locks taken in bulk, intents and final records in group commits, spawns in between.
    const { startAllTasks } = await import('./task/start-batch.js');
    return this.#flushed(await startAllTasks(this.#rt, await this.#allNames()));
  }

  // Every task name, including those whose record is unreadable (they get an 'error' row).
  async #allNames(): Promise<string[]> {
    const { records, errors } = await this.#rt.store.table();
    return [...new Set([...records.keys(), ...errors.keys()])].sort();
  }

  /**
   * Stops a task's whole process tree (SIGTERM, then SIGKILL after `killTimeout`); resolves when all of it is gone. With
   * `{ cascade: true }`, the tasks that depend on it are stopped first (dependents first); without it, a `warning`
   * (`ERR_HAS_DEPENDENTS`) names the dependents still running.
   * @example `await ex.stopTask('db', { cascade: true }) // stops web, then api, then db`
   */
  async stopTask(name: string, options: StopTaskOptions = {}): Promise<StopResult> {
    assertTaskName(name);
    const { cascade } = checkFlagOptions(options, 'cascade');
    return this.#flushed(await stopWithDependents(this.#rt, name, cascade, (n) => stopTaskRun(this.#rt, n)));
  }

  /** Stops every task, dependents before what they depend on (`dependsOn`), independent ones in parallel. */
  async stopAll(): Promise<StopResult[]> {
    const names = await this.#allNames();
    const { deps } = await tableDependencies(this.#rt);
    const stopOne = (name: string): Promise<StopResult> => stopTaskRun(this.#rt, name).catch((error: Error & { code?: string }) => ({ id: this.id, name, result: 'error' as const, pid: null, forced: false, error: error.message, code: error.code ?? 'ERR_UNKNOWN' }));
    return this.#flushed(await stopInOrder(deps, names, stopOne));
  }

  /** Stops then starts a task (its dependencies started first if they are not running; its dependents left as they are). */
  async restartTask(name: string): Promise<StartResult> {
    assertTaskName(name);
    await this.#flushed(await stopTaskRun(this.#rt, name));
    return this.startTask(name);
  }

  /** The full task table (or the tasks tagged `tag`), one plain object per task (dead runs found on the way are recorded first). */
  async listTasks(options: ListTasksOptions = {}): Promise<TaskRow[]> {
    return this.#flushed(await listTaskRows(this.#rt, checkListTasks(options)));
  }

  /**
   * The folder's live supervisor — a `keepRestarting()` or `executor supervise`, in this process or another — as
   * `{ pid, hostname, since }` (`since`: when it took the lease, ISO), or null when none holds the folder's lease (then
   * no schedule fires and no crashed loop is restarted; `startTask` of a scheduled task warns `ERR_NO_SUPERVISOR`).
   * Every `listTasks()` row carries the same value as `supervisor`. In cluster mode: the longest-running live host
   * (`hostname` is its host name), or null when no host is alive.
   * @example `if ((await ex.getSupervisor()) === null) ex.keepRestarting();`
   */
  async getSupervisor(): Promise<SupervisorInfo | null> {
    return supervisorOf(this.#rt);
  }

  /**
   * Cluster mode: every host that ever supervised, as `{ host, pid, startedAt, heartbeatAt, alive, capacity, labels,
   * tasks }` (`alive`: heartbeat younger than `leaseTime`; `tasks`: those with a live run on it); `[]` for a folder.
   * @example `const down = (await ex.listHosts()).filter((h) => !h.alive).map((h) => h.host);`
   */
  async listHosts(): Promise<HostRow[]> {
    return this.#flushed(await listHosts(this.#rt));
  }

  /** ExecutoR's running table: `id, name, running, infiniteLoop, period` (+ `start, nextRun` with `{ nextRun: true }`). */
  async listRunningTasks(options: { nextRun?: boolean } = {}): Promise<RunningRow[]> {
    return this.#flushed(await listRunningRows(this.#rt, checkListRunning(options)));
  }

  /**
   * The last `nTail` lines of a task's output: the current run, or `{ run }` = an archive number (1 = newest), a runId or an archive file name.
   * @defaultValue nTail = 50
   */
  async readOut(name: string, nTail: number = DEFAULT_READ_OUT_LINES, options: ReadOutOptions = {}): Promise<string[]> {
    const checked = checkReadOut(nTail, options);
    const record = await this.#existing(name);
    // Cluster mode: a run of another host is read from the cluster, or asked of its host.
    return (await remoteOutput(this.#rt, record, nTail, options, checked)) ?? readTaskOutput(this.folder, this.#rt.store, record, nTail, options, checked);
  }

  /**
   * The task table in short: one row per task with the columns of `executor ls`, every value printable (`3m 12s`,
   * `41 MB`), so `console.table(await ex.status())` fits a terminal. Renders as a table with status badges in a notebook
   * (`await display(ex.status())`) and as a text table in a REPL.
   * @example `console.table(await ex.status())`
   */
  async status(): Promise<StatusTable> {
    return statusTable(await this.listTasks(), this.#rt.now());
  }

  /**
   * The last `n` lines a task printed (as `readOut`), under a one-line summary of its run: a monospace block in a
   * notebook, text in a REPL.
   * @defaultValue n = 50
   * @example `await display(ex.out('web', 20))`
   */
  async out(name: string, n: number = DEFAULT_READ_OUT_LINES): Promise<OutputView> {
    const lines = await this.readOut(name, n);
    const row = (await this.listTasks()).find((r) => r.name === name);
    return outputView(row, name, lines, this.#rt.now());
  }

  /** The notebook view of the Executor: its folder and supervisor over its task table (Jupyter's object protocol). */
  [JUPYTER_DISPLAY](): Promise<MimeBundle> {
    return executorBundle(this);
  }

  /**
   * The Executor's view (its supervisor and task table), refreshed every `intervalMs` while the cell or prompt waits:
   * in place in a notebook kernel, reprinted when it changed elsewhere. Resolves when `signal` aborts, on an interrupt
   * (the kernel's ■, Ctrl-C in a REPL: the await ends) or on `close()`.
   * @example `await ex.watch({ signal: AbortSignal.timeout(60_000), intervalMs: 1000 })`
   */
  async watch(options?: WatchOptions): Promise<void> {
    const checked = checkWatchOptions(options);
    await interruptibleWait(checked, (o) => watchView(() => executorBundle(this), o), this.#closing.signal).catch((error: unknown) => {
      if ((error as Error).name !== 'AbortError') throw error;
    });
  }

  /** What a REPL prints for `ex`: its id and folder, not its internals. */
  [INSPECT_CUSTOM](): string {
    return executorInspect(this);
  }

  /** A task's archived outputs with their times, newest first. */
  async listOutputs(name: string): Promise<OutputInfo[]> {
    return listArchives(this.folder, await this.#existing(name));
  }

  /**
   * New lines of a task's output as they are written; keeps going across restarts. End it with `break` or `options.signal`
   * (in a Node REPL, Ctrl-C ends it too). Lines written after this call are never missed; an unknown task rejects the first
   * `next()` with `TaskNotFoundError`.
   * @example
   * ```ts
   * for await (const line of ex.followOut('LOL')) lines.push(line);
   * ```
   */
  followOut(name: string, options: FollowOutOptions = {}): AsyncIterableIterator<string> {
    return interruptibleFollow(options, (o) => followTaskOutput(this.folder, name, o, (n) => this.#existing(n), (n, runId) => this.#rt.store.readRun(n, runId), (n) => this.#rt.store.listRunIds(n), this.#rt), this.#closing.signal);
  }

  /**
   * Everything run `runId` prints (a program run: every step), from its first line; ends once the run has ended and all was read
   * (or on `options.signal`, or Ctrl-C in a Node REPL).
   * @example `for await (const line of ex.followRun(await ex.runTask('job'))) lines.push(line);`
   */
  followRun(runId: string, options: FollowRunOptions = {}): AsyncIterableIterator<string> {
    return interruptibleFollow(options, (o) => followRunOutput(this.#rt, runId, o), this.#closing.signal);
  }

  /** New lines of the executor log as any process writes them (rotation followed); Ctrl-C in a Node REPL ends it. @example `for await (const l of ex.followLog({ signal })) seen.push(l);` */
  followLog(options: FollowOptions = {}): AsyncIterableIterator<string> {
    const cluster = clusterOf(this.#rt.store); // cluster mode: every host's lines, from the cluster's log table
    return interruptibleFollow(options, (o) => (cluster === null ? followFile(this.#rt.store.logFile, o) : followClusterLog(cluster.db, o)), this.#closing.signal);
  }

  /** Lines of the executor log (all of the current file, or the last `nTail`; in cluster mode, of every host). */
  async readLog(nTail?: number): Promise<string[]> {
    if (nTail !== undefined) checkLines(nTail, 'nTail');
    await this.#rt.store.flushLog();
    const cluster = clusterOf(this.#rt.store); // cluster mode: every host's lines, from the cluster's log table
    if (cluster !== null) return readClusterLog(cluster.db, nTail ?? Infinity);
    return readTail(this.#rt.store.logFile, nTail ?? Number.MAX_SAFE_INTEGER);
  }

  /** Supervises the folder: restarts crashed loops, fires schedules. Non-blocking; keeps Node alive unless `unref`. */
  keepRestarting(options?: KeepRestartingOptions): SupervisorHandle {
    const handle = startSupervisor(this.#rt, checkSupervisorOptions(options));
    this.#supervisors.add(handle);
    void handle.done.catch(() => undefined).finally(() => this.#supervisors.delete(handle));
    return handle;
  }

  /**
   * Lets go of everything this Executor holds in this process: its `keepRestarting` supervisors stop (releasing the
   * folder's lease), its followers end and its waits reject with an `AbortError`, its log is flushed. Tasks keep
   * running. Re-running `new Executor(folder)` in a notebook cell leaves nothing behind once the old one is closed.
   * @example `await ex.close(); // the REPL or kernel may now exit at once`
   */
  async close(): Promise<void> {
    this.#closing.abort(new DOMException(`The Executor on ${this.folder} was closed`, 'AbortError'));
    await Promise.all([...this.#supervisors].map((handle) => handle.stop()));
    await settleChains(this.#rt); // chain runs this process was starting have started: none starts after close
    await this.#rt.store.flushLog();
    await this.#rt.store.close(); // a cluster's connections
  }

  /**
   * Serves the web dashboard of this folder: the task table, runs with their steps, live output and the log, with
   * controls that call this Executor's methods. Binds to 127.0.0.1:7070 by default; any other host requires a token
   * (given, or generated and returned). Not a supervisor: it shows whether one holds the folder. Resolves once it listens.
   * @example
   * ```ts
   * const { url, close } = await ex.serve({ port: 0 });
   * // open url in a browser …
   * await close();
   * ```
   */
  async serve(options?: ServeOptions): Promise<ServeHandle> {
    const checked = checkServeOptions(options);
    const closing = this.#closing.signal;
    closing.throwIfAborted(); // a closed Executor serves nothing (an AbortError, as its waits get)
    const { serveDashboard } = await import('./ui/serve.js');
    const handle = await serveDashboard(this, checked);
    const onClose = (): void => void handle.close();
    closing.addEventListener('abort', onClose, { once: true });
    return { ...handle, close: () => { closing.removeEventListener('abort', onClose); return handle.close(); } };
  }

  /** One reconciliation pass (restarts and schedules only if this process can hold the lease). */
  async tick(): Promise<TickReport> {
    return this.#flushed(await tickOnce(this.#rt));
  }

  /**
   * The next `n` times the scheduler will fire the task, as ISO strings (jitter included). Pure: nothing is written.
   * `[]` for a task without `period` or `cron`, or a disabled one. For a task not started yet, what it would do once started.
   * @defaultValue n = 5
   * @example `await ex.nextRuns('report', 3) // ['2026-11-25T02:30:00.000Z', …]`
   */
  async nextRuns(name: string, n = DEFAULT_NEXT_RUNS): Promise<string[]> {
    assertTaskName(name);
    return nextRuns(this.#rt, name, n);
  }

  /** Lets the scheduler fire and the supervisor restart the task again (from the next slot on: no catch-up of the disabled time). */
  async enableTask(name: string): Promise<TaskRow> {
    assertTaskName(name);
    return this.#flushed(await setEnabled(this.#rt, name, true));
  }

  /** The scheduler never fires the task and the supervisor never restarts it; `runTask`/`startTask` still work. A live run is left alone. */
  async disableTask(name: string): Promise<TaskRow> {
    assertTaskName(name);
    return this.#flushed(await setEnabled(this.#rt, name, false));
  }

  /**
   * Runs the task once now, whatever its schedule (next to a live run, if any); resolves with the `runId`.
   * Under `maxConcurrent` the run may be queued first.
   * @example `const runId = await ex.runTask('load', { trigger: '2019-01-01/08:00:00' }); const run = await ex.waitRun(runId);`
   */
  async runTask(name: string, options?: RunTaskOptions): Promise<string> {
    return this.#flushed(await runTask(this.#rt, name, options));
  }

  /**
   * Resolves with the run's ledger record once it has ended (`exitCode`, `signal`, `timedOut`, …). Keeps Node alive while
   * waiting; `options.signal`, or Ctrl-C in a Node REPL, stops waiting (an `AbortError`).
   */
  async waitRun(runId: string, options?: WaitRunOptions): Promise<RunRecord> {
    return interruptibleWait(options, (o) => waitRun(this.#rt, runId, o), this.#closing.signal);
  }

  /**
   * Runs `name trigger` lines (runner's run-jobs file: a string, an array of lines, or `{ name, trigger }` objects) in order,
   * at most `concurrency` at once; resolves with their run records in line order. All lines are checked before any runs.
   * @example `await ex.runTasks('load 2019-01-01/08:00:00\nload 2019-01-02/08:00:00', { concurrency: 2 })`
   */
  async runTasks(lines: string | ReadonlyArray<string | RunLine>, options?: RunTasksOptions): Promise<RunRecord[]> {
    return this.#flushed(await runTasks(this.#rt, lines, options));
  }

  /** The record of run `runId` (a program's with its `steps`); rejects with `RunNotFoundError` for an unknown id. */
  async getRun(runId: string): Promise<RunRecord> {
    assertRunId(runId);
    await runPass(this.#rt, false); // runs that ended unseen are recorded first
    return withRunView(await getRun(this.#rt, runId), this.#rt.now); // a table in a notebook or REPL; JSON unchanged
  }

  /** Runs of one task (`task`) or all, newest first, by `status` and `saved`; at most `limit` (100). */
  async listRuns(options?: ListRunsOptions): Promise<RunRecord[]> {
    checkListOptions(options);
    await runPass(this.#rt, false); // runs that ended unseen are recorded first
    return listRuns(this.#rt, options);
  }

  /** Cancels a run: queued ones are dropped; a live one's tree is stopped (later steps `unprocessed`). Resolves with its record. */
  async cancelRun(runId: string): Promise<RunRecord> {
    return this.#flushed(await cancelRun(this.#rt, runId));
  }

  /** Pins a run (Ferris's "Saved executions"): it and its outputs are never pruned. */
  async saveRun(runId: string, options: SaveRunOptions): Promise<RunRecord> {
    return this.#flushed(await saveRun(this.#rt, runId, options));
  }

  /**
   * Starts one run of every enabled task whose `on` lists `type`, in parallel, with `payload` as its `data`; resolves
   * with their runIds. Durable: the event is written into the folder first, and a supervisor in another process runs it.
   * @example `const [runId] = await ex.emitEvent('file-arrived', { path: '/data/in.csv' });`
   */
  async emitEvent(type: string, payload?: unknown): Promise<string[]> {
    return this.#flushed(await emitEvent(this.#rt, type, payload));
  }

  /** Resolves when every alert being delivered by this Executor has been sent (or has failed and been logged). */
  async flushAlerts(): Promise<void> {
    while (this.#rt.alertsInFlight.size > 0) await Promise.all([...this.#rt.alertsInFlight]);
    await this.#rt.store.flushLog();
  }

  /**
   * Resolves with the task's row once its status is `state` (or one of them); rejects with `WaitTimeoutError`. Keeps Node
   * alive while waiting; `options.signal`, or Ctrl-C in a Node REPL, stops waiting (an `AbortError`).
   * @example `await ex.waitFor('web', 'running', { timeout: 10_000, signal: AbortSignal.timeout(5_000) })`
   */
  async waitFor(name: string, state: TaskStatus | TaskStatus[], options?: WaitForOptions): Promise<TaskRow> {
    const args = checkWaitArgs(name, state, options);
    // In a REPL, the options' signal also aborts on Ctrl-C.
    const row = await interruptibleWait(options, (o) => waitForStatus(this.#rt, { ...args, signal: o?.signal ?? null }), this.#closing.signal);
    return { ...row, supervisor: await supervisorOf(this.#rt) };
  }
}
