// The shared context every part of an Executor works with (no globals: one per Executor).
import type { HostLiveness } from './cluster/host-liveness.js';
import type { EventEmitter } from 'eventemitter3';
import type { AlertLimiter } from './alert/limiter.js';
import type { AlertConfig } from './alert/types.js';
import type { UsageSampler } from './process/usage.js';
import type { ProcCache } from './process/proc-cache.js';
import type { CurrentRun } from './store/records.js';
import type { ExecutorEvents } from './events.js';
import type { RunExit, SpawnedRun } from './process/spawn.js';
import type { TaskStore } from './store/store.js';
import type { InterpreterMap } from './task/interpreter.js';

/** Hooks the supervisor installs while it holds the lease. */
export interface SupervisorHooks {
  /** A run of `name` was closed: decide on a restart now instead of at the next poll. */
  onRunClosed(name: string): void;
  /** A task's schedule changed: re-arm the timer. */
  onChanged(): void;
  /** A run spawned by this process exited: close it and decide on a restart in one step. */
  onOwnExit(name: string, runId: string, pid: number, exit: RunExit): Promise<void>;
}

/** Everything the parts of one Executor share. */
export interface Runtime {
  readonly folder: string;
  /** The executor id; in cluster mode set to the cluster's once the database has answered. */
  id: string;
  /** Cluster mode: this host's name (runs record it); null for a folder. */
  readonly host: string | null;
  /** Cluster mode: the hosts' liveness (a run on another host is live while its host is); null for a folder. */
  readonly hosts: HostLiveness | null;
  readonly store: TaskStore;
  readonly emitter: EventEmitter<ExecutorEvents>;
  readonly killTimeoutMs: number;
  readonly keepArchives: number;
  readonly interpreters: InterpreterMap;
  /** The clock: epoch ms. Injectable for tests. */
  now(): number;
  /** True when `now` is the real clock (`Date.now`): only then may the supervisor prepare a run ahead of its slot. */
  readonly realClock: boolean;
  /** Writes a line to the executor log and emits `log`. */
  log(message: string): void;
  /** Emits `warning` and logs it. */
  warn(message: string, name?: string, code?: string): void;
  /** Runs spawned by this process and not yet exited, by runId. */
  readonly own: Map<string, SpawnedRun>;
  /** Corrupt-record errors already reported (`name:message`), so each is logged once. */
  readonly reportedErrors: Set<string>;
  /** Set while this process supervises the folder. */
  supervisor: SupervisorHooks | null;
  /** The Executor's alert setting (tasks may override it), or null. */
  readonly alert: AlertConfig | null;
  /** Per-task alert rate limit state. */
  readonly alertLimiter: AlertLimiter;
  /** Releases of `flushAlerts` holds, by the alert batch they wait for. */
  readonly heldAlerts: WeakMap<object, () => void>;
  /** Alert deliveries still running (awaited by `flushAlerts`). */
  readonly alertsInFlight: Set<Promise<void>>;
  /** Global limit of live runs (Infinity = none). */
  readonly maxConcurrent: number;
  /** Runs being launched right now by this process, not yet in the table (keeps maxConcurrent exact within a process). */
  launching: number;
  /** Next sequence number of a queued run (keeps first-come-first-served order within one millisecond). */
  queueSeq: number;
  /** Tasks with a reconciliation in flight in this process (a pass skips them), with how many. */
  readonly reconciling: Map<string, number>;
  /** Runs this process is stopping for a timeout or maxMemory (so each is stopped once). */
  readonly killing: Set<string>;
  /** A run ended in this process: start queued runs that may now go (supervisor pass, or this process's manual ones). */
  nudge(): void;
  /** Task of each run started or queued by `runTask` in this process (so `waitRun` finds it without a scan). */
  readonly runOwners: Map<string, string>;
  /** cpu% / RSS sampler of process trees. */
  readonly usage: UsageSampler;
  /** /proc snapshots and process markers shared by every leftover check of this Executor. */
  readonly procs: ProcCache;
  /** Stops what runs that ended with a known exit left running, in batches (`run/reaper.ts`). */
  readonly reaper: { enqueue(name: string, run: CurrentRun, notBefore: number, spawnedHere?: boolean): void };
  /** Event files being handled by this process. */
  readonly eventsInFlight: Set<string>;
  /** A program run of `name` waits until `at` (epoch ms) for its next step or attempt: reconcile the task then. */
  programWake(name: string, at: number): void;
  /** A run spawned by this process exited: close it (and go on with its program), supervised or not. */
  closeOwn(name: string, runId: string, pid: number, exit: RunExit): Promise<void>;
}
