// The Executor's options and the Runtime it builds from them (one per Executor: no globals).
import type { EventEmitter } from 'eventemitter3';
import { AlertLimiter } from './alert/limiter.js';
import { checkAlertOptions } from './alert/options.js';
import type { AlertOptions } from './alert/types.js';
import { InvalidOptionError } from './errors.js';
import type { ExecutorEvents } from './events.js';
import type { SpawnedRun } from './process/spawn.js';
import { DEFAULT_KILL_TIMEOUT_MS } from './process/stop.js';
import { UsageSampler } from './process/usage.js';
import { ProcCache } from './process/proc-cache.js';
import { LeftoverReaper } from './run/reaper.js';
import { assertNoNul } from './program/options.js';
import type { Runtime } from './runtime.js';
import { checkTimerMs } from './schedule/timer.js';
import { FolderStore } from './store/folder-store.js';
import { rememberClusterId } from './store/meta.js';
import { Db } from './cluster/db.js';
import { checkClusterOptions, type ClusterOptions } from './cluster/options.js';
import { PgStore } from './cluster/pg-store.js';
import { HostLiveness } from './cluster/host-liveness.js';
import { MAX_TIMER_DELAY_MS } from './supervisor/announce.js';
import { reconcileTask } from './supervisor/reconcile.js';
import { runPass } from './supervisor/tick.js';
import { formatLogLine } from './store/log.js';
import type { TaskRecord } from './store/records.js';
import { checkInterpreterMap, type InterpreterMap } from './task/interpreter.js';

/** Options of `new Executor(folder, options)`. */
export interface ExecutorOptions extends ClusterOptions {
  /** The executor id. A new folder gets a random 8-hex-digit id; an existing folder keeps its stored id. */
  id?: string;
  /** Interpreters by extension (`'.py'`) or name (`'venv'`), e.g. `{ '.py': ['python3'], venv: ['/opt/venv/bin/python'] }`. */
  interpreters?: InterpreterMap;
  /**
   * Milliseconds between SIGTERM and SIGKILL when stopping a task: from 0 to `MAX_TIMER_MS` (2^31 − 1).
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
  /**
   * Most runs live at once across the folder's tasks; runs beyond it are queued, in order, and recorded as queued.
   * @defaultValue unlimited
   */
  maxConcurrent?: number;
  /**
   * When and where to alert, for every task (a task's own `alert` is merged over it field by field: its `on`,
   * channels and `minInterval` each replace the Executor's when given); `false` = none. E.g.
   * `{ on: ['failure', 'recovered'], webhook: 'https://…', email: { host, to } }`. See docs/alerts.md.
   * @defaultValue no alerts
   */
  alert?: AlertOptions | false;
}

/** Default of `keepArchives`. */
export const DEFAULT_KEEP_ARCHIVES = 50;

/** The options `new Executor(folder, options)` takes; any other key is refused. */
export const EXECUTOR_OPTIONS: readonly string[] = ['id', 'interpreters', 'killTimeout', 'keepArchives', 'now', 'maxConcurrent', 'alert', 'cluster', 'host', 'leaseTime', 'capacity', 'labels'];

/** Validates `new Executor(folder, options)`'s options: known keys only, each of the right type and range. */
export function checkExecutorOptions(options: unknown): ExecutorOptions {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new InvalidOptionError('options', 'an object', options);
  for (const key of Object.keys(options)) if (!EXECUTOR_OPTIONS.includes(key)) throw new InvalidOptionError('options', `made of known options (${EXECUTOR_OPTIONS.join(', ')})`, key);
  const o = options as ExecutorOptions;
  if (o.killTimeout !== undefined) checkTimerMs(o.killTimeout, 'killTimeout', true);
  if (o.keepArchives !== undefined && !(Number.isSafeInteger(o.keepArchives) && o.keepArchives >= 0)) throw new InvalidOptionError('keepArchives', 'an integer >= 0', o.keepArchives);
  if (o.now !== undefined && typeof o.now !== 'function') throw new InvalidOptionError('now', 'a function returning epoch milliseconds', o.now);
  if (o.maxConcurrent !== undefined && !(Number.isSafeInteger(o.maxConcurrent) && o.maxConcurrent >= 1) && o.maxConcurrent !== Infinity) throw new InvalidOptionError('maxConcurrent', 'an integer >= 1 (or Infinity)', o.maxConcurrent);
  checkInterpreterMap(o.interpreters);
  for (const [key, command] of Object.entries(o.interpreters ?? {})) assertNoNul(command, `interpreters[${JSON.stringify(key)}]`);
  if (o.alert !== undefined) checkAlertOptions(o.alert, 'alert');
  checkClusterOptions(o);
  return o;
}

// True when some record has a queued run (a loop, not an array of 10,000 records made at every run's end).
function anyQueued(records: ReadonlyMap<string, TaskRecord>): boolean {
  for (const record of records.values()) if (record.state.queue.length > 0) return true;
  return false;
}

// After a run ends in this process: let the supervisor re-check, or start this process's queued manual runs.
// (The supervisor already reconciled the run's own task: a pass is needed only for runs queued elsewhere.)
function nudge(rt: Runtime): void {
  void rt.store.table({ refresh: false }).then(async (table) => {
    if (!anyQueued(table.records)) return;
    if (rt.supervisor) rt.supervisor.onChanged();
    else await runPass(rt, false);
  }).catch((error: unknown) => rt.emitter.emit('error', error as Error));
}

// Program runs waiting for their next step or attempt: one unref'd timer per task, to the earliest time asked for.
function programWaker(rt: () => Runtime): (name: string, at: number) => void {
  const timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  const wake = (name: string, at: number): void => {
    const armed = timers.get(name);
    if (armed && armed.at <= at) return;
    if (armed) clearTimeout(armed.timer);
    const timer = setTimeout(() => {
      timers.delete(name);
      const runtime = rt();
      if (runtime.now() < at) return wake(name, at); // a timer may fire a little early: not due yet
      // The pass re-arms this for any run of the task still waiting (see reconcileTask).
      reconcileTask(runtime, name, runtime.supervisor !== null).catch((error: unknown) => runtime.emitter.emit('error', error as Error, { name }));
    }, Math.min(MAX_TIMER_DELAY_MS, Math.max(1, at - rt().now())));
    timer.unref();
    timers.set(name, { at, timer });
  };
  return wake;
}

/** Builds the shared context of one Executor. */
export function createRuntime(emitter: EventEmitter<ExecutorEvents>, folder: string, id: string, o: ExecutorOptions): Runtime {
  const alert = o.alert === undefined ? null : checkAlertOptions(o.alert, 'alert');
  const local = new FolderStore(folder, (file, error) => rt.warn(`Lock ${file} was compromised: ${error.message}`));
  const cluster = checkClusterOptions(o);
  const db = cluster === null ? null : new Db(cluster);
  const store = db === null ? local : new PgStore(db, local, { given: o.id ?? null, proposed: id, onId: (clusterId) => { rt.id = clusterId; rememberClusterId(folder, clusterId); } });
  const rt: Runtime = {
    folder, id, store, emitter, host: cluster?.host ?? null, hosts: db === null ? null : new HostLiveness(db, cluster!.leaseTimeMs),
    killTimeoutMs: o.killTimeout ?? DEFAULT_KILL_TIMEOUT_MS,
    keepArchives: o.keepArchives ?? DEFAULT_KEEP_ARCHIVES,
    interpreters: o.interpreters ?? {},
    now: o.now ?? Date.now,
    realClock: o.now === undefined,
    log: (message) => {
      const time = new Date(rt.now());
      const line = formatLogLine(message, time);
      store.appendLog(line).catch((error: unknown) => emitter.emit('error', error as Error));
      emitter.emit('log', { line, message, time });
    },
    warn: (message, name, code) => {
      rt.log(`Warning: ${message}`);
      emitter.emit('warning', { message, ...(name === undefined ? {} : { name }), ...(code === undefined ? {} : { code }) });
    },
    own: new Map<string, SpawnedRun>(),
    reportedErrors: new Set<string>(),
    supervisor: null,
    alert: alert === false ? null : alert,
    alertLimiter: new AlertLimiter(),
    alertsInFlight: new Set(),
    heldAlerts: new WeakMap(),
    maxConcurrent: o.maxConcurrent ?? Infinity,
    launching: 0,
    queueSeq: 0,
    killing: new Set(),
    reconciling: new Map(),
    runOwners: new Map(),
    nudge: () => nudge(rt),
    programWake: programWaker(() => rt),
    eventsInFlight: new Set(),
    closeOwn: async (name, runId, pid, exit) => {
      if (rt.supervisor) await rt.supervisor.onOwnExit(name, runId, pid, exit);
      else await reconcileTask(rt, name, false, { runId, pid, exit });
    },
    usage: new UsageSampler(),
    procs: new ProcCache(),
    reaper: new LeftoverReaper(() => rt),
  };
  return rt;
}
